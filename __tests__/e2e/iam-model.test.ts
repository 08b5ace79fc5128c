/** IAM as Google evaluates it (issue 4): inheritance, deny policies, conditions, principals, second opinion. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadWorld, type World } from '../fake-google/world.ts';
import { FIXTURES, rulesOf, runAction } from './harness.ts';

const REPORTS = 'https://reports-xyz987-ew.a.run.app';
const A = 'https://a-xyz987-uc.a.run.app';
const spec = (address: string): string =>
  ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', `  address: ${address}`, 'paths:', '  /x:', '    get:', '      responses: { "200": { description: ok } }', ''].join('\n');

async function hierarchy(change: (w: World) => void = () => {}): Promise<World> {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/hierarchy.yaml'));
  change(world);
  return world;
}

/** Drops the project's group grant, which would make every other account an unverified maybe. */
function withoutGroup(w: World): void {
  const policy = w.projects?.[0]?.iamPolicy;
  if (policy) policy.bindings = (policy.bindings ?? []).filter((b) => !b.members.some((m) => m.startsWith('group:')));
}

function run(account: string, world: World, extra: Record<string, string> = {}, address = A) {
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': `${account}@gw-host.iam.gserviceaccount.com`, project: 'data-prod', ...extra },
    files: { 'openapi.yaml': spec(address) },
    world,
  });
}

test('a grant inherited from the organization passes', async () => {
  const r = await run('org-gw', await hierarchy());
  assert.deepEqual(rulesOf(r), []);
  assert.equal(r.code, 0);
  assert.ok(r.requests.some((q) => q.path === '/v3/organizations/1000:getIamPolicy'), 'organization policy read');
  assert.ok(r.requests.some((q) => q.path === '/v3/folders/200:getIamPolicy'), 'folder policy read');
});

test('a folder grant overridden by a deny policy on the project is missing-invoker naming the deny policy', async () => {
  const r = await run('folder-gw', await hierarchy());
  assert.deepEqual(rulesOf(r), ['missing-invoker:error']);
  assert.match(r.report?.findings[0]?.message ?? '', /deny policy .*no-invoke-for-folder-gw/);
});

test('a public grant inherited from a folder is public-access', async () => {
  const world = await hierarchy((w) => w.folders?.[0]?.iamPolicy?.bindings?.push({ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'] }));
  const r = await run('org-gw', world);
  assert.deepEqual(rulesOf(r), ['public-access:error']);
  assert.match(r.report?.findings[0]?.fix ?? '', /^gcloud resource-manager folders remove-iam-policy-binding 200 --member=allAuthenticatedUsers/);
});

test('a grant under a condition is conditional-grant: passes on errors, fails on warnings', async () => {
  const world = await hierarchy();
  const onErrors = await run('cond-gw', world);
  assert.deepEqual(rulesOf(onErrors), ['conditional-grant:warning']);
  assert.equal(onErrors.code, 0);
  const onWarnings = await run('cond-gw', world, { 'fail-on': 'warning' });
  assert.equal(onWarnings.code, 1);
  assert.equal(onWarnings.outputs.result, 'fail');
});

test('an expired time condition grants nothing; one ending soon says when', async () => {
  const grant = (expression: string) => (w: World) => {
    withoutGroup(w);
    w.projects?.[0]?.iamPolicy?.bindings?.push({ role: 'roles/run.invoker', members: ['serviceAccount:timed@gw-host.iam.gserviceaccount.com'], condition: { title: 'temporary', expression } });
  };
  const expired = await run('timed', await hierarchy(grant('request.time < timestamp("2020-01-01T00:00:00Z")')));
  assert.deepEqual(rulesOf(expired), ['missing-invoker:error']);
  const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const ending = await run('timed', await hierarchy(grant(`request.time < timestamp("${soon}")`)));
  assert.deepEqual(rulesOf(ending), ['conditional-grant:warning']);
  assert.match(ending.report?.findings[0]?.message ?? '', /^Ends within 14 days: .*under condition "temporary"\)\. It ends at .* \(in 3 days\)/);
});

test('a group grant is unverified; a domain grant is no grant', async () => {
  const r = await run('other-gw', await hierarchy());
  assert.deepEqual(rulesOf(r), ['unverified-grant:warning']);
  assert.match(r.report?.findings[0]?.message ?? '', /group:gateways@example\.com/);
  const noGroup = await run('other-gw', await hierarchy(withoutGroup));
  assert.deepEqual(rulesOf(noGroup), ['missing-invoker:error']);
});

test('Policy Troubleshooter confirms a group grant, or overturns it', async () => {
  const account = 'other-gw@gw-host.iam.gserviceaccount.com';
  const key = `${account}|//run.googleapis.com/projects/data-prod/locations/us-central1/services/a|run.routes.invoke`;
  const confirmed = await run('other-gw', await hierarchy((w) => (w.troubleshoot = { [key]: { overallAccessState: 'CAN_ACCESS' } })), { troubleshoot: 'true' });
  assert.deepEqual(rulesOf(confirmed), []);
  assert.ok(confirmed.requests.some((q) => q.method === 'POST' && q.path === '/v3/iam:troubleshoot'));
  const overturned = await run('other-gw', await hierarchy((w) => (w.troubleshoot = { [key]: { overallAccessState: 'CANNOT_ACCESS' } })), { troubleshoot: 'true' });
  assert.deepEqual(rulesOf(overturned), ['missing-invoker:error']);
  assert.match(overturned.report?.findings[0]?.message ?? '', /Policy Troubleshooter answers CANNOT_ACCESS/);
});

test('unreadable deny policies fail closed when a grant depends on them, and only then', async () => {
  const world = await hierarchy((w) => {
    withoutGroup(w);
    w.faults = [{ method: 'GET', path: '^/v2/policies/', status: 403 }];
  });
  const granted = await run('org-gw', world);
  assert.deepEqual(rulesOf(granted), ['iam-unreadable:error']);
  assert.match(granted.report?.findings[0]?.message ?? '', /iam\.denypolicies\.list/);
  const missing = await run('nobody', world);
  assert.deepEqual(rulesOf(missing), ['missing-invoker:error']);
});

test('an unreadable folder policy is iam-unreadable unless the grant is already on the service', async () => {
  const world = await hierarchy((w) => (w.faults = [{ method: 'POST', path: '^/v3/folders/200:getIamPolicy$', status: 403 }]));
  const r = await run('org-gw', world);
  assert.deepEqual(rulesOf(r), ['iam-unreadable:error']);
  assert.match(r.report?.findings[0]?.message ?? '', /folders\/200.*resourcemanager\.folders\.getIamPolicy/);
});

test('a deleted custom role grants nothing', async () => {
  const world = await hierarchy((w) => {
    withoutGroup(w);
    w.roles = [{ name: 'organizations/1000/roles/oldInvoker', includedPermissions: ['run.routes.invoke'], deleted: true }];
    w.projects?.[0]?.iamPolicy?.bindings?.push({ role: 'organizations/1000/roles/oldInvoker', members: ['serviceAccount:legacy@gw-host.iam.gserviceaccount.com'] });
  });
  const r = await run('legacy', world);
  assert.deepEqual(rulesOf(r), ['missing-invoker:error']);
});

test('internal ingress is unreachable-backend', async () => {
  const world = await hierarchy((w) => w.runServices?.[0]?.iamPolicy?.bindings?.push({ role: 'roles/run.invoker', members: ['serviceAccount:x@gw-host.iam.gserviceaccount.com'] }));
  const r = await run('x', world, {}, REPORTS);
  assert.deepEqual(rulesOf(r), ['unreachable-backend:warning']);
});

test('Policy Troubleshooter disagreeing with a grant we found is a warning that shows both sides', async () => {
  const account = 'org-gw@gw-host.iam.gserviceaccount.com';
  const key = `${account}|//run.googleapis.com/projects/data-prod/locations/us-central1/services/a|run.routes.invoke`;
  const world = await hierarchy((w) => {
    withoutGroup(w);
    w.troubleshoot = { [key]: { overallAccessState: 'CANNOT_ACCESS', denyPolicyExplanation: { denyAccessState: 'DENY_ACCESS_STATE_DENIED' } } };
  });
  const r = await run('org-gw', world, { troubleshoot: 'true' });
  assert.deepEqual(rulesOf(r), ['unverified-grant:warning']);
  assert.match(r.report?.findings[0]?.message ?? '', /CANNOT_ACCESS .*deny: DENY_ACCESS_STATE_DENIED.*found a grant \(serviceAccount:org-gw@gw-host\.iam\.gserviceaccount\.com holds roles\/run\.invoker on organizations\/1000 \(inherited\)\)/);
});
