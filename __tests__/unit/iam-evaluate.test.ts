import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolesToRead, whoHolds } from '../../src/iam/evaluate.ts';
import type { AccessFacts, PolicyFact, RoleFact } from '../../src/iam/facts.ts';
import { matchMember } from '../../src/iam/principals.ts';
import type { IamBinding } from '../../src/gcp/types.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const SA = 'gw@proj.iam.gserviceaccount.com';
const NOW = new Date('2026-11-30T12:00:00Z');
const ROLES: Record<string, string[]> = {
  'roles/run.invoker': ['run.routes.invoke'],
  'roles/run.viewer': ['run.services.get'],
  'projects/proj/roles/invokerLookalike': ['run.services.get'],
  'projects/proj/roles/custom': ['run.routes.invoke', 'run.services.get'],
};

function facts(policies: Array<{ level?: PolicyFact['level']; resource?: string; bindings?: IamBinding[]; error?: string }>, roles: Record<string, RoleFact> = {}): AccessFacts {
  const roleMap = new Map<string, RoleFact>(
    Object.entries(ROLES).map(([name, perms]) => [name, { definition: { name, includedPermissions: perms, deleted: false } }]),
  );
  for (const [name, fact] of Object.entries(roles)) roleMap.set(name, fact);
  return {
    policies: policies.map((p, i) => ({
      resource: p.resource ?? `r${i}`,
      level: p.level ?? 'resource',
      ...(p.error ? { error: p.error } : { policy: { bindings: p.bindings ?? [] } }),
    })),
    roles: roleMap,
  };
}

const cases: Array<{ name: string; facts: AccessFacts; expect: Partial<Record<'direct' | 'conditional' | 'refused' | 'unverified' | 'public' | 'unknownForAccount' | 'unknownForPublic', number>> }> = [
  { name: 'grant on the resource', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }] }]), expect: { direct: 1 } },
  { name: 'email matched case-insensitively', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:GW@Proj.iam.gserviceaccount.com`] }] }]), expect: { direct: 1 } },
  { name: 'grant on the project through a custom role', facts: facts([{}, { level: 'project', bindings: [{ role: 'projects/proj/roles/custom', members: [`serviceAccount:${SA}`] }] }]), expect: { direct: 1 } },
  { name: 'custom role named like an invoker without the permission', facts: facts([{ bindings: [{ role: 'projects/proj/roles/invokerLookalike', members: [`serviceAccount:${SA}`] }] }]), expect: { direct: 0 } },
  { name: 'other account', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['serviceAccount:other@proj.iam.gserviceaccount.com'] }] }]), expect: { direct: 0 } },
  { name: 'deleted account grants nothing', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`deleted:serviceAccount:${SA}?uid=1`] }] }]), expect: { direct: 0 } },
  { name: 'domain grant is no grant', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['domain:iam.gserviceaccount.com'] }] }]), expect: { direct: 0, unverified: 0 } },
  { name: 'group grant is unverified', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['group:gateways@example.com'] }] }]), expect: { unverified: 1 } },
  { name: 'allUsers is public, not the account', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] }]), expect: { public: 1, direct: 0 } },
  { name: 'inherited allAuthenticatedUsers is public', facts: facts([{}, { level: 'folder', bindings: [{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'] }] }]), expect: { public: 1 } },
  { name: 'viewer role to allUsers is not public invoke', facts: facts([{ bindings: [{ role: 'roles/run.viewer', members: ['allUsers'] }] }]), expect: { public: 0 } },
  {
    name: 'a condition on resource.name (not provided for Cloud Run) never grants',
    facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`], condition: { title: 'prod only', expression: 'resource.name.startsWith("x")' } }] }]),
    expect: { conditional: 0, direct: 0, refused: 1 },
  },
  {
    name: 'a grant with an end date is conditional',
    facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`], condition: { title: 't', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }] }]),
    expect: { conditional: 1, direct: 0 },
  },
  {
    name: 'a public grant under an expired condition is not public',
    facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'], condition: { title: 't', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' } }] }]),
    expect: { public: 0 },
  },
  {
    name: 'a public grant whose condition hides an always-true || behind a quote is public (issue 16 item 7)',
    facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'], condition: { title: 't', expression: `request.time < timestamp("2000-01-01T00:00:00Z") && '"'.size() == 1 || '"'.size() == 1` } }] }]),
    expect: { public: 1 },
  },
  {
    name: 'a tag condition with unreadable tags is unknown for the account',
    facts: { ...facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`], condition: { title: 't', expression: 'resource.matchTag("1/env", "prod")' } }] }]), attributes: { backend: 'cloud-run', tags: { error: 'denied' } } },
    expect: { direct: 0, unknownForAccount: 1 },
  },
  {
    name: 'expired time condition grants nothing',
    facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`], condition: { title: 't', expression: 'request.time < timestamp("2026-01-01T00:00:00Z")' } }] }]),
    expect: { conditional: 0, direct: 0 },
  },
  { name: 'unreadable policy', facts: facts([{ error: 'denied' }]), expect: { unknownForAccount: 1, unknownForPublic: 1 } },
  {
    name: 'unreadable role bound to the account',
    facts: facts([{ bindings: [{ role: 'projects/proj/roles/gone', members: [`serviceAccount:${SA}`] }] }], { 'projects/proj/roles/gone': { error: 'denied' } }),
    expect: { unknownForAccount: 1, unknownForPublic: 0 },
  },
  {
    name: 'unreadable role bound to allUsers, the account granted elsewhere',
    facts: facts(
      [{ bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }, { role: 'projects/proj/roles/gone', members: ['allUsers'] }] }],
      { 'projects/proj/roles/gone': { error: 'denied' } },
    ),
    expect: { direct: 1, unknownForPublic: 1, unknownForAccount: 0, public: 0 },
  },
  {
    name: 'unreadable role bound to both the account and allAuthenticatedUsers',
    facts: facts([{ bindings: [{ role: 'projects/proj/roles/gone', members: [`serviceAccount:${SA}`, 'allAuthenticatedUsers'] }] }], { 'projects/proj/roles/gone': { error: 'denied' } }),
    expect: { unknownForAccount: 1, unknownForPublic: 1 },
  },
  { name: 'email in capitals on the project level', facts: facts([{}, { level: 'project', bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA.toUpperCase()}`] }] }]), expect: { direct: 1 } },
  { name: 'another account differing only past the @ is not the account', facts: facts([{ bindings: [{ role: 'roles/run.invoker', members: ['serviceAccount:GW@other.iam.gserviceaccount.com'] }] }]), expect: { direct: 0 } },
  {
    name: 'deleted role grants nothing',
    facts: facts([{ bindings: [{ role: 'projects/proj/roles/old', members: [`serviceAccount:${SA}`] }] }], {
      'projects/proj/roles/old': { definition: { name: 'projects/proj/roles/old', includedPermissions: ['run.routes.invoke'], deleted: true } },
    }),
    expect: { direct: 0, unknownForAccount: 0 },
  },
  {
    name: 'disabled role grants nothing',
    facts: facts([{ bindings: [{ role: 'projects/proj/roles/off', members: [`serviceAccount:${SA}`] }] }], {
      'projects/proj/roles/off': { definition: { name: 'projects/proj/roles/off', includedPermissions: ['run.routes.invoke'], deleted: false, stage: 'DISABLED' } },
    }),
    expect: { direct: 0 },
  },
];

for (const c of cases) {
  test(`whoHolds: ${c.name}`, () => {
    const answer = whoHolds('run.routes.invoke', SA, c.facts, NOW);
    for (const [key, count] of Object.entries(c.expect)) {
      assert.equal((answer as unknown as Record<string, unknown[]>)[key]?.length, count, key);
    }
  });
}

test('matchMember classifies principals', () => {
  assert.equal(matchMember(`serviceAccount:${SA}`, SA), 'self');
  assert.equal(matchMember('allUsers', SA), 'public');
  assert.equal(matchMember('principalSet://iam.googleapis.com/x', SA), 'unverified');
  assert.equal(matchMember('user:a@b.c', SA), 'other');
  assert.equal(matchMember('domain:proj.iam.gserviceaccount.com', SA), 'other');
});

test('rolesToRead keeps only roles bound to the account, the public or unverifiable principals', () => {
  const f = facts([
    { bindings: [
      { role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] },
      { role: 'roles/owner', members: ['user:alice@example.com'] },
      { role: 'roles/run.viewer', members: ['group:g@example.com'] },
    ] },
  ]);
  assert.deepEqual(rolesToRead(f, SA), ['roles/run.invoker', 'roles/run.viewer']);
});
