/** Unit tests of the Terraform style read from a plan's standing IAM resources (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standingIam } from '../../src/plan/changes.ts';
import { terraformStyles } from '../../src/plan/style.ts';
import type { Finding } from '../../src/types.ts';
import { change, plan } from './plans.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const ORDERS = 'projects/p/locations/us-central1/services/orders';
const finding: Finding = { rule: 'missing-invoker', severity: 'error', message: 'm', resource: ORDERS, permission: 'run.routes.invoke', account: SA, fix: 'gcloud …' };
const v1 = (role: string, extra: Record<string, unknown> = {}) => ({ project: 'p', location: 'us-central1', service: 'orders', role, members: ['user:a@example.com'], condition: [], ...extra });
const styleOf = (changes: ReturnType<typeof change>[], f: Finding = finding) => terraformStyles(standingIam([{ file: 'tfplan.json', dir: '.', plan: plan(changes, { project: 'p' }) }]))?.(f);

test('no IAM resource in the plan: no style (the defaults)', () => {
  assert.equal(terraformStyles([]), undefined);
  assert.equal(styleOf([change('google_cloud_run_v2_service.orders', ['no-op'], {}, {})]), undefined);
});

test('an unconditional binding of the role, changed or not, is authoritative; a deleted one, a conditional one or another role is not', () => {
  assert.deepEqual(styleOf([change('google_cloud_run_service_iam_binding.inv', ['no-op'], v1('roles/run.invoker'), v1('roles/run.invoker'))]), {
    runFamily: 'v1',
    authoritative: { address: 'google_cloud_run_service_iam_binding.inv', form: 'binding' },
  });
  assert.equal(styleOf([change('google_cloud_run_service_iam_binding.inv', ['delete'], v1('roles/run.invoker'), null)]), undefined);
  const conditional = v1('roles/run.invoker', { condition: [{ expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 't' }] });
  assert.equal(styleOf([change('google_cloud_run_service_iam_binding.inv', ['create'], null, conditional)])?.authoritative, undefined);
  const other = styleOf([change('module.iam.google_cloud_run_service_iam_binding.dev', ['no-op'], v1('roles/run.developer'), v1('roles/run.developer'))]);
  assert.deepEqual(other, { runFamily: 'v1', module: 'module.iam', near: { address: 'module.iam.google_cloud_run_service_iam_binding.dev' } });
});

test('a policy on the service is authoritative for every role; a policy on another service is not', () => {
  const policy = (name: string) => ({ project: 'p', location: 'us-central1', name, policy_data: '{"bindings":[]}' });
  assert.equal(styleOf([change('google_cloud_run_v2_service_iam_policy.o', ['update'], policy('orders'), policy('orders'))])?.authoritative?.form, 'policy');
  const elsewhere = styleOf([change('google_cloud_run_v2_service_iam_policy.b', ['update'], policy('billing'), policy('billing'))]);
  assert.equal(elsewhere?.authoritative, undefined);
  assert.equal(elsewhere?.runFamily, 'v2');
});

test('the family of the resources on the service wins over the rest of the project; findings without a grant fix get no style', () => {
  const member = (service: Record<string, string>) => ({ project: 'p', location: 'us-central1', ...service, role: 'roles/run.invoker', member: 'user:a@example.com', condition: [] });
  const changes = [
    change('google_cloud_run_v2_service_iam_member.a', ['no-op'], null, member({ name: 'a' })),
    change('google_cloud_run_v2_service_iam_member.b', ['no-op'], null, member({ name: 'b' })),
    change('module.legacy.google_cloud_run_service_iam_member.orders', ['create'], null, member({ service: 'orders' })),
  ];
  assert.deepEqual(styleOf(changes), { runFamily: 'v1', module: 'module.legacy', near: { address: 'module.legacy.google_cloud_run_service_iam_member.orders' } });
  assert.equal(styleOf(changes, { ...finding, rule: 'public-access', permission: undefined }), undefined);
});

test('a binding whose service is known only after apply is not taken as the one managing this service', () => {
  const binding = change('google_cloud_run_service_iam_binding.inv', ['create'], null, { project: 'p', location: 'us-central1', role: 'roles/run.invoker', members: ['user:a@example.com'], condition: [] }, { service: true });
  const style = styleOf([binding]);
  assert.equal(style?.authoritative, undefined);
  assert.equal(style?.runFamily, 'v1');
});
