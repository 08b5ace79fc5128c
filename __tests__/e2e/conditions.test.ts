/**
 * IAM conditions judged as IAM judges them (issue 17), end to end through dist/index.js against the fake
 * Google API: each false pass of the issue, and its passing twin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Binding, Policy, World, WorldTags } from '../fake-google/world.ts';
import { rulesOf, runAction, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const PROJECT = 'shop-prod';
const REGION = 'us-central1';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const ORDERS_FULL = `//run.googleapis.com/projects/${PROJECT}/locations/${REGION}/services/orders`;
const FAR = 'timestamp("2099-01-01T00:00:00Z")';
const PAST = 'timestamp("2020-01-01T00:00:00Z")';

const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', `  address: ${ORDERS}`, 'paths:', '  /x:', '    get:', '      responses: { "200": { description: ok } }', ''].join('\n');

interface Setup {
  projectBindings?: Binding[];
  serviceBindings?: Binding[];
  projectTags?: WorldTags;
  orgTags?: WorldTags;
  serviceTags?: WorldTags;
  denyCondition?: string;
  faults?: World['faults'];
}

const invoker = (expression: string, member = SA_MEMBER): Binding => ({ role: 'roles/run.invoker', members: [member], condition: { title: 'scoped', expression } });

function world(s: Setup): World {
  const service = (name: string, bindings: Binding[] = [], tags?: WorldTags) => ({
    name: `projects/${PROJECT}/locations/${REGION}/services/${name}`,
    uri: `https://${name}-abc123-uc.a.run.app`,
    urls: [`https://${name}-abc123-uc.a.run.app`],
    ingress: 'INGRESS_TRAFFIC_ALL',
    iamPolicy: { version: 3, bindings } as Policy,
    ...(tags ? { tags } : {}),
  });
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: { bindings: [] }, ...(s.orgTags ? { tags: s.orgTags } : {}) }],
    projects: [
      { projectId: PROJECT, projectNumber: '123456789012', parent: 'organizations/1000', iamPolicy: { version: 3, bindings: s.projectBindings ?? [] }, ...(s.projectTags ? { tags: s.projectTags } : {}) },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    runServices: [service('orders', s.serviceBindings, s.serviceTags), service('billing')],
    ...(s.denyCondition
      ? {
          denyPolicies: [
            {
              attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/123456789012',
              policies: [
                {
                  name: 'no-prod-invoke',
                  rules: [
                    {
                      denyRule: {
                        deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`],
                        deniedPermissions: ['run.googleapis.com/routes.invoke'],
                        denialCondition: { title: 'tagged prod', expression: s.denyCondition },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }
      : {}),
    ...(s.faults ? { faults: s.faults } : {}),
  };
}

function gate(s: Setup, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT, ...inputs }, files: { 'openapi.yaml': spec }, world: world(s) });
}

const message = (run: ActionRun): string => run.report?.findings.map((f) => f.message).join('\n') ?? '';
const tagCalls = (run: ActionRun) => run.requests.filter((r) => r.path === '/v3/effectiveTags');

test('a project grant scoped by resource.name never grants on Cloud Run: missing-invoker that says why', async () => {
  const run = await gate({ projectBindings: [invoker('resource.name.endsWith("/services/orders")')] });
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  assert.equal(run.code, 1);
  assert.match(message(run), /`resource\.name` is not provided by IAM for Cloud Run services, so `resource\.name\.endsWith\("\/services\/orders"\)` never holds: grant on the resource itself, or use a tag condition/);
  assert.equal(tagCalls(run).length, 0, 'no tag read for a condition without tags');
});

test('twin: the same grant on the service itself passes', async () => {
  const run = await gate({ serviceBindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER] }] });
  assert.deepEqual(rulesOf(run), []);
  assert.equal(run.code, 0);
});

test('an end date joined by && to resource.name never grants; the end date alone is conditional-grant with its end', async () => {
  const both = await gate({ projectBindings: [invoker(`request.time < ${FAR} && resource.name.endsWith("/services/orders")`)] });
  assert.deepEqual(rulesOf(both), ['missing-invoker:error']);
  const alone = await gate({ projectBindings: [invoker(`request.time < ${FAR}`)] });
  assert.deepEqual(rulesOf(alone), ['conditional-grant:warning']);
  assert.equal(alone.code, 0);
  assert.match(message(alone), /It ends at 2099-01-01T00:00:00\.000Z/);
});

test('a condition on another service name never grants either', async () => {
  const run = await gate({ projectBindings: [invoker('resource.name == "projects/shop-prod/locations/us-central1/services/billing"')] });
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
});

test('an expired end || resource.name is false for orders today: missing-invoker; a live end || resource.name grants until its end', async () => {
  const expired = await gate({ projectBindings: [invoker(`request.time < ${PAST} || resource.name.endsWith("/services/billing")`)] });
  assert.deepEqual(rulesOf(expired), ['missing-invoker:error']);
  assert.match(message(expired), /is false at the time of the check/);
  const live = await gate({ projectBindings: [invoker(`request.time < ${FAR} || resource.name.endsWith("/services/billing")`)] });
  assert.deepEqual(rulesOf(live), ['conditional-grant:warning']);
});

test('a tag condition the inherited tag does not match grants nothing, naming the effective value', async () => {
  const run = await gate({ projectBindings: [invoker('resource.matchTag("1000/env", "prod")')], projectTags: { '1000/env': 'staging' } });
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  assert.match(message(run), /effective tag 1000\/env=staging \(inherited/);
  const calls = tagCalls(run);
  assert.equal(calls.length, 1, 'tags read once for the resource');
  assert.equal(calls[0]?.query.parent, ORDERS_FULL);
});

test('twin: a tag condition that matches is a plain grant, no warning', async () => {
  const run = await gate({ projectBindings: [invoker('resource.matchTag("1000/env", "prod")')], orgTags: { '1000/env': 'prod' } });
  assert.deepEqual(rulesOf(run), []);
  assert.equal(run.code, 0);
});

test('a key bound on the service wins over the same key inherited from the project', async () => {
  const run = await gate({ projectBindings: [invoker('resource.matchTag("1000/env", "prod")')], projectTags: { '1000/env': 'staging' }, serviceTags: { '1000/env': 'prod' } });
  assert.deepEqual(rulesOf(run), []);
});

test('a deny rule whose condition matches the service tag applies for certain: missing-invoker; twin: no match, pass', async () => {
  const grant = [{ role: 'roles/run.invoker', members: [SA_MEMBER] }];
  const denied = await gate({ serviceBindings: grant, projectTags: { '1000/env': 'prod' }, denyCondition: 'resource.matchTag("1000/env", "prod")' });
  assert.deepEqual(rulesOf(denied), ['missing-invoker:error']);
  assert.match(message(denied), /denied run\.routes\.invoke by deny policy \S*no-prod-invoke when "tagged prod" \(its condition is true\)/);
  const other = await gate({ serviceBindings: grant, projectTags: { '1000/env': 'staging' }, denyCondition: 'resource.matchTag("1000/env", "prod")' });
  assert.deepEqual(rulesOf(other), []);
});

test('tags that cannot be read when a condition needs them: iam-unreadable', async () => {
  const run = await gate({
    projectBindings: [invoker('resource.matchTag("1000/env", "prod")')],
    projectTags: { '1000/env': 'prod' },
    faults: [{ method: 'GET', path: '^/v3/effectiveTags', status: 403 }],
  });
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  assert.match(message(run), /effective tags of \/\/run\.googleapis\.com\/projects\/shop-prod\/locations\/us-central1\/services\/orders/);
});

test('a quote inside a single-quoted string no longer hides an always-true || on a public grant (issue 16 item 7)', async () => {
  const hidden = `request.time < timestamp("2000-01-01T00:00:00Z") && '"'.size() == 1 || '"'.size() == 1`;
  const run = await gate({ serviceBindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER] }, invoker(hidden, 'allUsers')] });
  assert.deepEqual(rulesOf(run), ['public-access:error']);
  const expired = await gate({ serviceBindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER] }, invoker(`request.time < ${PAST}`, 'allUsers')] });
  assert.deepEqual(rulesOf(expired), []);
});

test('a time-of-day condition true now is conditional-grant with its schedule; false now is missing-invoker', async () => {
  const other = (new Date().getUTCHours() + 12) % 24;
  const onNow = await gate({ projectBindings: [invoker(`request.time.getHours("UTC") != ${other}`)] });
  assert.deepEqual(rulesOf(onNow), ['conditional-grant:warning']);
  assert.match(message(onNow), /holds only at certain times .* next false from /);
  const offNow = await gate({ projectBindings: [invoker(`request.time.getHours("UTC") == ${other}`)] });
  assert.deepEqual(rulesOf(offNow), ['missing-invoker:error']);
  assert.match(message(offNow), /conditional binding: roles\/run\.invoker on projects\/shop-prod does not grant: the condition "scoped" .* is false/);
});

/** App Engine behind IAP: shop-prod's app with an IAP accessor binding under `expression`. */
function appWorld(expression: string): World {
  const perms = ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'];
  return {
    organizations: [{ name: 'organizations/1000', iamPolicy: { bindings: [] } }],
    projects: [
      { projectId: PROJECT, projectNumber: '123456789012', parent: 'organizations/1000', iamPolicy: { bindings: [{ role: `projects/${PROJECT}/roles/gatewayAppEngine`, members: [SA_MEMBER] }] } },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    roles: [{ name: `projects/${PROJECT}/roles/gatewayAppEngine`, includedPermissions: perms, stage: 'GA' }],
    apps: [
      {
        id: PROJECT,
        locationId: 'us-central',
        defaultHostname: 'shop-prod.uc.r.appspot.com',
        iap: { enabled: true, oauth2ClientId: '123456789012-abc.apps.googleusercontent.com' },
        services: [{ id: 'default' }],
        iapPolicies: { [`projects/123456789012/iap_web/appengine-${PROJECT}`]: { version: 3, bindings: [{ role: 'roles/iap.httpsResourceAccessor', members: [SA_MEMBER], condition: { title: 'scoped', expression } }] } },
      },
    ],
  };
}

function gateApp(expression: string): Promise<ActionRun> {
  const appSpec = spec.replace(ORDERS, 'https://shop-prod.uc.r.appspot.com').replace('x-google-backend:', 'x-google-backend:\n  jwt_audience: 123456789012-abc.apps.googleusercontent.com');
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT }, files: { 'openapi.yaml': appSpec }, world: appWorld(expression) });
}

test('App Engine behind IAP: a path condition is decided per request (conditional-grant); resource.name never grants; resource.service does', async () => {
  const path = await gateApp('request.path.startsWith("/api/")');
  assert.deepEqual(rulesOf(path), ['conditional-grant:warning'], message(path));
  assert.match(message(path), /The condition "scoped" \(`request\.path\.startsWith\("\/api\/"\)`\) is decided by each request's own attributes: `request\.path\.startsWith\("\/api\/"\)`\./);
  const name = await gateApp('resource.name.startsWith("projects/")');
  assert.deepEqual(rulesOf(name), ['missing-iap-access:error']);
  assert.match(message(name), /`resource\.name` is not provided by IAM for App Engine behind IAP/);
  const service = await gateApp('resource.service == "iap.googleapis.com"');
  assert.deepEqual(rulesOf(service), []);
});
