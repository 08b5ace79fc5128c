/**
 * End-to-end tests of the gate for Cloud Run backends: dist/index.js run as the runner does, against the
 * fake Google API. Each test is one scenario with exact assertions on the exit code, outputs, report,
 * annotations and (where it matters) the request log.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Policy, RunService, World } from '../fake-google/world.ts';
import { PLANTED_TOKEN, rulesOf, runAction, type ActionRun, verdict, why, findingsAt } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const SA_UNIQUE_ID = '112233445566778899001';
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const REGION = 'us-central1';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const ORDERS_NAME = `projects/${PROJECT}/locations/${REGION}/services/orders`;
const INVOKER = (...members: string[]): Policy => ({ bindings: [{ role: 'roles/run.invoker', members }] });
const EMPTY: Policy = { bindings: [] };

/**
 * Read-only Google methods the gate may call for Cloud Run backends (SPEC: the checking identity needs
 * list/get and getIamPolicy only): a routed method of these APIs whose verb is list… or get… (getIamPolicy).
 */
const READ_ONLY = /^(run|cloudresourcemanager|iam|cloudfunctions|apigateway)(\.\w+)+\.(list\w*|get\w*)$/;

// ---------------------------------------------------------------------------------------------- helpers

/** A Cloud Run v2 service `name` in shop-prod/us-central1 with both URL forms, ingress all, and `policy`. */
function service(name: string, policy: Policy = EMPTY, extra: Partial<RunService> = {}): RunService {
  const uri = `https://${name}-abc123-uc.a.run.app`;
  return {
    name: `projects/${PROJECT}/locations/${REGION}/services/${name}`,
    uri,
    urls: [uri, `https://${name}-${NUMBER}.${REGION}.run.app`],
    ingress: 'INGRESS_TRAFFIC_ALL',
    iamPolicy: policy,
    ...extra,
  };
}

/** shop-prod under folders/200 under organizations/1000 (all policies empty unless given) plus `services`. */
function world(services: RunService[], extra: Partial<World> & { projectPolicy?: Policy; folderPolicy?: Policy; orgPolicy?: Policy } = {}): World {
  const { projectPolicy = EMPTY, folderPolicy = EMPTY, orgPolicy = EMPTY, ...rest } = extra;
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: orgPolicy }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', displayName: 'shop', iamPolicy: folderPolicy }],
    projects: [
      { projectId: PROJECT, projectNumber: NUMBER, parent: 'folders/200', iamPolicy: projectPolicy },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    serviceAccounts: [
      { name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: SA_UNIQUE_ID, projectId: 'gw-host', displayName: 'API Gateway' },
    ],
    runServices: services,
    ...rest,
  };
}

/**
 * A Swagger 2.0 config. `backend` is the top-level x-google-backend (an address, or its body as YAML lines);
 * `ops` maps "METHOD /path" to the body of a per-operation override ('' for none).
 * The top-level `x-google-backend:` key is always on line 3.
 */
function swagger(backend: string, ops: Record<string, string> = { 'GET /orders': '', 'POST /orders': '' }): string {
  const body = backend.startsWith('https://') ? `address: ${backend}` : backend;
  const byPath = new Map<string, string[]>();
  for (const [op, override] of Object.entries(ops)) {
    const [method = '', p = ''] = op.split(' ');
    const lines = [`    ${method.toLowerCase()}:`, `      operationId: ${method.toLowerCase()}${p.replace(/\W/g, '_')}`];
    if (override) lines.push('      x-google-backend:', ...override.split('\n').map((l) => `        ${l}`));
    lines.push('      responses:', "        '200':", '          description: OK');
    byPath.set(p, [...(byPath.get(p) ?? []), ...lines]);
  }
  return [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    ...body.split('\n').map((l) => `  ${l}`),
    'paths:',
    ...[...byPath].flatMap(([p, lines]) => [`  ${p}:`, ...lines]),
    '',
  ].join('\n');
}

/** 1-based line of the `n`-th (1-based) line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, n = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] ?? '').includes(needle) && ++seen === n) return i + 1;
  }
  throw new Error(`"${needle}" #${n} not in text`);
}

const inputs = { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT };

/** Runs the action on one Swagger file `openapi.yaml`. */
function gate(spec: string, w: World, more: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ inputs: { ...inputs, ...more }, files: { 'openapi.yaml': spec }, world: w });
}




function noStackTrace(run: ActionRun): void {
  assert.ok(!/^\s{4}at /m.test(run.stdout), `stack trace in stdout:\n${run.stdout}`);
  assert.ok(!/^\s{4}at /m.test(run.stderr), `stack trace in stderr:\n${run.stderr}`);
}

/** Every request was routed to a known, read-only Google method. */
function onlyReadOnlyCalls(run: ActionRun): void {
  for (const r of run.requests) {
    const ok = r.methodId !== undefined && r.methodId.split('|').every((id) => READ_ONLY.test(id));
    assert.ok(ok, `unexpected call ${r.method} ${r.path} (${r.methodId ?? 'unrouted'})`);
  }
}

const calls = (run: ActionRun, methodId: string) => run.requests.filter((r) => r.methodId === methodId);
const GET_POLICY = 'run.projects.locations.services.getIamPolicy';
const LIST = 'run.projects.locations.services.list';

// ---------------------------------------------------------------------------------------------- grants

/**
 * The addresses a spec's text names are looked up while it is parsed (src/gate.ts): a spec that then does not
 * parse has cost at most the calls the same spec, corrected, makes, and none of them is reported.
 */
async function onlyEarlyLookups(run: ActionRun, corrected: string, file = 'openapi.yaml'): Promise<void> {
  const valid = await runAction({ inputs: { ...inputs, spec: file }, files: { [file]: corrected }, world: world([service('orders', INVOKER(SA_MEMBER))]) });
  assert.equal(valid.outputs.result, 'pass', why(valid));
  const made = new Set(valid.requests.map((r) => `${r.method} ${r.path}`));
  for (const r of run.requests) assert.ok(made.has(`${r.method} ${r.path}`), `${r.method} ${r.path}: not a call of the corrected spec`);
}

describe('who may invoke the service', { concurrency: 4 }, () => {
  test('grant on the service: pass, one backend with both operations, policy v3 requested, read-only calls', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
    assert.deepEqual(run.annotations.filter((a) => a.level !== 'notice'), []);
    assert.equal(run.report?.serviceAccount, SA);
    assert.deepEqual(run.report?.backends.map((b) => [b.address, b.kind, b.resource, b.status]), [[ORDERS, 'cloud-run', ORDERS_NAME, 'pass']]);
    assert.deepEqual(run.report?.backends[0]?.operations, ['GET /orders', 'POST /orders']);
    const policy = calls(run, GET_POLICY);
    assert.equal(policy.length, 1);
    assert.equal(policy[0]?.method, 'GET');
    assert.equal(policy[0]?.path, `/v2/${ORDERS_NAME}:getIamPolicy`);
    assert.equal(policy[0]?.query['options.requestedPolicyVersion'], '3');
    const project = calls(run, 'cloudresourcemanager.projects.getIamPolicy');
    assert.ok(project.length >= 1, 'project policy read');
    const ancestors = [...project, ...calls(run, 'cloudresourcemanager.folders.getIamPolicy'), ...calls(run, 'cloudresourcemanager.organizations.getIamPolicy')];
    assert.ok(ancestors.some((r) => r.path.includes('folders/200')) && ancestors.some((r) => r.path.includes('organizations/1000')), 'folder and org policies read');
    for (const p of ancestors) assert.deepEqual((p.body as { options?: unknown } | undefined)?.options, { requestedPolicyVersion: 3 }, p.path);
    onlyReadOnlyCalls(run);
    assert.match(run.summary, /pass/i);
    assert.ok(run.outputs['report-file']?.startsWith(path.join(path.dirname(run.workspace), 'runner-temp') + path.sep), run.outputs['report-file']);
  });

  test('grant on the project: pass', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders')], { projectPolicy: INVOKER(SA_MEMBER) }));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
  });

  test('grant inherited from the organization: pass', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders')], { orgPolicy: INVOKER(SA_MEMBER) }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('grant through a custom role holding run.routes.invoke: pass, role read with roles.get', async () => {
    const role = `projects/${PROJECT}/roles/gatewayCaller`;
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role, members: [SA_MEMBER] }] })], {
        roles: [{ name: role, title: 'Gateway caller', includedPermissions: ['run.routes.invoke'], stage: 'GA' }],
      }),
    );
    verdict(run, 0, 'pass', 0, 0);
    assert.ok(run.requests.some((r) => r.method === 'GET' && r.path === `/v1/${role}`), 'custom role read');
  });

  test('grant through a predefined role other than run.invoker that holds run.routes.invoke (run.developer): pass', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders')], { projectPolicy: { bindings: [{ role: 'roles/run.developer', members: [SA_MEMBER] }] } }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('a custom role NAMED runInvoker that lacks run.routes.invoke: missing-invoker', async () => {
    const role = `projects/${PROJECT}/roles/runInvoker`;
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role, members: [SA_MEMBER] }] })], {
        roles: [{ name: role, title: 'Cloud Run Invoker', includedPermissions: ['run.services.get', 'run.routes.get'], stage: 'GA' }],
      }),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    findingsAt(run, 3, ORDERS_NAME);
    assert.match(run.report?.findings[0]?.message ?? '', /run\.routes\.invoke/);
  });

  test('roles/run.viewer (reads, cannot invoke) on the service: missing-invoker', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', { bindings: [{ role: 'roles/run.viewer', members: [SA_MEMBER] }] })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  });

  test('a deleted custom role grants nothing: missing-invoker', async () => {
    const role = `projects/${PROJECT}/roles/oldInvoker`;
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role, members: [SA_MEMBER] }] })], {
        roles: [{ name: role, title: 'Old', includedPermissions: ['run.routes.invoke'], stage: 'GA', deleted: true }],
      }),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  });

  test('a DISABLED custom role grants nothing: missing-invoker', async () => {
    const role = `projects/${PROJECT}/roles/pausedInvoker`;
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role, members: [SA_MEMBER] }] })], {
        roles: [{ name: role, title: 'Paused', includedPermissions: ['run.routes.invoke'], stage: 'DISABLED' }],
      }),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  });

  test('a binding to a deleted service account with the same email is no grant: missing-invoker', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(`deleted:${SA_MEMBER}?uid=${SA_UNIQUE_ID}9`))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  });

  test('allUsers (and the SA granted too): public-access only, with the gcloud fix', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('allUsers', SA_MEMBER))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3, ORDERS_NAME);
    assert.match(run.report?.findings[0]?.message ?? '', /allUsers/);
  });

  test('allUsers without a grant of its own: public-access and missing-invoker', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('allUsers'))]));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
    findingsAt(run, 3, ORDERS_NAME);
    noStackTrace(run);
  });

  test('allAuthenticatedUsers through a custom role with run.routes.invoke: public-access', async () => {
    const role = `projects/${PROJECT}/roles/anyGoogleUser`;
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role, members: ['allAuthenticatedUsers'] }, { role: 'roles/run.invoker', members: [SA_MEMBER] }] })], {
        roles: [{ name: role, title: 'Anyone', includedPermissions: ['run.routes.invoke'], stage: 'GA' }],
      }),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    assert.match(run.report?.findings[0]?.message ?? '', /allAuthenticatedUsers/);
    findingsAt(run, 3, ORDERS_NAME);
  });

  test('allUsers with a role lacking run.routes.invoke (run.viewer) is not public', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role: 'roles/run.viewer', members: ['allUsers'] }, { role: 'roles/run.invoker', members: [SA_MEMBER] }] })]),
    );
    verdict(run, 0, 'pass', 0, 0);
  });

  test('invoker IAM check disabled (SA granted): public-access', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER), { invokerIamDisabled: true })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3, ORDERS_NAME);
  });

  test('invoker IAM check disabled and no grant: public-access and missing-invoker (judged separately)', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', EMPTY, { invokerIamDisabled: true })]));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
  });

  test('a different service account granted (wrong SA): missing-invoker naming the gateway SA and the fix', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('serviceAccount:other-gw@gw-host.iam.gserviceaccount.com'))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    findingsAt(run, 3, ORDERS_NAME);
    const f = run.report?.findings[0];
    assert.ok(f?.message.includes(SA), f?.message);
    assert.ok(`${f?.message}\n${f?.fix ?? ''}`.includes(`--member=${SA_MEMBER}`), 'names the gcloud fix');
    const ann = run.annotations.find((a) => a.level === 'error');
    assert.ok(ann?.message.includes('gcloud run services add-iam-policy-binding orders'), ann?.message);
    assert.match(run.summary, /missing-invoker/);
    assert.match(run.summary, /openapi\.yaml/);
  });

  const conditional: Policy = {
    bindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER], condition: { title: 'until-2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } }],
  };

  test('conditional grant with fail-on error: conditional-grant warning, pass', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', conditional)]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['conditional-grant:warning']);
    findingsAt(run, 3, ORDERS_NAME);
    assert.equal(run.report?.backends[0]?.status, 'warning');
    assert.equal(calls(run, GET_POLICY)[0]?.query['options.requestedPolicyVersion'], '3');
  });

  test('conditional grant with fail-on warning: fail', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', conditional)]), { 'fail-on': 'warning' });
    verdict(run, 1, 'fail', 0, 1);
    assert.deepEqual(rulesOf(run), ['conditional-grant:warning']);
  });

  test('conditional grant on the project: conditional-grant warning', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders')], { projectPolicy: conditional }));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['conditional-grant:warning']);
  });

  test('group grant: unverified-grant warning', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('group:gateways@example.com'))]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unverified-grant:warning']);
    findingsAt(run, 3, ORDERS_NAME);
    assert.match(run.report?.findings[0]?.message ?? '', /group:gateways@example\.com/);
  });

  test('domain grant (never includes a service account): missing-invoker', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('domain:gw-host.iam.gserviceaccount.com', 'domain:example.com'))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    findingsAt(run, 3, ORDERS_NAME);
  });

  test('a conditional grant next to an unconditional one: pass without warnings', async () => {
    const both: Policy = { bindings: [...(conditional.bindings ?? []), { role: 'roles/run.invoker', members: [SA_MEMBER] }] };
    const run = await gate(swagger(ORDERS), world([service('orders', both)]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
  });

  test('a group grant next to a direct one: pass without warnings', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('group:gateways@example.com', SA_MEMBER))]));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('principalSet grant: unverified-grant warning', async () => {
    const set = 'principalSet://cloudresourcemanager.googleapis.com/projects/210987654321/type/ServiceAccount';
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(set))]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unverified-grant:warning']);
  });

  test('allUsers granted run.invoker on the project (an ancestor): public-access', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))], { projectPolicy: INVOKER('allUsers') }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3, ORDERS_NAME);
  });

  test('grant through an organization-level custom role: pass', async () => {
    const role = 'organizations/1000/roles/gatewayCaller';
    const run = await gate(
      swagger(ORDERS),
      world([service('orders')], {
        projectPolicy: { bindings: [{ role, members: [SA_MEMBER] }] },
        roles: [{ name: role, title: 'Gateway caller', includedPermissions: ['run.routes.invoke'], stage: 'GA' }],
      }),
    );
    verdict(run, 0, 'pass', 0, 0);
    assert.ok(run.requests.some((r) => r.path === `/v1/${role}`), 'org role read');
  });

  test('an unreadable role bound only to an unrelated user does not block a granted backend', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', { bindings: [{ role: `projects/${PROJECT}/roles/purged`, members: ['user:alice@example.com'] }, { role: 'roles/run.invoker', members: [SA_MEMBER] }] })]),
    );
    verdict(run, 0, 'pass', 0, 0);
  });

  test('roles/editor on the project (a basic role holding run.routes.invoke): pass', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders')], { projectPolicy: { bindings: [{ role: 'roles/editor', members: [SA_MEMBER] }] } }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('missing grant on a europe-west1 service: the gcloud fix names its region and project', async () => {
    const eu = { ...service('billing'), name: `projects/${PROJECT}/locations/europe-west1/services/billing`, uri: 'https://billing-def456-ew.a.run.app', urls: ['https://billing-def456-ew.a.run.app'] };
    const run = await gate(swagger('https://billing-def456-ew.a.run.app'), world([service('orders'), eu]));
    verdict(run, 1, 'fail', 1, 0);
    const f = run.report?.findings[0];
    const text = `${f?.message}\n${f?.fix ?? ''}`;
    assert.ok(text.includes('gcloud run services add-iam-policy-binding billing'), text);
    assert.ok(text.includes('--region=europe-west1'), text);
    assert.ok(text.includes(`--project=${PROJECT}`), text);
    assert.ok(text.includes('--role=roles/run.invoker'), text);
  });

  test('grant on the outer of two nested folders: pass (ancestry followed to the top)', async () => {
    const w = world([service('orders')]);
    w.folders = [
      { name: 'folders/300', parent: 'organizations/1000', displayName: 'outer', iamPolicy: INVOKER(SA_MEMBER) },
      { name: 'folders/200', parent: 'folders/300', displayName: 'shop', iamPolicy: EMPTY },
    ];
    const run = await gate(swagger(ORDERS), w);
    verdict(run, 0, 'pass', 0, 0);
  });

  test('a standalone project (no folder, no organization) with a grant on the service: pass', async () => {
    const w = world([service('orders', INVOKER(SA_MEMBER))]);
    delete w.organizations;
    delete w.folders;
    w.projects = (w.projects ?? []).map(({ parent: _parent, ...p }) => p);
    const run = await gate(swagger(ORDERS), w);
    verdict(run, 0, 'pass', 0, 0);
  });

  test('a service whose policy has no bindings at all (Google omits the field): missing-invoker', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', {})]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  });

  test('fail-on never: exit 0 with the findings still reported', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('allUsers'))]), { 'fail-on': 'never' });
    assert.equal(run.code, 0, why(run));
    assert.equal(run.outputs.errors, '2');
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
    assert.equal(run.annotations.filter((a) => a.level === 'error' && a.line === 3).length, 2);
    assert.equal(run.outputs.result, 'pass', 'the gate did not fail');
    assert.equal(run.report?.result, 'pass');
  });
});

// ---------------------------------------------------------------------------------------------- resolution and API behaviour

describe('finding the service and reading it', { concurrency: 4 }, () => {
  test('address not found (hash URL that no service has): backend-not-found', async () => {
    const missing = 'https://nowhere-abc123-uc.a.run.app';
    const run = await gate(swagger(missing), world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    findingsAt(run, 3);
    assert.equal(run.report?.findings[0]?.address, missing);
    assert.equal(run.report?.backends[0]?.kind, 'cloud-run');
  });

  test('deterministic URL of a service that does not exist: backend-not-found', async () => {
    const missing = `https://nowhere-${NUMBER}.${REGION}.run.app`;
    const run = await gate(swagger(missing), world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    findingsAt(run, 3);
  });

  test('deterministic URL SERVICE-PROJECTNUMBER.REGION.run.app (hyphenated name) resolves without the project input', async () => {
    const svc = service('order-api-v2', INVOKER(SA_MEMBER));
    const address = `https://order-api-v2-${NUMBER}.${REGION}.run.app`;
    const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA }, files: { 'openapi.yaml': swagger(address) }, world: world([svc]) });
    verdict(run, 0, 'pass', 0, 0);
    assert.match(run.report?.backends[0]?.resource ?? '', new RegExp(`^projects/(${PROJECT}|${NUMBER})/locations/${REGION}/services/order-api-v2$`));
    assert.equal(run.report?.backends[0]?.kind, 'cloud-run');
    onlyReadOnlyCalls(run);
  });

  test('hash URL with no project input and nothing naming a project: backend-not-found naming the `project` input, no project scan', async () => {
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA },
      files: { 'openapi.yaml': swagger(ORDERS) },
      world: world([service('orders', INVOKER(SA_MEMBER))]),
    });
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    findingsAt(run, 3);
    assert.match(run.report?.findings[0]?.message ?? '', /`?project`? input|input `project`/);
    assert.deepEqual(
      run.requests.filter((r) => /projects:search|^\/v\d\/projects$|services$/.test(r.path)).map((r) => r.path),
      [],
      'never lists or searches projects, nor services in some project',
    );
    noStackTrace(run);
  });

  test('hash URL found in the project another (deterministic) address names', async () => {
    const spec = swagger(`https://orders-${NUMBER}.${REGION}.run.app`, { 'GET /orders': '', 'GET /billing': 'address: https://billing-abc123-uc.a.run.app' });
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA },
      files: { 'openapi.yaml': spec },
      world: world([service('orders', INVOKER(SA_MEMBER)), service('billing', INVOKER(SA_MEMBER))]),
    });
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(run.report?.backends.map((b) => b.resource?.replace(NUMBER, PROJECT)).sort(), [
      `projects/${PROJECT}/locations/${REGION}/services/billing`,
      ORDERS_NAME,
    ]);
  });

  test('pagination: the service is on the last page of locations and of services (pageSize 1)', async () => {
    // Its code (`uk`, us-east4) misleads: the guessed region has nothing, so the regions are listed, page by page.
    const target = { ...service('zz-orders', INVOKER(SA_MEMBER)), name: `projects/${PROJECT}/locations/europe-west1/services/zz-orders`, uri: 'https://zz-orders-abc123-uk.a.run.app' };
    target.urls = [target.uri as string];
    const others = ['alpha', 'bravo', 'charlie'].map((n) => service(n));
    const euOthers = ['eu-a', 'eu-b'].map((n) => ({ ...service(n), name: `projects/${PROJECT}/locations/europe-west1/services/${n}` }));
    const run = await gate(swagger('https://zz-orders-abc123-uk.a.run.app'), world([...others, ...euOthers, target], { pageSize: 1 }));
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, `projects/${PROJECT}/locations/europe-west1/services/zz-orders`);
    const eu = calls(run, LIST).filter((r) => r.path.includes('/europe-west1/'));
    assert.ok(eu.length >= 3, `paged through europe-west1 (${eu.length} calls)`);
    assert.ok(eu.slice(1).every((r) => typeof r.query.pageToken === 'string' && r.query.pageToken !== ''), 'later pages use pageToken');
    const locations = run.requests.filter((r) => r.path === `/v1/projects/${PROJECT}/locations`);
    assert.ok(locations.length >= 2 && locations.slice(1).every((r) => r.query.pageToken), `paged through the regions (${locations.length} calls)`);
    assert.ok(run.requests.every((r) => r.status === 200), JSON.stringify(run.requests.filter((r) => r.status !== 200)));
  });

  test('hash URL matched in the service’s urls[] even when uri is the deterministic URL', async () => {
    const svc = service('orders', INVOKER(SA_MEMBER), { uri: `https://orders-${NUMBER}.${REGION}.run.app`, urls: [`https://orders-${NUMBER}.${REGION}.run.app`, ORDERS] });
    const run = await gate(swagger(ORDERS), world([svc]));
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME);
  });

  test('project input with an unreadable project first: the service found in the next one passes', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]), { project: 'ghost-project\nshop-prod' });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME);
  });

  test('two addresses (paths) on the same service: two backends, one policy read', async () => {
    const spec = swagger(`${ORDERS}/v1\njwt_audience: ${ORDERS}`, { 'GET /orders': '', 'GET /legacy': `address: ${ORDERS}/v0\njwt_audience: ${ORDERS}` });
    const run = await gate(spec, world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(run.report?.backends.map((b) => b.resource), [ORDERS_NAME, ORDERS_NAME]);
    assert.equal(calls(run, GET_POLICY).length, 1);
  });

  test('403 on the folder policy: iam-unreadable (ancestors cannot be ruled out)', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'POST', path: '^/v[23]/folders/200:getIamPolicy$', status: 403 }] }),
    );
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  });

  test('timeout: what could not be checked in time is reported and the step fails', async () => {
    const started = Date.now();
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))], { latencyMs: 700 }), { timeout: '1' });
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'fail');
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
    assert.ok(Date.now() - started < 10_000, 'stopped near the timeout (1 s), not after every slow call');
    noStackTrace(run);
  });

  // Google: a revision tag gets its own URL, https://TAG---SERVICE-HASH-REGION.a.run.app (and TAG---SERVICE-NUMBER.REGION.run.app),
  // listed in the v2 Service's trafficStatuses[].uri (not in urls[]); it is served by the service, under the service's IAM.
  const tagged = (tagUrl: string): RunService =>
    service('orders', INVOKER(SA_MEMBER), {
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }, { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'orders-00002-abc', tag: 'canary' }],
      trafficStatuses: [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 },
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'orders-00002-abc', tag: 'canary', uri: tagUrl },
      ],
    });

  test('Cloud Run revision-tag hash URL (TAG---service-hash) resolves to the service', async () => {
    const tagUrl = 'https://canary---orders-abc123-uc.a.run.app';
    const run = await gate(swagger(`address: ${tagUrl}\njwt_audience: ${ORDERS}`), world([tagged(tagUrl)]));
    assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME, why(run));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('Cloud Run revision-tag deterministic URL (TAG---service-NUMBER.REGION) resolves to the service', async () => {
    const tagUrl = `https://canary---orders-${NUMBER}.${REGION}.run.app`;
    const run = await gate(swagger(`address: ${tagUrl}\njwt_audience: ${ORDERS}`), world([tagged(tagUrl)]));
    assert.match(run.report?.backends[0]?.resource ?? '', new RegExp(`^projects/(${PROJECT}|${NUMBER})/locations/${REGION}/services/orders$`), why(run));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('hash URL with a region code the action may not know: found by listing the project’s regions', async () => {
    const odd = { ...service('orders', INVOKER(SA_MEMBER)), name: `projects/${PROJECT}/locations/africa-south1/services/orders`, uri: 'https://orders-abc123-bq.a.run.app', urls: ['https://orders-abc123-bq.a.run.app'] };
    const run = await gate(swagger('https://orders-abc123-bq.a.run.app'), world([odd]));
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, `projects/${PROJECT}/locations/africa-south1/services/orders`);
  });

  test('the same service by hash URL and by deterministic URL: two backends, one policy read', async () => {
    const det = `https://orders-${NUMBER}.${REGION}.run.app`;
    const spec = swagger(ORDERS, { 'GET /orders': '', 'GET /v2/orders': `address: ${det}` });
    const run = await gate(spec, world([service('orders', INVOKER('allUsers', SA_MEMBER))]));
    verdict(run, 1, 'fail', 2, 0);
    const got = (run.report?.findings ?? []).map((f) => [f.rule, f.line] as const).sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0));
    assert.deepEqual(got, [['public-access', 3], ['public-access', lineOf(spec, 'x-google-backend:', 2)]]);
    assert.equal(calls(run, GET_POLICY).length, 1);
  });

  test('hash URL found in a project named only by the policy file’s `projects`', async () => {
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA },
      files: { 'openapi.yaml': swagger(ORDERS), '.github/gateway-guard.yml': `projects: [${PROJECT}]\n` },
      world: world([service('orders', INVOKER(SA_MEMBER))]),
    });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME);
  });

  test('concurrency 1 with several backends: no deadlock, pass', async () => {
    const spec = swagger(ORDERS, { 'GET /orders': '', 'GET /a': 'address: https://a-abc123-uc.a.run.app', 'GET /b': 'address: https://b-abc123-uc.a.run.app' });
    const run = await gate(spec, world([service('orders', INVOKER(SA_MEMBER)), service('a', INVOKER(SA_MEMBER)), service('b', INVOKER(SA_MEMBER))]), {
      concurrency: '1',
      timeout: '20',
    });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends.length, 3);
  });

  for (const status of [500]) {
    test(`${status} once then success on the service policy: retried, pass`, async () => {
      const run = await gate(
        swagger(ORDERS),
        world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: 'services/orders:getIamPolicy$', status, times: 1 }] }),
      );
      verdict(run, 0, 'pass', 0, 0);
      assert.deepEqual(calls(run, GET_POLICY).map((r) => r.status), [status, 200]);
    });
  }

  test('429 then success on roles.get: retried, pass', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: '^/v1/roles/run\\.invoker$', status: 429, times: 1, retryAfter: '0' }] }),
    );
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(calls(run, 'iam.roles.get').map((r) => r.status), [429, 200]);
  });

  test('hash URL and the only candidate project is unreadable: iam-unreadable, not backend-not-found', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]), { project: 'ghost-project' });
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
    findingsAt(run, 3);
    noStackTrace(run);
  });

  test('403 on the service policy: iam-unreadable, fails closed', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: 'services/orders:getIamPolicy$', status: 403 }] }),
    );
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'fail');
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
    const f = run.report?.findings.find((x) => x.rule === 'iam-unreadable');
    assert.equal(f?.line, 3);
    assert.equal(f?.file, 'openapi.yaml');
    assert.match(f?.message ?? '', /run\.services\.getIamPolicy|permission|403/i);
    assert.equal(run.report?.backends[0]?.status, 'error');
    noStackTrace(run);
  });

  test('503 on the service policy every time: iam-unreadable, fails closed within bounded retries', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: 'services/orders:getIamPolicy$', status: 503, retryAfter: '0' }] }),
    );
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
    const attempts = calls(run, GET_POLICY).length;
    assert.ok(attempts >= 2 && attempts <= 10, `retried a bounded number of times (${attempts})`);
  });

  test('403 on the project policy: iam-unreadable even though the service grants the SA', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'POST', path: `^/v[13]/projects/(${PROJECT}|${NUMBER}):getIamPolicy$`, status: 403 }] }),
    );
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  });

  test('429 then success on the service policy: retried (after Retry-After), pass', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: 'services/orders:getIamPolicy$', status: 429, times: 1, retryAfter: '1' }] }),
    );
    verdict(run, 0, 'pass', 0, 0);
    const attempts = calls(run, GET_POLICY);
    assert.deepEqual(attempts.map((r) => r.status), [429, 200]);
    const gap = (attempts[1]?.time ?? 0) - (attempts[0]?.time ?? 0);
    assert.ok(gap >= 900, `waited for Retry-After: 1 (${gap} ms)`);
  });

  test('503 twice then success on the services list: retried, pass', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders', INVOKER(SA_MEMBER))], { faults: [{ method: 'GET', path: '/locations/us-central1/services$', status: 503, times: 2, retryAfter: '0' }] }),
    );
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(calls(run, LIST).map((r) => r.status), [503, 503, 200]);
  });

  test('503 twice then success on the project policy: retried, pass', async () => {
    const run = await gate(
      swagger(ORDERS),
      world([service('orders')], {
        projectPolicy: INVOKER(SA_MEMBER),
        faults: [{ method: 'POST', path: `^/v[13]/projects/${PROJECT}:getIamPolicy$`, status: 503, times: 2 }],
      }),
    );
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(calls(run, 'cloudresourcemanager.projects.getIamPolicy').map((r) => r.status), [503, 503, 200]);
  });

  test('ingress internal-only: unreachable-backend warning', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER), { ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' })]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
    findingsAt(run, 3, ORDERS_NAME);
  });

  test('ingress internal and load balancer: unreachable-backend warning (fails with fail-on warning)', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER), { ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER' })]), {
      'fail-on': 'warning',
    });
    verdict(run, 1, 'fail', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
  });

  test('defaultUriDisabled: unreachable-backend warning', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER), { defaultUriDisabled: true })]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
  });

  test('audience mismatch: jwt_audience neither a service URL nor a custom audience → audience-mismatch error', async () => {
    const run = await gate(
      swagger(`address: ${ORDERS}\njwt_audience: https://api.example.com/orders`),
      world([service('orders', INVOKER(SA_MEMBER), { customAudiences: ['https://api.example.com/other'] })]),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:error']);
    findingsAt(run, 3, ORDERS_NAME);
    assert.match(run.report?.findings[0]?.message ?? '', /https:\/\/api\.example\.com\/orders/);
  });

  test('jwt_audience that is one of customAudiences: pass', async () => {
    const run = await gate(
      swagger(`address: ${ORDERS}\njwt_audience: https://api.example.com/orders`),
      world([service('orders', INVOKER(SA_MEMBER), { customAudiences: ['https://api.example.com/orders'] })]),
    );
    verdict(run, 0, 'pass', 0, 0);
  });

  test('jwt_audience that is the service’s other (deterministic) URL: pass', async () => {
    const run = await gate(swagger(`address: ${ORDERS}\njwt_audience: https://orders-${NUMBER}.${REGION}.run.app`), world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('address with a path and no jwt_audience (audience = address with path): audience-mismatch warning', async () => {
    const run = await gate(swagger(`${ORDERS}/v1`), world([service('orders', INVOKER(SA_MEMBER))]));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:warning']);
  });

  test('service account given as projects/P/serviceAccounts/UNIQUE_ID: resolved to its email', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]), { 'service-account': `projects/gw-host/serviceAccounts/${SA_UNIQUE_ID}` });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.serviceAccount, SA);
    const get = calls(run, 'iam.projects.serviceAccounts.get');
    assert.equal(get.length, 1);
    assert.equal(get[0]?.path, `/v1/projects/gw-host/serviceAccounts/${SA_UNIQUE_ID}`);
  });

  test('service account given as API Gateway’s projects/P/accounts/UNIQUE_ID: resolved to its email', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER('allUsers'))]), { 'service-account': `projects/gw-host/accounts/${SA_UNIQUE_ID}` });
    verdict(run, 1, 'fail', 2, 0);
    assert.equal(run.report?.serviceAccount, SA);
    const missing = run.report?.findings.find((f) => f.rule === 'missing-invoker');
    assert.ok(missing?.message.includes(SA), missing?.message);
  });

  test('service account given as projects/-/serviceAccounts/UNIQUE_ID: resolved to its email', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]), { 'service-account': `projects/-/serviceAccounts/${SA_UNIQUE_ID}` });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.serviceAccount, SA);
  });

  test('service account resource name that does not exist: a clear error, exit 1, no stack trace', async () => {
    const run = await gate(swagger(ORDERS), world([service('orders', INVOKER(SA_MEMBER))]), { 'service-account': 'projects/gw-host/serviceAccounts/999' });
    assert.equal(run.code, 1, why(run));
    assert.notEqual(run.outputs.result, 'pass');
    assert.ok(run.annotations.some((a) => a.level === 'error' && a.message.includes('projects/gw-host/serviceAccounts/999')), run.stdout);
    noStackTrace(run);
  });
});

// ---------------------------------------------------------------------------------------------- spec shapes

describe('spec shapes and reporting', { concurrency: 4 }, () => {
  test('one backend shared by many operations: once in report.backends, every operation, one policy read', async () => {
    const ops = { 'GET /orders': '', 'POST /orders': '', 'GET /orders/{id}': '', 'PUT /orders/{id}': '', 'DELETE /orders/{id}': '', 'GET /healthz': '' };
    const run = await gate(swagger(ORDERS, ops), world([service('orders', INVOKER('allUsers'))]));
    verdict(run, 1, 'fail', 2, 0);
    assert.equal(run.report?.backends.length, 1);
    assert.deepEqual([...(run.report?.backends[0]?.operations ?? [])].sort(), Object.keys(ops).sort());
    assert.equal(run.report?.findings.length, 2, 'one finding per rule, not per operation');
    assert.equal(run.annotations.filter((a) => a.level === 'error').length, 2);
    assert.equal(calls(run, GET_POLICY).length, 1);
  });

  test('per-operation overrides: each backend’s finding on its own line', async () => {
    const spec = swagger(ORDERS, {
      'GET /orders': '',
      'POST /payments': 'address: https://payments-abc123-uc.a.run.app',
      'GET /status': 'address: https://status-abc123-uc.a.run.app',
    });
    const run = await gate(spec, world([service('orders', INVOKER(SA_MEMBER)), service('payments'), service('status', INVOKER('allUsers', SA_MEMBER))]));
    verdict(run, 1, 'fail', 2, 0);
    const at = (rule: string) => run.report?.findings.filter((f) => f.rule === rule).map((f) => [f.line, f.resource]);
    const payLine = lineOf(spec, 'x-google-backend:', 2);
    const statusLine = lineOf(spec, 'x-google-backend:', 3);
    assert.deepEqual(at('missing-invoker'), [[payLine, `projects/${PROJECT}/locations/${REGION}/services/payments`]]);
    assert.deepEqual(at('public-access'), [[statusLine, `projects/${PROJECT}/locations/${REGION}/services/status`]]);
    assert.deepEqual(run.annotations.filter((a) => a.level === 'error').map((a) => a.line).sort(), [payLine, statusLine].sort());
    const byAddress = Object.fromEntries((run.report?.backends ?? []).map((b) => [b.address, [b.operations, b.status]]));
    assert.deepEqual(byAddress, {
      [ORDERS]: [['GET /orders'], 'pass'],
      'https://payments-abc123-uc.a.run.app': [['POST /payments'], 'error'],
      'https://status-abc123-uc.a.run.app': [['GET /status'], 'error'],
    });
  });

  test('disable_auth on an override: auth-disabled on that line', async () => {
    const spec = swagger(ORDERS, { 'GET /orders': '', 'GET /healthz': 'address: https://status-abc123-uc.a.run.app\ndisable_auth: true' });
    const run = await gate(spec, world([service('orders', INVOKER(SA_MEMBER)), service('status', INVOKER(SA_MEMBER))]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['auth-disabled:error']);
    findingsAt(run, lineOf(spec, 'x-google-backend:', 2), `projects/${PROJECT}/locations/${REGION}/services/status`);
  });

  test('JSON spec: findings on the line of the x-google-backend key', async () => {
    const doc = {
      swagger: '2.0',
      info: { title: 'shop', version: '1.0' },
      'x-google-backend': { address: ORDERS },
      paths: {
        '/orders': { get: { operationId: 'list', responses: { 200: { description: 'OK' } } } },
        '/pay': { post: { operationId: 'pay', 'x-google-backend': { address: 'https://payments-abc123-uc.a.run.app' }, responses: { 200: { description: 'OK' } } } },
      },
    };
    const text = JSON.stringify(doc, null, 2);
    const run = await runAction({
      inputs: { ...inputs, spec: 'gateway/openapi.json' },
      files: { 'gateway/openapi.json': text },
      world: world([service('orders', INVOKER('allUsers', SA_MEMBER)), service('payments')]),
    });
    verdict(run, 1, 'fail', 2, 0);
    const got = (run.report?.findings ?? []).map((f) => [f.rule, f.file, f.line]).sort();
    assert.deepEqual(got, [
      ['missing-invoker', 'gateway/openapi.json', lineOf(text, '"x-google-backend"', 2)],
      ['public-access', 'gateway/openapi.json', lineOf(text, '"x-google-backend"', 1)],
    ]);
    assert.ok(run.annotations.some((a) => a.level === 'error' && a.file === 'gateway/openapi.json' && a.line === lineOf(text, '"x-google-backend"', 1)));
  });

  test('OpenAPI 3 spec: backends from x-google-api-management, default and per-operation, on their declaration lines', async () => {
    const text = [
      'openapi: 3.0.3',
      'info: { title: shop, version: "1.0" }',
      'x-google-api-management:',
      '  backends:',
      '    orders:',
      `      address: ${ORDERS}`,
      '    payments:',
      '      address: https://payments-abc123-uc.a.run.app',
      '      jwtAudience: https://payments-abc123-uc.a.run.app',
      'x-google-backend: orders',
      'paths:',
      '  /orders:',
      '    get:',
      '      operationId: list',
      '      responses: { "200": { description: OK } }',
      '  /pay:',
      '    post:',
      '      operationId: pay',
      '      x-google-backend: payments',
      '      responses: { "200": { description: OK } }',
      '',
    ].join('\n');
    const run = await runAction({
      inputs: { ...inputs, spec: 'openapi3.yaml' },
      files: { 'openapi3.yaml': text },
      world: world([service('orders', INVOKER(SA_MEMBER)), service('payments')]),
    });
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    const f = run.report?.findings[0];
    assert.equal(f?.file, 'openapi3.yaml');
    assert.equal(f?.resource, `projects/${PROJECT}/locations/${REGION}/services/payments`);
    // The line that "produced the backend": its declaration in x-google-api-management.backends (key or address).
    assert.ok([7, 8].includes(f?.line ?? 0), `line ${f?.line}`);
    assert.deepEqual(
      Object.fromEntries((run.report?.backends ?? []).map((b) => [b.address, b.operations])),
      { [ORDERS]: ['GET /orders'], 'https://payments-abc123-uc.a.run.app': ['POST /pay'] },
    );
  });

  test('invalid YAML: invalid-spec at the error’s line, exit 1, no stack trace, no call but those the spec’s address needs', async () => {
    const text = ['swagger: "2.0"', 'info:', '  title: shop', ' version: "1.0"', 'x-google-backend:', `  address: ${ORDERS}`, 'paths: {}', ''].join('\n');
    const run = await gate(text, world([service('orders', INVOKER(SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'fail');
    assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
    findingsAt(run, 4);
    noStackTrace(run);
    await onlyEarlyLookups(run, text.replace(' version', '  version'));
  });

  test('OpenAPI 3 x-google-backend naming an undeclared backend: invalid-spec at that line', async () => {
    const text = [
      'openapi: 3.1.0',
      'info: { title: shop, version: "1.0" }',
      'x-google-api-management:',
      '  backends:',
      '    orders:',
      `      address: ${ORDERS}`,
      'paths:',
      '  /orders:',
      '    get:',
      '      operationId: list',
      '      x-google-backend: ordrs',
      '      responses: { "200": { description: OK } }',
      '',
    ].join('\n');
    const run = await gate(text, world([service('orders', INVOKER(SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('invalid-spec:error'), rulesOf(run).join());
    const f = run.report?.findings.find((x) => x.rule === 'invalid-spec');
    assert.equal(f?.line, 11);
    noStackTrace(run);
  });

  test('annotations are ordered most severe first, whatever their lines', async () => {
    const spec = swagger(ORDERS, { 'GET /orders': '', 'POST /payments': 'address: https://payments-abc123-uc.a.run.app' });
    const conditional: Policy = { bindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER], condition: { title: 't', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' } }] };
    const run = await gate(spec, world([service('orders', conditional), service('payments')]));
    verdict(run, 1, 'fail', 1, 1);
    const levels = run.annotations.filter((a) => a.level !== 'notice').map((a) => `${a.level}@${a.line}`);
    assert.deepEqual(levels, [`error@${lineOf(spec, 'x-google-backend:', 2)}`, 'warning@3']);
  });

  test('OpenAPI 3.1 JSON: one backend referenced at the root and by an operation appears once with every operation', async () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'shop', version: '1.0' },
      'x-google-api-management': { backends: { orders: { address: ORDERS } } },
      'x-google-backend': 'orders',
      paths: {
        '/orders': {
          get: { operationId: 'list', responses: { 200: { description: 'OK' } } },
          post: { operationId: 'create', 'x-google-backend': 'orders', responses: { 200: { description: 'OK' } } },
        },
      },
    };
    const text = JSON.stringify(doc, null, 2);
    const run = await runAction({ inputs: { ...inputs, spec: 'api.json' }, files: { 'api.json': text }, world: world([service('orders', INVOKER('allUsers', SA_MEMBER))]) });
    verdict(run, 1, 'fail', 1, 0);
    assert.equal(run.report?.backends.length, 1, JSON.stringify(run.report?.backends));
    assert.deepEqual([...(run.report?.backends[0]?.operations ?? [])].sort(), ['GET /orders', 'POST /orders']);
    const f = run.report?.findings[0];
    assert.deepEqual([f?.rule, f?.file], ['public-access', 'api.json']);
    assert.ok([lineOf(text, '"orders": {'), lineOf(text, `"address": "${ORDERS}"`)].includes(f?.line ?? 0), `line ${f?.line}`);
  });

  test('JSON syntax error (missing comma): invalid-spec at the error’s line, exit 1, no stack trace', async () => {
    const text = ['{', '  "swagger": "2.0",', '  "info": { "title": "shop", "version": "1.0" },', `  "x-google-backend": { "address": "${ORDERS}" }`, '  "paths": {}', '}', ''].join('\n');
    const run = await runAction({ inputs: { ...inputs, spec: 'openapi.json' }, files: { 'openapi.json': text }, world: world([service('orders', INVOKER(SA_MEMBER))]) });
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
    const f = run.report?.findings[0];
    assert.equal(f?.file, 'openapi.json');
    assert.ok([4, 5].includes(f?.line ?? 0), `line ${f?.line}`);
    assert.ok(run.annotations.some((a) => a.level === 'error' && a.file === 'openapi.json' && a.line === f?.line));
    noStackTrace(run);
    await onlyEarlyLookups(run, text.replace('"address": "' + ORDERS + '" }', '"address": "' + ORDERS + '" },'), 'openapi.json');
  });

  test('invalid YAML (unterminated quoted scalar): invalid-spec, exit 1, no stack trace', async () => {
    const text = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', `  address: "${ORDERS}`, '  deadline: 15', 'paths: {}', ''].join('\n');
    const run = await gate(text, world([service('orders', INVOKER(SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
    const f = run.report?.findings[0];
    assert.equal(f?.file, 'openapi.yaml');
    assert.ok((f?.line ?? 0) >= 4 && (f?.line ?? 0) <= 7, `line ${f?.line}`);
    noStackTrace(run);
  });

  test('x-google-backend without an address: invalid-spec at its line', async () => {
    const text = swagger('path_translation: APPEND_PATH_TO_ADDRESS');
    const run = await gate(text, world([service('orders', INVOKER(SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
    findingsAt(run, 3);
  });

  test('a YAML document that is not OpenAPI: invalid-spec, exit 1', async () => {
    const run = await gate('name: not-a-spec\nitems: [1, 2]\n', world([service('orders', INVOKER(SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
    assert.equal(run.report?.findings[0]?.file, 'openapi.yaml');
    noStackTrace(run);
  });

  test('two spec files by glob: each finding on its own file and line', async () => {
    const a = swagger(ORDERS);
    const b = swagger('https://payments-abc123-uc.a.run.app', { 'POST /pay': '' });
    const run = await runAction({
      inputs: { ...inputs, spec: 'gateway/*.yaml' },
      files: { 'gateway/a.yaml': a, 'gateway/b.yaml': b },
      world: world([service('orders', INVOKER(SA_MEMBER)), service('payments', INVOKER('allUsers', SA_MEMBER))]),
    });
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(run.report?.findings.map((f) => [f.rule, f.file, f.line]), [['public-access', 'gateway/b.yaml', 3]]);
    assert.deepEqual(run.report?.backends.map((b) => b.address).sort(), [ORDERS, 'https://payments-abc123-uc.a.run.app']);
    assert.ok(run.annotations.some((x) => x.level === 'error' && x.file === 'gateway/b.yaml' && x.line === 3));
  });

  const anchored = (override: string[]): string =>
    [
      'swagger: "2.0"',
      'info: { title: shop, version: "1.0" }',
      'x-google-backend: &default',
      `  address: ${ORDERS}`,
      '  deadline: 15',
      'paths:',
      '  /orders:',
      '    get:',
      '      operationId: list',
      '      responses: { "200": { description: OK } }',
      '  /pay:',
      '    post:',
      '      operationId: pay',
      ...override, // line 14
      '      responses: { "200": { description: OK } }',
      '',
    ].join('\n');

  test('YAML alias as an operation’s backend: resolved, findings only on declaring lines', async () => {
    const run = await gate(anchored(['      x-google-backend: *default']), world([service('orders', INVOKER('allUsers', SA_MEMBER))]));
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).length >= 1 && rulesOf(run).every((r) => r === 'public-access:error'), rulesOf(run).join());
    assert.ok(run.report?.findings.every((f) => f.line === 3 || f.line === 14), JSON.stringify(run.report?.findings));
    assert.deepEqual(run.report?.backends.flatMap((b) => b.operations).sort(), ['GET /orders', 'POST /pay']);
    noStackTrace(run);
  });

  // YAML 1.1 merge keys are honoured by the parsers Google's OpenAPI tooling uses (SnakeYAML via swagger-parser) and by js-yaml.
  test('YAML merge key (<<: *default) in an override: read as the merged mapping, not an unknown key', async () => {
    const run = await gate(
      anchored(['      x-google-backend:', '        <<: *default', '        address: https://payments-abc123-uc.a.run.app']),
      world([service('orders', INVOKER(SA_MEMBER)), service('payments', INVOKER('allUsers', SA_MEMBER))]),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(run.report?.findings.map((f) => [f.rule, f.line, f.resource]), [['public-access', 14, `projects/${PROJECT}/locations/${REGION}/services/payments`]]);
  });

  test('more than 10 error findings: 10 error annotations, then one notice pointing to the summary', async () => {
    const ops: Record<string, string> = {};
    for (let i = 0; i < 12; i++) ops[`GET /r${i}`] = `address: https://svc${i}-abc123-uc.a.run.app`;
    const services = Array.from({ length: 12 }, (_, i) => service(`svc${i}`));
    const spec = swagger(ORDERS, ops);
    const run = await gate(spec, world([service('orders', INVOKER(SA_MEMBER)), ...services]));
    verdict(run, 1, 'fail', 12, 0);
    assert.equal(run.annotations.filter((a) => a.level === 'error').length, 10);
    const notices = run.annotations.filter((a) => a.level === 'notice');
    assert.ok(notices.some((n) => /summary/i.test(n.message)), run.stdout);
    assert.equal((run.summary.match(/missing-invoker/g) ?? []).length >= 12, true, 'summary lists every finding');
  });

  for (const debug of [false, true]) {
    test(`the github token never shows: only in the first line, ::add-mask:: (PR event, failing comment call${debug ? ', RUNNER_DEBUG=1' : ''})`, async () => {
      const run = await runAction({
        inputs,
        files: { 'openapi.yaml': swagger(ORDERS) },
        world: world([service('orders', INVOKER('allUsers'))]),
        eventName: 'pull_request',
        event: { number: 7, pull_request: { number: 7, head: { repo: { full_name: 'acme/shop' } }, base: { repo: { full_name: 'acme/shop' } } } },
        env: debug ? { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' } : {},
      });
      assert.equal(run.code, 1, why(run));
      assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error'], 'verdict unchanged by the comment failure');
      const lines = run.stdout.split('\n');
      assert.equal(lines[0], `::add-mask::${PLANTED_TOKEN}`, 'masked before anything else is printed');
      assert.deepEqual(lines.filter((l) => l.includes(PLANTED_TOKEN)), [`::add-mask::${PLANTED_TOKEN}`]);
      assert.ok(!run.stderr.includes(PLANTED_TOKEN), 'not in stderr');
      assert.ok(!run.summary.includes(PLANTED_TOKEN), 'not in the summary');
      assert.ok(!JSON.stringify(run.report).includes(PLANTED_TOKEN), 'not in the report');
      assert.ok(!Object.values(run.outputs).some((v) => v.includes(PLANTED_TOKEN)), 'not in the outputs');
      for (const r of run.requests) assert.ok(!JSON.stringify(r).includes(PLANTED_TOKEN), 'not sent to Google');
      noStackTrace(run);
    });
  }
});
