/**
 * End-to-end tests of the planned state (`terraform-plan`): dist/index.js against the fake Google API, with
 * plans shaped like `terraform show -json` output of the google provider. Each scenario asserts the verdict,
 * the rules, the provenance in messages and in the report, and that the plan costs no extra Google call for
 * resources that were read anyway.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ResourceChange, TerraformPlan } from '../../src/plan/model.ts';
import type { CloudFunction, Policy, RunService, World } from '../fake-google/world.ts';
import { change, plan } from '../plan/plans.ts';
import { FIXTURES, rulesOf, runAction, verdict, why, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const M = `serviceAccount:${SA}`;
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const REGION = 'us-central1';
const ORDERS = `https://orders-${NUMBER}.${REGION}.run.app`;
const ORDERS_NAME = `projects/${PROJECT}/locations/${REGION}/services/orders`;
const INVOKER = 'roles/run.invoker';
const EMPTY: Policy = { bindings: [] };

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

function world(extra: Partial<World> & { services?: RunService[]; projectPolicy?: Policy; folderPolicy?: Policy; orgPolicy?: Policy } = {}): World {
  const { services = [service('orders')], projectPolicy = EMPTY, folderPolicy = EMPTY, orgPolicy = EMPTY, ...rest } = extra;
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: orgPolicy }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', displayName: 'shop', iamPolicy: folderPolicy }],
    projects: [
      { projectId: PROJECT, projectNumber: NUMBER, parent: 'folders/200', iamPolicy: projectPolicy },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    serviceAccounts: [{ name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: '112233445566778899001', projectId: 'gw-host' }],
    runServices: services,
    ...rest,
  };
}

function swagger(address: string): string {
  return ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', `  address: ${address}`, 'paths:', '  /orders:', '    get:', '      operationId: list', '      responses:', "        '200': { description: OK }", ''].join('\n');
}

/** Runs the gate on `address` with `tfplan.json` holding `p` (or no plan). */
function gate(w: World, p: TerraformPlan | undefined, address = ORDERS, more: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT, ...(p ? { 'terraform-plan': 'infra/tfplan.json' } : {}), ...more },
    files: { 'openapi.yaml': swagger(address), ...(p ? { 'infra/tfplan.json': JSON.stringify(p) } : {}) },
    world: w,
  });
}

const runMember = (member: string, role = INVOKER, name = 'orders') => ({ project: PROJECT, location: REGION, name, role, member, condition: [] });
const finding = (run: ActionRun, rule: string) => {
  const f = run.report?.findings.find((x) => x.rule === rule);
  assert.ok(f, `${rule} in ${why(run)}`);
  return f as NonNullable<typeof f> & { planned?: Array<{ address: string; action: string; file: string | null; line: number | null }> };
};
const plannedOf = (run: ActionRun, rule: string) => finding(run, rule).planned?.map((p) => `${p.address} (${p.action})`);
/** Google calls, without the order they came in. */
const callSet = (run: ActionRun) => run.requests.map((r) => `${r.method} ${r.path}`).sort();

describe('IAM on Cloud Run services', { concurrency: 4 }, () => {
  test('the PR that adds the missing invoker grant passes, with no extra Google call', async () => {
    const w = world();
    const live = await gate(w, undefined);
    assert.deepEqual(rulesOf(live), ['missing-invoker:error']);
    const run = await gate(w, plan([change('google_cloud_run_v2_service_iam_member.gateway', ['create'], null, runMember(M))]));
    verdict(run, 0, 'pass', 0, 0);
    // The one extra read is the definition of the role the plan binds (what it holds must be read, not assumed).
    assert.deepEqual(callSet(run), [...callSet(live), 'GET /v1/roles/run.invoker'].sort());
    assert.deepEqual((run.report as unknown as { terraformPlans: string[] }).terraformPlans, ['infra/tfplan.json']);
  });

  test('the PR that adds allUsers fails, naming the Terraform address and action', async () => {
    const run = await gate(world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }), plan([change('google_cloud_run_v2_service_iam_member.public', ['create'], null, runMember('allUsers'))]));
    verdict(run, 1, 'fail', 1, 0);
    const f = finding(run, 'public-access');
    assert.match(f.message, /allUsers holds roles\/run\.invoker on projects\/shop-prod\/locations\/us-central1\/services\/orders \(planned: google_cloud_run_v2_service_iam_member\.public \(create\)\)/);
    assert.deepEqual(f.planned, [{ address: 'google_cloud_run_v2_service_iam_member.public', action: 'create', file: null, line: null }]);
    assert.ok(run.summary.replace(/&#95;/g, '_').includes('google_cloud_run_v2_service_iam_member.public (create)'), run.summary);
  });

  test('the PR that deletes the gateway’s grant fails: missing-invoker names the delete', async () => {
    const run = await gate(world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }), plan([change('google_cloud_run_service_iam_member.gateway', ['delete'], { project: PROJECT, location: REGION, service: 'orders', role: INVOKER, member: M, condition: [] }, null)]));
    verdict(run, 1, 'fail', 1, 0);
    assert.match(finding(run, 'missing-invoker').message, /Planned: google_cloud_run_service_iam_member\.gateway \(delete\) removes serviceAccount:gw@gw-host\.iam\.gserviceaccount\.com from roles\/run\.invoker on projects\/shop-prod\/locations\/us-central1\/services\/orders\./);
    assert.deepEqual(plannedOf(run, 'missing-invoker'), ['google_cloud_run_service_iam_member.gateway (delete)']);
  });

  test('every action of a member resource', async () => {
    const live = world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] });
    const before = runMember(M);
    const after = runMember('allUsers');
    const cases: Array<[string[], Partial<ResourceChange>, string[]]> = [
      [['create'], {}, ['public-access:error']],
      [['update'], {}, ['missing-invoker:error', 'public-access:error']],
      [['delete'], {}, ['missing-invoker:error']],
      [['delete', 'create'], {}, ['missing-invoker:error', 'public-access:error']],
      [['create', 'delete'], {}, ['missing-invoker:error', 'public-access:error']],
      [['no-op'], {}, []],
      [['read'], {}, []],
      [['forget'], {}, []],
      [['create', 'forget'], {}, ['public-access:error']],
      [['forget', 'create'], {}, ['public-access:error']],
      [['delete'], { deposed: '1a2b3c4d' }, ['missing-invoker:error']],
    ];
    for (const [actions, extra, rules] of cases) {
      const b = actions.includes('create') && actions.length === 1 ? null : before;
      const a = actions.includes('create') || actions.includes('update') ? after : actions[0] === 'no-op' ? before : null;
      const run = await gate(live, plan([change('google_cloud_run_v2_service_iam_member.m', actions, b, a, {}, extra)]));
      assert.deepEqual(rulesOf(run), rules, `${actions.join(',')}: ${why(run)}`);
      for (const f of run.report?.findings ?? []) assert.match(f.message, /google_cloud_run_v2_service_iam_member\.m \(/, `${actions.join(',')}: ${f.message}`);
    }
  });

  test('a binding is authoritative for its role; a policy replaces everything', async () => {
    const live = world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M, 'allUsers'] }] })] });
    const binding = await gate(live, plan([change('google_cloud_run_v2_service_iam_binding.invokers', ['create'], null, { project: PROJECT, location: REGION, name: 'orders', role: INVOKER, members: ['allUsers'], condition: [] })]));
    assert.deepEqual(rulesOf(binding), ['missing-invoker:error', 'public-access:error']);
    assert.match(finding(binding, 'missing-invoker').message, /google_cloud_run_v2_service_iam_binding\.invokers \(create\) removes serviceAccount:gw@/);
    const policy = await gate(live, plan([change('google_cloud_run_v2_service_iam_policy.only', ['create'], null, { project: PROJECT, location: REGION, name: 'orders', policy_data: JSON.stringify({ bindings: [{ role: INVOKER, members: [M] }] }) })]));
    verdict(policy, 0, 'pass', 0, 0);
  });

  test('invoker_iam_disabled and ingress of a v2 service; v1 annotations', async () => {
    const v2 = await gate(
      world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }),
      plan([change('google_cloud_run_v2_service.orders', ['update'], { project: PROJECT, location: REGION, name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL', invoker_iam_disabled: false }, { project: PROJECT, location: REGION, name: 'orders', ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', invoker_iam_disabled: true })]),
    );
    assert.deepEqual(rulesOf(v2), ['public-access:error', 'unreachable-backend:warning']);
    for (const f of v2.report?.findings ?? []) assert.match(f.message, /google_cloud_run_v2_service\.orders \(update\) changes projects\/shop-prod/);
    const v1 = await gate(
      world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }),
      plan([change('module.run.google_cloud_run_service.orders', ['update'], { project: PROJECT, location: REGION, name: 'orders', metadata: [{ annotations: {} }] }, { project: PROJECT, location: REGION, name: 'orders', metadata: [{ annotations: { 'run.googleapis.com/ingress': 'internal' } }] })]),
    );
    assert.deepEqual(rulesOf(v1), ['unreachable-backend:warning']);
    assert.deepEqual(plannedOf(v1, 'unreachable-backend'), ['module.run.google_cloud_run_service.orders (update)']);
  });

  test('a planned delete of the service is backend-not-found', async () => {
    const run = await gate(world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }), plan([change('google_cloud_run_v2_service.orders', ['delete'], { project: PROJECT, location: REGION, name: 'orders' }, null)]));
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    assert.deepEqual(plannedOf(run, 'backend-not-found'), ['google_cloud_run_v2_service.orders (delete)']);
  });

  test('a new service is judged at its deterministic address, with planned facts; a hash-style address names it', async () => {
    const p = plan([
      change('google_cloud_run_v2_service.orders', ['create'], null, { project: PROJECT, location: REGION, name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL', invoker_iam_disabled: false }, { uri: true, urls: true }),
      change('google_cloud_run_v2_service_iam_member.gateway', ['create'], null, runMember(M)),
    ]);
    const run = await gate(world({ services: [] }), p);
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME);
    const hash = await gate(world({ services: [] }), p, 'https://orders-xyz789-uc.a.run.app');
    assert.deepEqual(rulesOf(hash), ['backend-not-found:error']);
    assert.match(finding(hash, 'backend-not-found').message, new RegExp(`deterministic address ${ORDERS.replace(/[.]/g, '\\.')}`));
  });
});

describe('project, folder, organization, functions', { concurrency: 4 }, () => {
  test('project-level grant with the provider’s default project; without it, unverified', async () => {
    const after = { role: INVOKER, member: M, condition: [] };
    const withDefault = await gate(world(), plan([change('google_project_iam_member.gw', ['create'], null, after, { project: true })], { project: PROJECT }));
    verdict(withDefault, 0, 'pass', 0, 0);
    const without = await gate(world(), plan([change('google_project_iam_member.gw', ['create'], null, after, { project: true })]));
    assert.deepEqual(rulesOf(without), ['unverified-grant:warning']);
    assert.match(finding(without, 'unverified-grant').message, /google_project_iam_member\.gw \(create\)/);
  });

  test('folder allAuthenticatedUsers and organization grants count', async () => {
    const run = await gate(
      world(),
      plan([
        change('google_folder_iam_member.all', ['create'], null, { folder: 'folders/200', role: INVOKER, member: 'allAuthenticatedUsers', condition: [] }),
        change('google_organization_iam_binding.gw', ['create'], null, { org_id: '1000', role: INVOKER, members: [M], condition: [] }),
      ]),
    );
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    assert.deepEqual(plannedOf(run, 'public-access'), ['google_folder_iam_member.all (create)']);
  });

  test('functions: a 1st-gen grant on the function, a 2nd-gen ingress change', async () => {
    const fn = (name: string, environment: 'GEN_1' | 'GEN_2', extra: Partial<CloudFunction> = {}): CloudFunction => ({
      name: `projects/${PROJECT}/locations/${REGION}/functions/${name}`,
      environment,
      state: 'ACTIVE',
      url: `https://${REGION}-${PROJECT}.cloudfunctions.net/${name}`,
      serviceConfig: { ingressSettings: 'ALLOW_ALL', ...(environment === 'GEN_2' ? { service: `projects/${PROJECT}/locations/${REGION}/services/${name}`, uri: `https://${name}-abc123-uc.a.run.app` } : { uri: `https://${REGION}-${PROJECT}.cloudfunctions.net/${name}` }) },
      iamPolicy: EMPTY,
      ...extra,
    });
    const w = world({
      services: [service('resize', { bindings: [{ role: INVOKER, members: [M] }] }, { labels: { 'goog-managed-by': 'cloudfunctions' } })],
      functions: [fn('hook', 'GEN_1'), fn('resize', 'GEN_2')],
    });
    const gen1 = await gate(w, plan([change('google_cloudfunctions_function_iam_member.gw', ['create'], null, { project: PROJECT, region: REGION, cloud_function: 'hook', role: 'roles/cloudfunctions.invoker', member: M, condition: [] })]), `https://${REGION}-${PROJECT}.cloudfunctions.net/hook`);
    verdict(gen1, 0, 'pass', 0, 0);
    const gen2 = await gate(
      w,
      plan([change('google_cloudfunctions2_function.resize', ['update'], { project: PROJECT, location: REGION, name: 'resize', service_config: [{ ingress_settings: 'ALLOW_ALL' }] }, { project: PROJECT, location: REGION, name: 'resize', service_config: [{ ingress_settings: 'ALLOW_INTERNAL_ONLY' }] })]),
      `https://${REGION}-${PROJECT}.cloudfunctions.net/resize`,
    );
    assert.deepEqual(rulesOf(gen2), ['unreachable-backend:warning']);
    assert.deepEqual(plannedOf(gen2, 'unreachable-backend'), ['google_cloudfunctions2_function.resize (update)']);
  });

  test('a custom role narrowed by the plan is read from the plan, not trusted live', async () => {
    const role = `projects/${PROJECT}/roles/caller`;
    const w = world({ services: [service('orders', { bindings: [{ role, members: [M] }] })], roles: [{ name: role, includedPermissions: ['run.routes.invoke'] }] });
    const run = await gate(w, plan([change('google_project_iam_custom_role.caller', ['update'], { project: PROJECT, role_id: 'caller', permissions: ['run.routes.invoke'] }, { project: PROJECT, role_id: 'caller', permissions: ['run.services.get'] })]));
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(run, 'missing-invoker'), ['google_project_iam_custom_role.caller (update)']);
  });

  test('a custom role created and bound in the same plan grants (it cannot be read yet)', async () => {
    const run = await gate(
      world(),
      plan([
        change('google_project_iam_custom_role.caller', ['create'], null, { project: PROJECT, role_id: 'gwCaller', permissions: ['run.routes.invoke'] }),
        change('google_cloud_run_v2_service_iam_member.gw', ['create'], null, runMember(M, `projects/${PROJECT}/roles/gwCaller`)),
      ]),
    );
    verdict(run, 0, 'pass', 0, 0);
  });

  test('a deny policy created by the plan takes the grant away', async () => {
    const run = await gate(
      world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] }),
      plan([
        change('google_iam_deny_policy.no_invoke', ['create'], null, {
          parent: `cloudresourcemanager.googleapis.com%2Fprojects%2F${PROJECT}`,
          name: 'no-invoke',
          rules: [{ deny_rule: [{ denied_principals: ['principalSet://goog/public:all'], denied_permissions: ['run.googleapis.com/routes.invoke'], exception_principals: [], denial_condition: [] }] }],
        }),
      ]),
    );
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(run, 'missing-invoker'), ['google_iam_deny_policy.no_invoke (create)']);
  });
});

describe('values known only after apply, modules', { concurrency: 4 }, () => {
  const saConfig = (prefix: string) => ({ address: `${prefix}google_service_account.gw`, mode: 'managed', type: 'google_service_account', name: 'gw', provider_config_key: 'google' });

  test('a member referencing a service account created in the same plan is that account', async () => {
    const newSa = 'api-gw@gw-host.iam.gserviceaccount.com';
    const p = plan(
      [
        change('google_service_account.gw', ['create'], null, { account_id: 'api-gw', project: 'gw-host', display_name: 'gw' }, { email: true, member: true, unique_id: true, name: true }),
        change('google_cloud_run_v2_service_iam_member.gw', ['create'], null, { project: PROJECT, location: REGION, name: 'orders', role: INVOKER, condition: [] }, { member: true }),
      ],
      {
        root: {
          resources: [
            saConfig(''),
            { address: 'google_cloud_run_v2_service_iam_member.gw', mode: 'managed', type: 'google_cloud_run_v2_service_iam_member', name: 'gw', provider_config_key: 'google', expressions: { member: { references: ['google_service_account.gw.member', 'google_service_account.gw'] } } },
          ],
        },
      },
    );
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': newSa, project: PROJECT, 'terraform-plan': 'tfplan.json' },
      files: { 'openapi.yaml': swagger(ORDERS), 'tfplan.json': JSON.stringify(p) },
      world: world(),
    });
    verdict(run, 0, 'pass', 0, 0);
  });

  test('any other unknown member is an unverified grant naming the address; it never hides a public grant', async () => {
    const p = plan(
      [
        change('google_cloud_run_v2_service_iam_member.someone', ['create'], null, { project: PROJECT, location: REGION, name: 'orders', role: INVOKER, condition: [] }, { member: true }),
        change('google_cloud_run_v2_service_iam_member.public', ['create'], null, runMember('allUsers')),
      ],
      { root: { resources: [{ address: 'google_cloud_run_v2_service_iam_member.someone', mode: 'managed', type: 'google_cloud_run_v2_service_iam_member', name: 'someone', expressions: { member: { references: ['module.other.email', 'module.other'] } } }] } },
    );
    const run = await gate(world(), p);
    assert.deepEqual(rulesOf(run), ['public-access:error', 'unverified-grant:warning']);
    assert.deepEqual(plannedOf(run, 'unverified-grant'), ['google_cloud_run_v2_service_iam_member.someone (create)']);
    assert.deepEqual(plannedOf(run, 'public-access'), ['google_cloud_run_v2_service_iam_member.public (create)']);
  });

  test('a member known only after apply on an invoking role may be allUsers: public access cannot be ruled out', async () => {
    const unknownMember = (name: string, role: string) =>
      change(`google_cloud_run_v2_service_iam_member.${name}`, ['create'], null, { project: PROJECT, location: REGION, name: 'orders', role, condition: [] }, { member: true });
    // e.g. member = random_shuffle.x.result[0] with input = ["allUsers"]: nothing in the plan says who it is.
    const run = await gate(world(), plan([unknownMember('shuffled', INVOKER)]));
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error', 'unverified-grant:warning']);
    assert.deepEqual(plannedOf(run, 'iam-unreadable'), ['google_cloud_run_v2_service_iam_member.shuffled (create)']);
    assert.match(JSON.stringify(run.report?.findings.filter((f) => f.rule === 'iam-unreadable')), /may be allUsers: public access cannot be ruled out/);
    // On a role that cannot invoke, it grants nothing and cannot make the backend public.
    const viewer = await gate(world(), plan([unknownMember('viewer', 'roles/run.viewer')]));
    assert.deepEqual(rulesOf(viewer), ['missing-invoker:error']);
  });

  test('an unknown role or target is unverified for the account, and public access cannot be ruled out', async () => {
    const run = await gate(
      world(),
      plan([
        change('google_cloud_run_v2_service_iam_member.role', ['create'], null, runMember(M, ''), { role: true }),
        change('google_cloud_run_v2_service_iam_member.where', ['create'], null, { project: PROJECT, location: REGION, role: INVOKER, member: 'allUsers', condition: [] }, { name: true }),
      ]),
    );
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error', 'unverified-grant:warning']);
    assert.deepEqual(plannedOf(run, 'unverified-grant'), ['google_cloud_run_v2_service_iam_member.role (create)']);
    assert.deepEqual(plannedOf(run, 'iam-unreadable'), ['google_cloud_run_v2_service_iam_member.where (create)']);
  });

  test('modules with for_each: each instance grants on its own service', async () => {
    const inst = (key: string, member: string) => change(`module.api["${key}"].google_cloud_run_v2_service_iam_member.invoker["run"]`, ['create'], null, runMember(member, INVOKER, key));
    const w = world({ services: [service('orders'), service('billing')] });
    const p = plan([inst('orders', M), inst('billing', 'allUsers')]);
    const orders = await gate(w, p);
    verdict(orders, 0, 'pass', 0, 0);
    const billing = await gate(w, p, `https://billing-${NUMBER}.${REGION}.run.app`);
    assert.deepEqual(rulesOf(billing), ['missing-invoker:error', 'public-access:error']);
    assert.deepEqual(plannedOf(billing, 'public-access'), ['module.api["billing"].google_cloud_run_v2_service_iam_member.invoker["run"] (create)']);
  });
});

describe('IAP, Policy Troubleshooter, asset inventory', { concurrency: 4 }, () => {
  const CLIENT_ID = '123456789012-abcdef.apps.googleusercontent.com';
  const APP_URL = 'https://shop-prod.uc.r.appspot.com';
  const gae = (p: TerraformPlan) =>
    runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA, 'terraform-plan': 'tfplan.json' },
      files: { 'openapi.yaml': swagger(APP_URL).replace(`  address: ${APP_URL}`, `  address: ${APP_URL}\n  jwt_audience: ${CLIENT_ID}`), 'tfplan.json': JSON.stringify(p) },
      world: path.join(FIXTURES, 'worlds/e2e-gae-apps.yaml'),
    });

  test('IAP: the accessor grant deleted on the app, allUsers added on the service', async () => {
    const removed = await gae(plan([change('google_iap_web_type_app_engine_iam_member.gw', ['delete'], { project: PROJECT, app_id: PROJECT, role: 'roles/iap.httpsResourceAccessor', member: M, condition: [] }, null)]));
    assert.deepEqual(rulesOf(removed), ['missing-iap-access:error']);
    assert.deepEqual(plannedOf(removed, 'missing-iap-access'), ['google_iap_web_type_app_engine_iam_member.gw (delete)']);
    const opened = await gae(plan([change('google_iap_app_engine_service_iam_member.all', ['create'], null, { project: PROJECT, app_id: PROJECT, service: 'default', role: 'roles/iap.httpsResourceAccessor', member: 'allUsers', condition: [] })]));
    assert.deepEqual(rulesOf(opened), ['public-access:error']);
    assert.deepEqual(plannedOf(opened, 'public-access'), ['google_iap_app_engine_service_iam_member.all (create)']);
  });

  test('Policy Troubleshooter is not asked about a verdict that rests on the plan, and the findings say so', async () => {
    const w = world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] });
    w.troubleshoot = { [`${M}|//run.googleapis.com/${ORDERS_NAME}|run.routes.invoke`]: { overallAccessState: 'CAN_ACCESS' } };
    const removed = await gate(w, plan([change('google_cloud_run_v2_service_iam_member.gateway', ['delete'], runMember(M), null)]), ORDERS, { troubleshoot: 'true' });
    assert.deepEqual(rulesOf(removed), ['missing-invoker:error']);
    assert.match(finding(removed, 'missing-invoker').message, /Policy Troubleshooter was not asked: this verdict rests on planned changes \(google_cloud_run_v2_service_iam_member\.gateway \(delete\)\)/);
    const added = await gate(world(), plan([change('google_cloud_run_v2_service_iam_member.gateway', ['create'], null, runMember(M))]), ORDERS, { troubleshoot: 'true' });
    verdict(added, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(added), []);
    for (const run of [removed, added]) assert.ok(!run.requests.some((r) => r.path === '/v3/iam:troubleshoot'));
    const live = await gate(w, undefined, ORDERS, { troubleshoot: 'true' });
    assert.ok(live.requests.some((r) => r.path === '/v3/iam:troubleshoot'), 'asked without a plan');
    const unrelated = await gate(w, plan([change('google_cloud_run_v2_service_iam_member.viewer', ['create'], null, runMember('user:ann@example.com', 'roles/run.viewer'))]), ORDERS, { troubleshoot: 'true' });
    assert.ok(unrelated.requests.some((r) => r.path === '/v3/iam:troubleshoot'), 'asked when the plan does not touch the account’s access');
  });

  test('asset-inventory mode combines with the plan like any live read', async () => {
    const w = world({ services: [service('orders', { bindings: [{ role: INVOKER, members: [M] }] })] });
    const p = plan([change('google_cloud_run_v2_service_iam_member.public', ['create'], null, runMember('allUsers'))]);
    const [single, bulk] = await Promise.all([gate(structuredClone(w), p), gate(structuredClone(w), p, ORDERS, { 'asset-inventory': 'true' })]);
    assert.deepEqual(rulesOf(bulk), ['public-access:error']);
    assert.deepEqual(bulk.report?.findings, single.report?.findings);
    assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet'));
  });
});

describe('backends the plan creates', { concurrency: 4 }, () => {
  test('a new 1st-gen function: judged with planned facts, every finding names its creation', async () => {
    const address = `https://${REGION}-${PROJECT}.cloudfunctions.net/hook`;
    const fn = change('google_cloudfunctions_function.hook', ['create'], null, { project: PROJECT, region: REGION, name: 'hook', trigger_http: true, ingress_settings: 'ALLOW_ALL' }, { https_trigger_url: true });
    const granted = await gate(world(), plan([fn, change('google_cloudfunctions_function_iam_member.gw', ['create'], null, { project: PROJECT, region: REGION, cloud_function: 'hook', role: 'roles/cloudfunctions.invoker', member: M, condition: [] })]), address);
    verdict(granted, 0, 'pass', 0, 0);
    assert.equal(granted.report?.backends[0]?.resource, `projects/${PROJECT}/locations/${REGION}/functions/hook`);
    const bare = await gate(world(), plan([fn]), address);
    assert.deepEqual(rulesOf(bare), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(bare, 'missing-invoker'), ['google_cloudfunctions_function.hook (create)']);
  });
});

describe('more families', { concurrency: 4 }, () => {
  const gen2 = (): World =>
    world({
      services: [service('resize', EMPTY, { labels: { 'goog-managed-by': 'cloudfunctions' } })],
      functions: [
        {
          name: `projects/${PROJECT}/locations/${REGION}/functions/resize`,
          environment: 'GEN_2',
          state: 'ACTIVE',
          url: `https://${REGION}-${PROJECT}.cloudfunctions.net/resize`,
          serviceConfig: { ingressSettings: 'ALLOW_ALL', service: `projects/${PROJECT}/locations/${REGION}/services/resize`, uri: 'https://resize-abc123-uc.a.run.app' },
          iamPolicy: EMPTY,
        },
      ],
    });
  const RESIZE = `https://${REGION}-${PROJECT}.cloudfunctions.net/resize`;

  test('2nd-gen function: the 1st-gen role planned on the function is named as the wrong grant; the service grant passes', async () => {
    const wrong = await gate(gen2(), plan([change('google_cloudfunctions2_function_iam_member.gw', ['create'], null, { project: PROJECT, location: REGION, cloud_function: 'resize', role: 'roles/cloudfunctions.invoker', member: M, condition: [] })]), RESIZE);
    assert.deepEqual(rulesOf(wrong), ['missing-invoker:error']);
    assert.match(finding(wrong, 'missing-invoker').message, /holds roles\/cloudfunctions\.invoker on projects\/shop-prod\/locations\/us-central1\/functions\/resize, which grants cloudfunctions\.functions\.invoke: that authorizes 1st-gen functions only/);
    const right = await gate(gen2(), plan([change('google_cloud_run_service_iam_member.gw', ['create'], null, { project: PROJECT, location: REGION, service: 'resize', role: INVOKER, member: M, condition: [] })]), RESIZE);
    verdict(right, 0, 'pass', 0, 0);
  });

  test('google_project_iam_member_remove takes the project-level grant away', async () => {
    const run = await gate(world({ projectPolicy: { bindings: [{ role: INVOKER, members: [M] }] } }), plan([change('google_project_iam_member_remove.gw', ['create'], null, { project: PROJECT, role: INVOKER, member: M })]));
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(run, 'missing-invoker'), ['google_project_iam_member_remove.gw (create)']);
  });

  test('a project policy replaced by the plan drops the live grant; an organization custom role deleted grants nothing', async () => {
    const policy = await gate(
      world({ projectPolicy: { bindings: [{ role: INVOKER, members: [M] }] } }),
      plan([change('google_project_iam_policy.all', ['update'], { project: PROJECT, policy_data: JSON.stringify({ bindings: [{ role: INVOKER, members: [M] }] }) }, { project: PROJECT, policy_data: JSON.stringify({ bindings: [{ role: 'roles/viewer', members: [M] }] }) })]),
    );
    assert.deepEqual(rulesOf(policy), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(policy, 'missing-invoker'), ['google_project_iam_policy.all (update)']);
    const role = 'organizations/1000/roles/gwCaller';
    const deleted = await gate(
      world({ orgPolicy: { bindings: [{ role, members: [M] }] }, roles: [{ name: role, includedPermissions: ['run.routes.invoke'] }] }),
      plan([change('google_organization_iam_custom_role.gw', ['delete'], { org_id: '1000', role_id: 'gwCaller', permissions: ['run.routes.invoke'] }, null)]),
    );
    assert.deepEqual(rulesOf(deleted), ['missing-invoker:error']);
    assert.deepEqual(plannedOf(deleted, 'missing-invoker'), ['google_organization_iam_custom_role.gw (delete)']);
  });
});

test('a plan file as Terraform writes it: the PR that fixes both findings passes', async () => {
  const { readFile } = await import('node:fs/promises');
  const p = JSON.parse(await readFile(path.join(FIXTURES, 'plans/orders-gateway.tfplan.json'), 'utf8')) as TerraformPlan;
  const account = 'orders-gw@gw-host.iam.gserviceaccount.com';
  const w = world({ services: [service('orders', { bindings: [{ role: INVOKER, members: ['allUsers'] }] })] });
  const live = await gate(w, undefined, ORDERS, { 'service-account': account });
  assert.deepEqual(rulesOf(live), ['missing-invoker:error', 'public-access:error']);
  const run = await gate(w, p, ORDERS, { 'service-account': account });
  verdict(run, 0, 'pass', 0, 0);
});
