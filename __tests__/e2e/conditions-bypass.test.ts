/**
 * Conditions written to slip past the evaluator (an audit after issue 17), end to end through
 * dist/index.js against the fake Google API: a public grant that holds later, and `request`/`resource`
 * read other than by a plain field or tag function.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Binding, World, WorldTags } from '../fake-google/world.ts';
import { rulesOf, runAction, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const PROJECT = 'shop-prod';
const REGION = 'us-central1';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const FAR = 'timestamp("2099-01-01T00:00:00Z")';

const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', `  address: ${ORDERS}`, 'paths:', '  /x:', '    get:', '      responses: { "200": { description: ok } }', ''].join('\n');

const own: Binding = { role: 'roles/run.invoker', members: [SA_MEMBER] };
const invoker = (expression: string, member = SA_MEMBER): Binding => ({ role: 'roles/run.invoker', members: [member], condition: { title: 'scoped', expression } });

function world(serviceBindings: Binding[], projectTags?: WorldTags, denyCondition?: string): World {
  return {
    ...(denyCondition
      ? {
          denyPolicies: [
            {
              attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/123456789012',
              policies: [
                {
                  name: 'nightly-freeze',
                  rules: [
                    {
                      denyRule: {
                        deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`],
                        deniedPermissions: ['run.googleapis.com/routes.invoke'],
                        denialCondition: { title: 'freeze', expression: denyCondition },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }
      : {}),
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: { bindings: [] } }],
    projects: [
      { projectId: PROJECT, projectNumber: '123456789012', parent: 'organizations/1000', iamPolicy: { version: 3, bindings: [] }, ...(projectTags ? { tags: projectTags } : {}) },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    runServices: [
      {
        name: `projects/${PROJECT}/locations/${REGION}/services/orders`,
        uri: ORDERS,
        urls: [ORDERS],
        ingress: 'INGRESS_TRAFFIC_ALL',
        iamPolicy: { version: 3, bindings: serviceBindings },
      },
    ],
  };
}

function gate(serviceBindings: Binding[], projectTags?: WorldTags, denyCondition?: string): Promise<ActionRun> {
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT }, files: { 'openapi.yaml': spec }, world: world(serviceBindings, projectTags, denyCondition) });
}

const message = (run: ActionRun): string => run.report?.findings.map((f) => f.message).join('\n') ?? '';

test('a public grant false now but true at another hour of the day is public-access, with when it opens', async () => {
  const other = (new Date().getUTCHours() + 12) % 24;
  const run = await gate([own, invoker(`request.time.getHours("UTC") == ${other}`, 'allUsers')]);
  assert.deepEqual(rulesOf(run), ['public-access:error']);
  assert.match(message(run), /Its condition is false now, but holds from \d{4}-\d\d-\d\dT/);
});

test('a public grant that starts in a month is public-access; one that ended is not', async () => {
  const start = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const starts = await gate([own, invoker(`request.time >= timestamp("${start}")`, 'allUsers')]);
  assert.deepEqual(rulesOf(starts), ['public-access:error']);
  const ended = await gate([own, invoker('request.time < timestamp("2020-01-01T00:00:00Z")', 'allUsers')]);
  assert.deepEqual(rulesOf(ended), []);
});

test('request.time read by index or through a macro is still time-bound: conditional-grant, not a plain pass', async () => {
  for (const expression of [`request["time"] < ${FAR}`, `[request].exists(r, r.time < ${FAR})`]) {
    const run = await gate([invoker(expression)]);
    assert.deepEqual(rulesOf(run), ['conditional-grant:warning'], expression);
    assert.match(message(run), /It ends at 2099-01-01T00:00:00\.000Z/);
  }
});

test('a tag function called on resource through a macro reads the tags: a public grant under it is public-access', async () => {
  const expression = '[resource].exists(r, r.matchTag("1000/env", "prod"))';
  const prod = await gate([own, invoker(expression, 'allUsers')], { '1000/env': 'prod' });
  assert.deepEqual(rulesOf(prod), ['public-access:error']);
  const staging = await gate([own, invoker(expression, 'allUsers')], { '1000/env': 'staging' });
  assert.deepEqual(rulesOf(staging), []);
});

test('a public grant at one minute of one hour, false now, is public-access; under a condition beyond the checker, iam-unreadable', async () => {
  const hour = (new Date().getUTCHours() + 12) % 24;
  const daily = await gate([own, invoker(`request.time.getHours("UTC") == ${hour} && request.time.getMinutes() == 30`, 'allUsers')]);
  assert.deepEqual(rulesOf(daily), ['public-access:error']);
  const nested = await gate([own, invoker('[1].all(a, [1].all(b, [1].all(c, true)))', 'allUsers')]);
  assert.deepEqual(rulesOf(nested), ['iam-unreadable:error']);
  assert.match(message(nested), /Cannot rule out public access .* could not be evaluated here/);
});

test('a deny rule on the account false now but true at another hour is conditional-grant (an outage waiting to happen); one that ended is not', async () => {
  const other = (new Date().getUTCHours() + 12) % 24;
  const nightly = await gate([own], undefined, `request.time.getHours("UTC") == ${other}`);
  assert.deepEqual(rulesOf(nightly), ['conditional-grant:warning']);
  assert.match(message(nightly), /denypolicies\/nightly-freeze when "freeze" \(its condition is false now but holds from \d{4}-/);
  const ended = await gate([own], undefined, 'request.time < timestamp("2020-01-01T00:00:00Z")');
  assert.deepEqual(rulesOf(ended), []);
});
