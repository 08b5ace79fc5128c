/** The pure overlay: live facts + planned changes → facts after apply, per family and action. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IamPolicy, RunService } from '../../src/gcp/types.ts';
import { whoHolds } from '../../src/iam/evaluate.ts';
import type { AccessFacts, RoleFact } from '../../src/iam/facts.ts';
import { plannedChanges, type PlannedChange } from '../../src/plan/changes.ts';
import { overlayAccess, overlayTarget, type PlannedNote, type WithNotes } from '../../src/plan/overlay.ts';
import { classifyAddress } from '../../src/resolve/address.ts';
import type { RunTarget, Target } from '../../src/resolve/target.ts';
import { change, plan } from './plans.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const M = `serviceAccount:${SA}`;
const SERVICE = 'projects/shop-prod/locations/us-central1/services/orders';
const NOW = new Date('2026-12-01T00:00:00Z');
const INVOKER = 'roles/run.invoker';
const ROLES = new Map<string, RoleFact>([
  [INVOKER, { definition: { name: INVOKER, includedPermissions: ['run.routes.invoke'], deleted: false } }],
  ['roles/viewer', { definition: { name: 'roles/viewer', includedPermissions: ['run.services.get'], deleted: false } }],
  ['projects/shop-prod/roles/caller', { definition: { name: 'projects/shop-prod/roles/caller', includedPermissions: ['run.routes.invoke'], deleted: false } }],
]);
const scope = { aliases: new Set(['shop-prod', '123456789012']), accounts: [SA] };

function facts(resource: IamPolicy = { bindings: [] }, project: IamPolicy = { bindings: [] }): AccessFacts {
  return {
    policies: [
      { resource: SERVICE, level: 'resource', policy: resource },
      { resource: 'projects/shop-prod', level: 'project', policy: project },
      { resource: 'folders/200', level: 'folder', policy: { bindings: [] } },
      { resource: 'organizations/1000', level: 'organization', policy: { bindings: [] } },
    ],
    denies: [{ attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/shop-prod', policies: [] }],
    roles: ROLES,
  };
}

const runMember = (member: string, role = INVOKER, extra: Record<string, unknown> = {}) => ({ project: 'shop-prod', location: 'us-central1', name: 'orders', role, member, condition: [], ...extra });
const changesOf = (...rcs: Parameters<typeof plan>[0]): PlannedChange[] => plannedChanges([{ file: 'tfplan.json', dir: '/w', plan: plan(rcs) }]);

/** Who holds run.routes.invoke after apply, compactly: direct/public/unverified member lists. */
function verdict(access: AccessFacts) {
  const a = whoHolds('run.routes.invoke', SA, access, NOW);
  return {
    direct: a.direct.map((g) => `${g.member}@${g.resource}${g.planned ? `<${g.planned.address} (${g.planned.action})` : ''}`),
    public: a.public.map((g) => g.member),
    unverified: a.unverified.map((g) => g.member),
    unknownForPublic: a.unknownForPublic.length,
    denied: a.deny.denied.length,
  };
}
const notesOf = (a: WithNotes<AccessFacts>): string[] => (a.planned ?? []).map((n: PlannedNote) => n.text);

describe('member', () => {
  const live = facts({ bindings: [{ role: INVOKER, members: [M] }] });
  const table: Array<[string, string[], unknown, unknown, string[], string[]]> = [
    ['create adds', ['create'], null, runMember('allUsers'), [`${M}@${SERVICE}`], ['allUsers']],
    ['delete removes', ['delete'], runMember(M), null, [], []],
    ['replace (delete, create) swaps', ['delete', 'create'], runMember(M), runMember('allUsers'), [], ['allUsers']],
    ['replace (create, delete) swaps', ['create', 'delete'], runMember(M), runMember('allUsers'), [], ['allUsers']],
    ['no-op changes nothing', ['no-op'], runMember(M), runMember(M), [`${M}@${SERVICE}`], []],
    ['read changes nothing', ['read'], null, runMember('allUsers'), [`${M}@${SERVICE}`], []],
    ['forget leaves the grant', ['forget'], runMember(M), null, [`${M}@${SERVICE}`], []],
    ['create, forget: the old grant stays and the new comes', ['create', 'forget'], runMember(M), runMember('allUsers'), [`${M}@${SERVICE}`], ['allUsers']],
    ['forget, create (OpenTofu) likewise', ['forget', 'create'], runMember(M), runMember('allUsers'), [`${M}@${SERVICE}`], ['allUsers']],
  ];
  for (const [name, actions, before, after, direct, pub] of table) {
    test(name, () => {
      const out = overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.m', actions, before as never, after as never)), scope);
      const v = verdict(out);
      assert.deepEqual(v.direct.map((d) => d.replace(/<.*$/, '')), direct);
      assert.deepEqual(v.public, pub);
    });
  }

  test('a deposed object’s delete takes away that object only', () => {
    const out = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M, 'allUsers'] }] }),
      changesOf(change('google_cloud_run_v2_service_iam_member.m', ['delete'], runMember('allUsers'), null, {}, { deposed: '00aa11bb' })),
      scope,
    );
    assert.deepEqual(verdict(out).public, []);
    assert.deepEqual(notesOf(out), [`google_cloud_run_v2_service_iam_member.m (delete deposed 00aa11bb) removes allUsers from ${INVOKER} on ${SERVICE}`]);
  });

  test('a planned grant carries its provenance; a removal is noted', () => {
    const out = overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['create'], null, runMember(M))), scope);
    assert.deepEqual(verdict(out).direct, [`${M}@${SERVICE}<google_cloud_run_v2_service_iam_member.gw (create)`]);
    const gone = overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['delete'], runMember(M), null)), scope);
    assert.deepEqual(notesOf(gone), [`google_cloud_run_v2_service_iam_member.gw (delete) removes ${M} from ${INVOKER} on ${SERVICE}`]);
  });

  test('the live facts are not changed', () => {
    const before = JSON.stringify(live.policies);
    overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.m', ['delete'], runMember(M), null)), scope);
    assert.equal(JSON.stringify(live.policies), before);
  });

  test('conditions are carried through as live bindings carry them', () => {
    const condition = [{ title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")', description: '' }];
    const out = overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_member.m', ['create'], null, runMember(M, INVOKER, { condition }))), scope);
    const a = whoHolds('run.routes.invoke', SA, out, NOW);
    assert.equal(a.conditional[0]?.condition?.title, 'until 2027');
    assert.equal(a.direct.length, 0);
  });
});

describe('binding and policy', () => {
  test('a binding is authoritative for its role and condition on that resource only', () => {
    const live = facts({ bindings: [{ role: INVOKER, members: [M, 'allUsers'] }, { role: 'roles/viewer', members: ['allUsers'] }] }, { bindings: [{ role: INVOKER, members: ['group:ops@example.com'] }] });
    const out = overlayAccess(
      live,
      changesOf(change('google_cloud_run_v2_service_iam_binding.b', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', role: INVOKER, members: ['user:a@example.com'], condition: [] })),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.direct, []);
    assert.deepEqual(v.public, []);
    assert.deepEqual(v.unverified, ['group:ops@example.com']); // the project's binding is another resource
    assert.deepEqual(notesOf(out), [`google_cloud_run_v2_service_iam_binding.b (create) removes ${M}, allUsers from ${INVOKER} on ${SERVICE}`]);
    assert.deepEqual(out.policies[0]?.policy?.bindings.find((b) => b.role === 'roles/viewer')?.members, ['allUsers']);
  });

  test('deleting a binding removes its whole role binding', () => {
    const out = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M, 'user:x@example.com'] }] }),
      changesOf(change('google_project_iam_binding.b', ['delete'], { project: 'shop-prod', role: INVOKER, members: [M], condition: [] }, null)),
      { ...scope },
    );
    // That binding was on the project; the service's own binding stays.
    assert.deepEqual(verdict(out).direct.map((d) => d.replace(/<.*$/, '')), [`${M}@${SERVICE}`]);
    const onService = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M, 'user:x@example.com'] }] }),
      changesOf(change('google_cloud_run_v2_service_iam_binding.b', ['delete'], { project: 'shop-prod', location: 'us-central1', name: 'orders', role: INVOKER, members: ['user:x@example.com'], condition: [] }, null)),
      scope,
    );
    assert.deepEqual(verdict(onService).direct, []);
  });

  test('a policy replaces everything, also an unreadable live policy', () => {
    const policy = JSON.stringify({ bindings: [{ role: INVOKER, members: [M] }] });
    const live: AccessFacts = { ...facts(), policies: [{ resource: SERVICE, level: 'resource', error: 'denied' }, ...facts().policies.slice(1)] };
    const out = overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_policy.p', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', policy_data: policy })), scope);
    assert.deepEqual(verdict(out).direct, [`${M}@${SERVICE}<google_cloud_run_v2_service_iam_policy.p (create)`]);
    assert.equal(verdict(out).unknownForPublic, 0);
  });

  test('a policy known only after apply never hides a live public grant', () => {
    const out = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M, 'allUsers'] }] }),
      changesOf(change('google_cloud_run_v2_service_iam_policy.p', ['update'], { project: 'shop-prod', location: 'us-central1', name: 'orders', policy_data: '{}' }, { project: 'shop-prod', location: 'us-central1', name: 'orders' }, { policy_data: true })),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.public, ['allUsers']);
    assert.deepEqual(v.direct, []);
    assert.deepEqual(v.unverified, ['principalSet:(known after apply, with a role known only after apply)']);
  });

  test('google_project_iam_member_remove takes the project grant away', () => {
    const out = overlayAccess(
      facts({ bindings: [] }, { bindings: [{ role: INVOKER, members: [M] }] }),
      changesOf(change('google_project_iam_member_remove.r', ['create'], null, { project: 'shop-prod', role: INVOKER, member: M })),
      scope,
    );
    assert.deepEqual(verdict(out).direct, []);
    assert.deepEqual(notesOf(out), [`google_project_iam_member_remove.r (create) removes ${M} from ${INVOKER} on projects/shop-prod`]);
  });
});

describe('ancestors, project aliases, roles, deny', () => {
  test('folder and organization grants count; a project named by number matches its ID', () => {
    const out = overlayAccess(
      facts(),
      changesOf(
        change('google_folder_iam_member.f', ['create'], null, { folder: 'folders/200', role: INVOKER, member: 'allAuthenticatedUsers', condition: [] }),
        change('google_organization_iam_member.o', ['create'], null, { org_id: '1000', role: INVOKER, member: M, condition: [] }),
        change('google_project_iam_member.p', ['create'], null, { project: '123456789012', role: INVOKER, member: 'group:g@example.com', condition: [] }),
      ),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.public, ['allAuthenticatedUsers']);
    assert.deepEqual(v.direct, [`${M}@organizations/1000<google_organization_iam_member.o (create)`]);
    assert.deepEqual(v.unverified, ['group:g@example.com']);
  });

  test('a custom role narrowed by the plan no longer grants; a deleted one neither', () => {
    const live = facts({ bindings: [{ role: 'projects/shop-prod/roles/caller', members: [M] }] });
    const narrowed = overlayAccess(live, changesOf(change('google_project_iam_custom_role.c', ['update'], { project: 'shop-prod', role_id: 'caller', permissions: ['run.routes.invoke'] }, { project: 'shop-prod', role_id: 'caller', permissions: ['run.services.get'] })), scope);
    assert.deepEqual(verdict(narrowed).direct, []);
    assert.deepEqual(notesOf(narrowed), ['google_project_iam_custom_role.c (update) sets the permissions of projects/shop-prod/roles/caller']);
    const deleted = overlayAccess(live, changesOf(change('google_project_iam_custom_role.c', ['delete'], { project: 'shop-prod', role_id: 'caller', permissions: ['run.routes.invoke'] }, null)), scope);
    assert.deepEqual(verdict(deleted).direct, []);
  });

  test('a deny policy created by the plan applies; deleting it lifts it', () => {
    const deny = {
      parent: 'cloudresourcemanager.googleapis.com%2Fprojects%2Fshop-prod',
      name: 'no-invoke',
      rules: [{ deny_rule: [{ denied_principals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`], denied_permissions: ['run.googleapis.com/routes.invoke'], exception_principals: [], denial_condition: [] }] }],
    };
    const live = facts({ bindings: [{ role: INVOKER, members: [M] }] });
    const created = overlayAccess(live, changesOf(change('google_iam_deny_policy.d', ['create'], null, deny)), scope);
    assert.equal(verdict(created).denied, 1);
    const a = whoHolds('run.routes.invoke', SA, created, NOW);
    assert.match(a.deny.denied[0] ?? '', /google_iam_deny_policy\.d \(create\)/);
    const livePolicy = {
      name: 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fshop-prod/denypolicies/no-invoke',
      rules: [{ deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: [], exceptionPermissions: [] }],
    };
    const withLive = { ...live, denies: [{ attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/shop-prod', policies: [livePolicy] }] };
    assert.equal(verdict(withLive).denied, 1);
    const lifted = overlayAccess(withLive, changesOf(change('google_iam_deny_policy.d', ['delete'], deny, null)), scope);
    assert.equal(verdict(lifted).denied, 0);
  });
});

describe('unknown values', () => {
  test('an unknown member is an unverified grant that may be anyone; an unknown role with the public is not ruled out', () => {
    const out = overlayAccess(
      facts(),
      changesOf(
        change('google_cloud_run_v2_service_iam_member.a', ['create'], null, runMember(''), { member: true }),
        change('google_cloud_run_v2_service_iam_member.b', ['create'], null, runMember('allUsers', ''), { role: true }),
        change('google_cloud_run_v2_service_iam_member.c', ['create'], null, runMember(M, ''), { role: true }),
      ),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.unverified, ['principalSet:(known after apply)', `principalSet:(${M}, with a role known only after apply)`]);
    // .a's unknown member may be allUsers; .b grants allUsers a role known only after apply.
    assert.equal(v.unknownForPublic, 2);
    assert.deepEqual(v.direct, []);
  });

  test('an unknown target: relevant members become unverified there, the public is not ruled out', () => {
    const out = overlayAccess(
      facts(),
      changesOf(
        change('google_cloud_run_v2_service_iam_member.a', ['create'], null, { location: 'us-central1', role: INVOKER, member: M, project: 'shop-prod' }, { name: true }),
        change('google_cloud_run_v2_service_iam_member.b', ['create'], null, { location: 'us-central1', role: INVOKER, member: 'allUsers', project: 'shop-prod' }, { name: true }),
        change('google_cloud_run_v2_service_iam_member.c', ['create'], null, { location: 'us-central1', role: INVOKER, member: 'user:x@example.com', project: 'shop-prod' }, { name: true }),
      ),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.unverified, [`principalSet:(${M}, on a resource known only after apply)`]);
    assert.deepEqual(v.direct, []);
    assert.deepEqual(v.public, []);
    assert.equal(v.unknownForPublic, 1);
  });

  test('a change on another resource of the same shape does not touch this one', () => {
    const out = overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_member.a', ['create'], null, { ...runMember('allUsers'), name: 'billing' })), scope);
    assert.deepEqual(verdict(out).public, []);
    assert.equal(out.planned, undefined);
  });
});

describe('targets', () => {
  const service: RunService = { name: SERVICE, uri: 'https://orders-abc123-uc.a.run.app', urls: [], ingress: 'INGRESS_TRAFFIC_ALL', invokerIamDisabled: false, defaultUriDisabled: false, customAudiences: [] };
  const target: RunTarget = { kind: 'cloud-run', resource: SERVICE, project: 'shop-prod', region: 'us-central1', service };
  const tscope = { aliases: (p: string) => new Set(p === 'shop-prod' || p === '123456789012' ? ['shop-prod', '123456789012'] : [p]), numberOf: (p: string) => (p === 'shop-prod' ? '123456789012' : undefined) };
  const v2 = (after: Record<string, unknown> | null, actions = ['update']) =>
    changesOf(change('google_cloud_run_v2_service.orders', actions, { project: 'shop-prod', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL' }, after));

  test('settings after apply', () => {
    const out = overlayTarget(target, undefined, v2({ project: 'shop-prod', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', invoker_iam_disabled: true, custom_audiences: ['aud'] }), tscope) as WithNotes<RunTarget>;
    assert.equal(out.service.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    assert.equal(out.service.invokerIamDisabled, true);
    assert.deepEqual(out.service.customAudiences, ['aud']);
    assert.deepEqual(out.planned?.map((n) => n.text), [`google_cloud_run_v2_service.orders (update) changes ${SERVICE}`]);
  });

  test('a planned delete is not found', () => {
    const out = overlayTarget(target, undefined, v2(null, ['delete']), tscope);
    assert.equal(out.kind, 'not-found');
    assert.match((out as { message: string }).message, /deleted by the plan \(google_cloud_run_v2_service\.orders \(delete\)\)/);
  });

  test('a new service is found at its deterministic address; a hash-style one names it', () => {
    const created = changesOf(change('google_cloud_run_v2_service.orders', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL' }, { uri: true, urls: true }));
    const notFound: Target = { kind: 'not-found', backendKind: 'cloud-run', message: 'No Cloud Run service orders.' };
    const det = overlayTarget(notFound, classifyAddress('https://orders-123456789012.us-central1.run.app'), created, tscope);
    assert.equal(det.kind, 'cloud-run');
    assert.equal((det as RunTarget).resource, SERVICE);
    const hash = overlayTarget(notFound, classifyAddress('https://orders-xyz789-uc.a.run.app'), created, tscope);
    assert.equal(hash.kind, 'not-found');
    assert.match((hash as { message: string }).message, /google_cloud_run_v2_service\.orders \(create\); deterministic address https:\/\/orders-123456789012\.us-central1\.run\.app/);
  });

  test('a new function of either generation at its cloudfunctions.net address', () => {
    const notFound: Target = { kind: 'not-found', backendKind: 'cloud-functions', message: 'No Cloud Function hello.' };
    const gen2 = changesOf(change('google_cloudfunctions2_function.hello', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'hello', service_config: [{ ingress_settings: 'ALLOW_INTERNAL_ONLY' }] }));
    const out = overlayTarget(notFound, classifyAddress('https://us-central1-shop-prod.cloudfunctions.net/hello'), gen2, tscope);
    assert.equal(out.kind, 'cloud-functions');
    const fn = out as Extract<Target, { kind: 'cloud-functions' }>;
    assert.equal(fn.serviceName, 'projects/shop-prod/locations/us-central1/services/hello');
    assert.equal(fn.service?.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    const gen1 = changesOf(change('google_cloudfunctions_function.hello', ['create'], null, { project: 'shop-prod', region: 'us-central1', name: 'hello', trigger_http: true }));
    const out1 = overlayTarget(notFound, classifyAddress('https://us-central1-shop-prod.cloudfunctions.net/hello'), gen1, tscope) as Extract<Target, { kind: 'cloud-functions' }>;
    assert.equal(out1.fn.environment, 'GEN_1');
    assert.equal(out1.fn.url, 'https://us-central1-shop-prod.cloudfunctions.net/hello');
  });
});

describe('removals that may touch this resource', () => {
  test('google_project_iam_member_remove without a known project: the grant only counts as unverified; the public stays', () => {
    const out = overlayAccess(
      facts({ bindings: [] }, { bindings: [{ role: INVOKER, members: [M, 'allUsers'] }] }),
      changesOf(
        change('google_project_iam_member_remove.gw', ['create'], null, { role: INVOKER, member: M }, { project: true }),
        change('google_project_iam_member_remove.pub', ['create'], null, { role: INVOKER, member: 'allUsers' }, { project: true }),
      ),
      scope,
    );
    const v = verdict(out);
    assert.deepEqual(v.direct, []);
    assert.deepEqual(v.unverified, [`principalSet:(${M}, may be removed on a resource known only after apply)`]);
    assert.deepEqual(v.public, ['allUsers']);
    assert.deepEqual(notesOf(out), [`google_project_iam_member_remove.gw (create) may remove ${M} from ${INVOKER} on projects/shop-prod`]);
  });
});

test('a service of unknown project that may be this one, with its invoker check turned off: public access is not ruled out', () => {
  const changes = changesOf(change('google_cloud_run_v2_service.orders', ['create'], null, { location: 'us-central1', name: 'orders', invoker_iam_disabled: true }, { project: true }));
  const out = overlayAccess(facts(), changes, scope);
  const a = whoHolds('run.routes.invoke', SA, out, NOW);
  assert.equal(a.unknownForPublic.length, 1);
  assert.match(a.unknownForPublic[0] ?? '', /google_cloud_run_v2_service\.orders \(create\) turns off the invoker IAM check of a service known only after apply \(projects\/\*\/locations\/us-central1\/services\/orders\)/);
  const other = overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service.billing', ['create'], null, { location: 'us-central1', name: 'billing', invoker_iam_disabled: true }, { project: true })), scope);
  assert.equal(whoHolds('run.routes.invoke', SA, other, NOW).unknownForPublic.length, 0);
});

test('an empty policy replaces everything: the public grant and the account’s both go', () => {
  const out = overlayAccess(
    facts({ bindings: [{ role: INVOKER, members: [M, 'allUsers'] }] }),
    changesOf(change('google_cloud_run_v2_service_iam_policy.p', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', policy_data: '{}' })),
    scope,
  );
  const v = verdict(out);
  assert.deepEqual([v.direct, v.public], [[], []]);
  assert.deepEqual(notesOf(out), [`google_cloud_run_v2_service_iam_policy.p (create) removes ${M}, allUsers from ${INVOKER} on ${SERVICE}`]);
});
