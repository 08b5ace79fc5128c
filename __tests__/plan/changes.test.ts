/** Plan → planned changes: families, actions, names as the live facts name them, unknown values. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actionEffect, plannedChanges, UNKNOWN_MEMBER, UNKNOWN_ROLE, type IamChange, type PlannedChange } from '../../src/plan/changes.ts';
import type { TerraformPlan } from '../../src/plan/model.ts';
import { change, plan, runMember } from './plans.ts';

const changesOf = (p: TerraformPlan): PlannedChange[] => plannedChanges([{ file: 'tfplan.json', dir: '/w', plan: p }]);
const SA = 'serviceAccount:gw@gw-host.iam.gserviceaccount.com';

describe('actions', () => {
  const table: Array<[string[], string | undefined, boolean, boolean]> = [
    [['create'], 'create', false, true],
    [['update'], 'update', true, true],
    [['delete'], 'delete', true, false],
    [['delete', 'create'], 'replace', true, true],
    [['create', 'delete'], 'replace', true, true],
    [['no-op'], undefined, false, false],
    [['read'], undefined, false, false],
    [['forget'], undefined, false, false],
    [['create', 'forget'], 'create, forget the old object', false, true],
    [['forget', 'create'], 'create, forget the old object', false, true],
  ];
  for (const [actions, label, removeBefore, addAfter] of table) {
    test(actions.join(','), () => {
      const effect = actionEffect(actions);
      if (!label) return assert.equal(effect, undefined);
      assert.deepEqual(effect, { removeBefore, addAfter, label });
    });
  }
  test('a deposed object’s delete names the object', () => {
    assert.deepEqual(actionEffect(['delete'], 'a1b2c3d4'), { removeBefore: true, addAfter: false, label: 'delete deposed a1b2c3d4' });
  });
});

describe('IAM families', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['google_cloud_run_service_iam_member', { project: 'p', location: 'us-central1', service: 'orders' }, 'projects/p/locations/us-central1/services/orders'],
    ['google_cloud_run_v2_service_iam_member', { project: 'p', location: 'us-central1', name: 'orders' }, 'projects/p/locations/us-central1/services/orders'],
    ['google_cloud_run_v2_service_iam_member', { name: 'projects/p/locations/europe-west1/services/orders' }, 'projects/p/locations/europe-west1/services/orders'],
    ['google_cloud_run_service_iam_member', { service: 'locations/us-east1/namespaces/p/services/orders' }, 'projects/p/locations/us-east1/services/orders'],
    ['google_cloudfunctions_function_iam_member', { project: 'p', region: 'us-central1', cloud_function: 'hello' }, 'projects/p/locations/us-central1/functions/hello'],
    ['google_cloudfunctions2_function_iam_member', { project: 'p', location: 'us-central1', cloud_function: 'hello' }, 'projects/p/locations/us-central1/functions/hello'],
    ['google_project_iam_member', { project: 'p' }, 'projects/p'],
    ['google_project_iam_member', { project: 'projects/p' }, 'projects/p'],
    ['google_folder_iam_member', { folder: 'folders/200' }, 'folders/200'],
    ['google_organization_iam_member', { org_id: '1000' }, 'organizations/1000'],
    ['google_iap_web_iam_member', { project: 'p' }, 'projects/p/iap_web'],
    ['google_iap_web_type_app_engine_iam_member', { project: 'p', app_id: 'p' }, 'projects/p/iap_web/appengine-p'],
    ['google_iap_app_engine_service_iam_member', { project: 'p', app_id: 'p', service: 'default' }, 'projects/p/iap_web/appengine-p/services/default'],
    ['google_iap_app_engine_version_iam_member', { project: 'p', app_id: 'p', service: 'api', version_id: 'v1' }, 'projects/p/iap_web/appengine-p/services/api/versions/v1'],
  ];
  for (const [type, fields, resource] of cases) {
    test(`${type} ${JSON.stringify(fields)} → ${resource}`, () => {
      const [c] = changesOf(plan([change(`${type}.x`, ['create'], null, { ...fields, role: 'roles/run.invoker', member: SA, condition: [] })]));
      assert.deepEqual(c, {
        kind: 'iam',
        form: 'member',
        resource,
        remove: [],
        add: [{ role: 'roles/run.invoker', members: [SA] }],
        provenance: { address: `${type}.x`, action: 'create' },
      });
    });
  }

  test('binding and policy forms, with conditions', () => {
    const condition = [{ title: 'until 2030', description: '', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' }];
    const policy = JSON.stringify({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] });
    const out = changesOf(
      plan([
        change('google_project_iam_binding.b', ['update'], { project: 'p', role: 'roles/run.invoker', members: ['group:a@x.com'], condition: [] }, { project: 'p', role: 'roles/run.invoker', members: [SA], condition }),
        change('google_cloud_run_v2_service_iam_policy.p', ['create'], null, { project: 'p', location: 'us-central1', name: 'orders', policy_data: policy }),
      ]),
    );
    assert.deepEqual(
      out.map((c) => c.kind === 'iam' && [c.form, c.resource, c.remove, c.add]),
      [
        ['binding', 'projects/p', [{ role: 'roles/run.invoker', members: ['group:a@x.com'] }], []],
        ['binding', 'projects/p', [], [{ role: 'roles/run.invoker', members: [SA], condition: { title: 'until 2030', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' } }]],
        ['policy', 'projects/p/locations/us-central1/services/orders', [], [{ role: 'roles/run.invoker', members: ['allUsers'] }]],
      ],
    );
  });

  test('google_project_iam_member_remove takes the member out when created, and changes nothing when deleted', () => {
    const out = changesOf(
      plan([
        change('google_project_iam_member_remove.r', ['create'], null, { project: 'p', role: 'roles/run.invoker', member: SA }),
        change('google_project_iam_member_remove.old', ['delete'], { project: 'p', role: 'roles/run.invoker', member: 'allUsers' }, null),
      ]),
    );
    assert.deepEqual(out, [
      { kind: 'iam', form: 'member', resource: 'projects/p', remove: [{ role: 'roles/run.invoker', members: [SA] }], add: [], provenance: { address: 'google_project_iam_member_remove.r', action: 'create' } },
    ]);
  });

  test('no-op, read and data sources change nothing', () => {
    const member = runMember('p', 'orders', 'roles/run.invoker', 'allUsers');
    const read = change('google_cloud_run_v2_service_iam_policy.x', ['read'], null, { policy_data: '{"bindings":[{"role":"roles/run.invoker","members":["allUsers"]}]}' });
    const data = { ...change('google_cloud_run_v2_service_iam_policy.y', ['create'], null, read.change.after as Record<string, unknown>), mode: 'data' as const, address: 'data.google_cloud_run_v2_service_iam_policy.y' };
    assert.deepEqual(changesOf(plan([change('google_cloud_run_v2_service_iam_member.a', ['no-op'], member, member), read, data])), []);
  });
});

describe('project: stated, provider default, or unknown', () => {
  test('the provider default applies only where the plan states it', () => {
    const after = runMember(undefined, 'orders', 'roles/run.invoker', SA);
    const withDefault = changesOf(plan([change('google_cloud_run_v2_service_iam_member.a', ['create'], null, after, { project: true })], { project: 'shop-prod' }));
    assert.equal((withDefault[0] as IamChange).resource, 'projects/shop-prod/locations/us-central1/services/orders');
    const without = changesOf(plan([change('google_cloud_run_v2_service_iam_member.a', ['create'], null, after, { project: true })]));
    assert.equal((without[0] as IamChange).resource, 'projects/*/locations/us-central1/services/orders');
  });

  test('a project computed from another resource stays unknown, even with a provider default', () => {
    const root = {
      resources: [
        { address: 'google_project_iam_member.a', mode: 'managed', type: 'google_project_iam_member', name: 'a', provider_config_key: 'google', expressions: { project: { references: ['google_project.new.project_id', 'google_project.new'] } } },
      ],
    };
    const out = changesOf(plan([change('google_project_iam_member.a', ['create'], null, { role: 'roles/run.invoker', member: SA }, { project: true })], { project: 'shop-prod', root }));
    assert.equal((out[0] as IamChange).resource, 'projects/*');
  });
});

describe('values known only after apply', () => {
  const saChange = (address: string, accountId: string, project?: string) =>
    change(address, ['create'], null, { account_id: accountId, ...(project ? { project } : {}), display_name: 'gw' }, { email: true, member: true, name: true, unique_id: true, ...(project ? {} : { project: true }) });

  test('a member referencing a google_service_account created in the same plan is that account', () => {
    const p = plan(
      [saChange('google_service_account.gw', 'gw', 'gw-host'), change('google_cloud_run_v2_service_iam_member.inv', ['create'], null, runMember('p', 'orders', 'roles/run.invoker', ''), { member: true })],
      {
        root: {
          resources: [
            { address: 'google_service_account.gw', mode: 'managed', type: 'google_service_account', name: 'gw', provider_config_key: 'google' },
            {
              address: 'google_cloud_run_v2_service_iam_member.inv',
              mode: 'managed',
              type: 'google_cloud_run_v2_service_iam_member',
              name: 'inv',
              provider_config_key: 'google',
              expressions: { member: { references: ['google_service_account.gw.email', 'google_service_account.gw'] } },
            },
          ],
        },
      },
    );
    const iam = changesOf(p)[0] as IamChange;
    assert.deepEqual(iam.add, [{ role: 'roles/run.invoker', members: ['serviceAccount:gw@gw-host.iam.gserviceaccount.com'] }]);
  });

  test('in a module instance (for_each), the account of the same instance; its project from the provider default', () => {
    const members = (key: string) => change(`module.api["${key}"].google_cloud_run_v2_service_iam_member.inv`, ['create'], null, runMember('p', key, 'roles/run.invoker', ''), { member: true });
    const p = plan([saChange('module.api["orders"].google_service_account.gw', 'orders-gw'), saChange('module.api["billing"].google_service_account.gw', 'billing-gw'), members('orders'), members('billing')], {
      project: 'gw-host',
      root: {
        module_calls: {
          api: {
            source: './modules/api',
            module: {
              resources: [
                {
                  address: 'google_cloud_run_v2_service_iam_member.inv',
                  mode: 'managed',
                  type: 'google_cloud_run_v2_service_iam_member',
                  name: 'inv',
                  provider_config_key: 'api:google',
                  expressions: { member: { references: ['google_service_account.gw.member', 'google_service_account.gw'] } },
                },
              ],
            },
          },
        },
      },
    });
    const adds = changesOf(p).map((c) => c.kind === 'iam' && [c.resource, c.add[0]?.members, c.provenance.address]);
    assert.deepEqual(adds, [
      ['projects/p/locations/us-central1/services/orders', ['serviceAccount:orders-gw@gw-host.iam.gserviceaccount.com'], 'module.api["orders"].google_cloud_run_v2_service_iam_member.inv'],
      ['projects/p/locations/us-central1/services/billing', ['serviceAccount:billing-gw@gw-host.iam.gserviceaccount.com'], 'module.api["billing"].google_cloud_run_v2_service_iam_member.inv'],
    ]);
  });

  test('any other unknown member, role or target becomes a placeholder', () => {
    const out = changesOf(
      plan([
        change('google_cloud_run_v2_service_iam_member.a', ['create'], null, runMember('p', 'orders', '', ''), { member: true, role: true }),
        change('google_cloud_run_v2_service_iam_binding.b', ['create'], null, { project: 'p', location: 'us-central1', name: 'orders', role: 'roles/run.invoker', members: ['allUsers', null] }, { members: [false, true] }),
        change('google_cloud_run_v2_service_iam_member.c', ['create'], null, { project: 'p', location: 'us-central1', role: 'roles/run.invoker', member: 'allUsers' }, { name: true }),
        change('google_cloud_run_v2_service_iam_policy.d', ['create'], null, { project: 'p', location: 'us-central1', name: 'orders' }, { policy_data: true }),
      ]),
    );
    assert.deepEqual(
      out.map((c) => c.kind === 'iam' && [c.resource, c.add, c.unknownPolicy ?? false]),
      [
        ['projects/p/locations/us-central1/services/orders', [{ role: UNKNOWN_ROLE, members: [UNKNOWN_MEMBER] }], false],
        ['projects/p/locations/us-central1/services/orders', [{ role: 'roles/run.invoker', members: ['allUsers', UNKNOWN_MEMBER] }], false],
        ['projects/p/locations/us-central1/services/*', [{ role: 'roles/run.invoker', members: ['allUsers'] }], false],
        ['projects/p/locations/us-central1/services/orders', [], true],
      ],
    );
  });
});

describe('backends, roles, deny policies', () => {
  test('Cloud Run v2 and v1 settings; functions; delete', () => {
    const out = changesOf(
      plan([
        change('google_cloud_run_v2_service.orders', ['update'], { project: 'p', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL' }, {
          project: 'p',
          location: 'us-central1',
          name: 'orders',
          ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
          invoker_iam_disabled: true,
          default_uri_disabled: false,
          custom_audiences: ['orders-api'],
        }),
        change('google_cloud_run_service.legacy', ['create'], null, { project: 'p', location: 'us-central1', name: 'legacy', metadata: [{ annotations: { 'run.googleapis.com/ingress': 'internal-and-cloud-load-balancing', 'run.googleapis.com/invoker-iam-disabled': 'true' } }] }),
        change('google_cloudfunctions_function.hello', ['create'], null, { project: 'p', region: 'us-central1', name: 'hello', ingress_settings: 'ALLOW_INTERNAL_ONLY', trigger_http: true }),
        change('google_cloudfunctions2_function.hi', ['delete'], { project: 'p', location: 'us-central1', name: 'hi', service_config: [{ ingress_settings: 'ALLOW_ALL' }] }, null),
      ]),
    );
    assert.deepEqual(out, [
      {
        kind: 'run-service',
        resource: 'projects/p/locations/us-central1/services/orders',
        provenance: { address: 'google_cloud_run_v2_service.orders', action: 'update' },
        created: false,
        after: { ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', invokerIamDisabled: true, defaultUriDisabled: false, customAudiences: ['orders-api'] },
      },
      {
        kind: 'run-service',
        resource: 'projects/p/locations/us-central1/services/legacy',
        provenance: { address: 'google_cloud_run_service.legacy', action: 'create' },
        created: true,
        after: { ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER', invokerIamDisabled: true },
      },
      {
        kind: 'function',
        resource: 'projects/p/locations/us-central1/functions/hello',
        generation: 1,
        provenance: { address: 'google_cloudfunctions_function.hello', action: 'create' },
        created: true,
        after: { ingressSettings: 'ALLOW_INTERNAL_ONLY' },
      },
      { kind: 'function', resource: 'projects/p/locations/us-central1/functions/hi', generation: 2, provenance: { address: 'google_cloudfunctions2_function.hi', action: 'delete' }, created: false },
    ]);
  });

  test('custom roles and deny policies', () => {
    const out = changesOf(
      plan([
        change('google_project_iam_custom_role.caller', ['update'], { project: 'p', role_id: 'caller', permissions: ['run.routes.invoke'] }, { project: 'p', role_id: 'caller', permissions: ['run.services.get'], stage: 'GA' }),
        change('google_organization_iam_custom_role.gone', ['delete'], { org_id: '1000', role_id: 'gone', permissions: ['run.routes.invoke'] }, null),
        change('google_iam_deny_policy.block', ['create'], null, {
          parent: 'cloudresourcemanager.googleapis.com%2Fprojects%2Fp',
          name: 'block-invoke',
          display_name: 'block',
          rules: [{ description: 'x', deny_rule: [{ denied_principals: ['principalSet://goog/public:all'], denied_permissions: ['run.googleapis.com/routes.invoke'], exception_principals: [], denial_condition: [] }] }],
        }),
      ]),
    );
    assert.deepEqual(out, [
      { kind: 'role', name: 'projects/p/roles/caller', permissions: ['run.services.get'], stage: 'GA', provenance: { address: 'google_project_iam_custom_role.caller', action: 'update' } },
      { kind: 'role', name: 'organizations/1000/roles/gone', provenance: { address: 'google_organization_iam_custom_role.gone', action: 'delete' } },
      {
        kind: 'deny',
        attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/p',
        name: 'block-invoke',
        policy: {
          name: 'block-invoke',
          displayName: 'block',
          rules: [{ deniedPrincipals: ['principalSet://goog/public:all'], exceptionPrincipals: [], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPermissions: [] }],
        },
        provenance: { address: 'google_iam_deny_policy.block', action: 'create' },
      },
    ]);
  });
});

describe('deposed objects, unreadable policies, hostile shapes', () => {
  test('a deposed object’s delete does not take away what the current object at that address holds', () => {
    const member = (m: string) => ({ project: 'p', location: 'us-central1', name: 'orders', role: 'roles/run.invoker', member: m, condition: [] });
    const out = changesOf(
      plan([
        change('google_cloud_run_v2_service_iam_member.m', ['no-op'], member(SA), member(SA)),
        change('google_cloud_run_v2_service_iam_member.m', ['delete'], member(SA), null, {}, { deposed: 'aa11' }),
        change('google_cloud_run_v2_service_iam_member.n', ['no-op'], member('allUsers'), member('allUsers')),
        change('google_cloud_run_v2_service_iam_member.n', ['delete'], member('group:old@example.com'), null, {}, { deposed: 'bb22' }),
      ]),
    );
    assert.deepEqual(
      out.map((c) => c.kind === 'iam' && [c.provenance.action, c.remove]),
      [
        ['delete deposed aa11', []],
        ['delete deposed bb22', [{ role: 'roles/run.invoker', members: ['group:old@example.com'] }]],
      ],
    );
  });

  test('policy_data that is not a policy is a policy known only after apply, never an empty one', () => {
    for (const policy_data of ['not json', '[]', '{"bindings": 3}']) {
      const [c] = changesOf(plan([change('google_project_iam_policy.p', ['create'], null, { project: 'p', policy_data })]));
      assert.equal((c as IamChange).unknownPolicy, true, policy_data);
    }
  });

  test('any JSON in the places a plan holds objects never throws and yields only well-formed changes', async () => {
    const fc = (await import('fast-check')).default;
    const anything = fc.anything({ maxDepth: 3 });
    const rc = fc.record({
      address: fc.oneof(fc.constantFrom('google_project_iam_member.a', 'module.x["k"].google_cloud_run_v2_service_iam_binding.b[0]', 'google_iam_deny_policy.d'), anything),
      mode: fc.constantFrom('managed', 'data', 3),
      type: fc.oneof(fc.constantFrom('google_project_iam_member', 'google_cloud_run_v2_service_iam_binding', 'google_iam_deny_policy', 'google_cloud_run_v2_service', 'google_project_iam_custom_role', 'google_project_iam_policy'), anything),
      deposed: fc.option(anything),
      change: fc.oneof(anything, fc.record({ actions: fc.oneof(fc.constantFrom(['create'], ['delete'], ['update'], ['delete', 'create']), anything), before: anything, after: anything, after_unknown: anything })),
    });
    fc.assert(
      fc.property(fc.array(rc, { maxLength: 6 }), anything, anything, (changes, configuration, extra) => {
        const p = { format_version: '1.2', resource_changes: changes, configuration, extra } as unknown as TerraformPlan;
        for (const c of changesOf(p)) {
          assert.equal(typeof c.provenance.address, 'string');
          if (c.kind === 'iam') assert.ok(c.add.every((b) => typeof b.role === 'string' && b.members.every((m) => typeof m === 'string')));
        }
      }),
      { numRuns: 300 },
    );
  });
});

test('a provider whose project is a root variable: the plan states its value', () => {
  const p = plan([change('google_project_iam_member.a', ['create'], null, { role: 'roles/run.invoker', member: SA }, { project: true })]);
  const withVar = {
    ...p,
    variables: { project_id: { value: 'shop-prod' } },
    configuration: { ...p.configuration, provider_config: { google: { name: 'google', expressions: { project: { references: ['var.project_id'] } } } } },
  } as TerraformPlan;
  assert.equal((changesOf(withVar)[0] as IamChange).resource, 'projects/shop-prod');
  const inModule = {
    ...withVar,
    configuration: { ...withVar.configuration, provider_config: { google: { name: 'google', module_address: 'module.x', expressions: { project: { references: ['var.project_id'] } } } } },
  } as TerraformPlan;
  assert.equal((changesOf(inModule)[0] as IamChange).resource, 'projects/*');
});

test('referencedAccount: the account an API config’s unknown service account stands for', async () => {
  const { referencedAccount } = await import('../../src/plan/changes.ts');
  const p = plan(
    [
      change('google_service_account.gw', ['create'], null, { account_id: 'api-gw', project: 'gw-host' }, { email: true }),
      change('google_api_gateway_api_config.cfg', ['create'], null, { api: 'shop', gateway_config: [{ backend_config: [{}] }] }, { gateway_config: [{ backend_config: [{ google_service_account: true }] }] }),
    ],
    { root: { resources: [{ address: 'google_service_account.gw', mode: 'managed', type: 'google_service_account', name: 'gw' }] } },
  );
  const expression = { references: ['google_service_account.gw.email', 'google_service_account.gw'] };
  assert.equal(referencedAccount(p, 'google_api_gateway_api_config.cfg', expression), 'api-gw@gw-host.iam.gserviceaccount.com');
  assert.equal(referencedAccount(p, 'google_api_gateway_api_config.cfg', { references: ['var.sa'] }), undefined);
});

test('a deposed service’s delete leaves the current service standing', () => {
  const svc = { project: 'p', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL' };
  assert.deepEqual(changesOf(plan([change('google_cloud_run_v2_service.orders', ['delete'], svc, null, {}, { deposed: 'cc33' })])), []);
});

test('a hostile address or deposed key is cut short where messages show it', () => {
  const long = `google_project_iam_member.${'x'.repeat(5000)}`;
  const [c] = changesOf(plan([{ ...change('google_project_iam_member.a', ['delete'], { project: 'p', role: 'roles/run.invoker', member: SA, condition: [] }, null, {}, { deposed: 'd'.repeat(5000) }), address: long }]));
  assert.equal(c?.provenance.address.length, 301);
  assert.ok((c?.provenance.action.length ?? 0) < 60);
});

test('a plan as Terraform 1.9 writes it: the member through a module’s for_each over a root variable is the account created there', async () => {
  const { readFile } = await import('node:fs/promises');
  const { FIXTURES } = await import('../e2e/harness.ts');
  const p = JSON.parse(await readFile(`${FIXTURES}/plans/orders-gateway.tfplan.json`, 'utf8')) as TerraformPlan;
  assert.deepEqual(
    changesOf(p).map((c) => c.kind === 'iam' && [c.provenance.address, c.provenance.action, c.resource, c.remove, c.add]),
    [
      [
        'module.orders.google_cloud_run_v2_service_iam_member.invoker["gateway"]',
        'create',
        'projects/shop-prod/locations/us-central1/services/orders',
        [],
        [{ role: 'roles/run.invoker', members: ['serviceAccount:orders-gw@gw-host.iam.gserviceaccount.com'] }],
      ],
      ['module.orders.google_cloud_run_v2_service_iam_member.invoker["public"]', 'delete', 'projects/shop-prod/locations/us-central1/services/orders', [{ role: 'roles/run.invoker', members: ['allUsers'] }], []],
    ],
  );
});
