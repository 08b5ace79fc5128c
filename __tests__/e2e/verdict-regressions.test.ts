/**
 * Security verdicts that a mutation sample (issue 16) showed no test would defend: each is judged end to
 * end (dist/index.js against the fake Google API), with a control proving the setup is the one intended.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { World } from '../fake-google/world.ts';
import { PROJECT, RUN_URI, SA, SERVICE, assertNoStack, findingsOf, passingWorld, runSpec, swagger } from '../hardening/helpers.ts';
import { rulesOf, why } from './harness.ts';

const SPEC = swagger(RUN_URI);
const CUSTOM = `projects/${PROJECT}/roles/publicInvoker`;
const PUBLIC_ALL = 'principalSet://goog/public:all';

/** orders: the account holds run.invoker; `extra` bindings are added to the service's policy. */
function world(extra: Array<{ role: string; members: string[]; condition?: { title?: string; expression: string } }>, more: Partial<World> = {}): World {
  const w = passingWorld(more);
  w.runServices![0]!.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }, ...extra] };
  return w;
}

function denyAll(condition?: { title: string; expression: string }, exceptionPrincipals: string[] = []): Partial<World> {
  return {
    denyPolicies: [
      {
        attachmentPoint: `cloudresourcemanager.googleapis.com/projects/${PROJECT}`,
        policies: [
          {
            name: 'no-public-invoke',
            rules: [
              {
                denyRule: {
                  deniedPrincipals: [PUBLIC_ALL],
                  deniedPermissions: ['run.googleapis.com/routes.invoke'],
                  ...(exceptionPrincipals.length ? { exceptionPrincipals } : {}),
                  ...(condition ? { denialCondition: condition } : {}),
                },
              },
            ],
          },
        ],
      },
    ],
  } as Partial<World>;
}

describe('an unreadable role bound to allUsers (the account granted elsewhere)', { concurrency: 2 }, () => {
  const bound = [{ role: CUSTOM, members: ['allUsers'] }];

  test('control: readable, the role holds run.routes.invoke: public-access', async () => {
    const run = await runSpec(SPEC, world(bound, { roles: [{ name: CUSTOM, includedPermissions: ['run.routes.invoke'], stage: 'GA' }] } as Partial<World>));
    assert.deepEqual(rulesOf(run), ['public-access:error'], why(run));
  });

  test('unreadable (403 on roles.get): iam-unreadable, public access cannot be ruled out; never a pass', async () => {
    const run = await runSpec(SPEC, world(bound, { roles: [{ name: CUSTOM, includedPermissions: ['run.routes.invoke'], stage: 'GA' }], faults: [{ path: `^/v1/${CUSTOM}$`, status: 403 }] } as Partial<World>));
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error'], why(run));
    assert.match(findingsOf(run, 'iam-unreadable')[0]?.message ?? '', /Cannot rule out public access/);
    assert.match(findingsOf(run, 'iam-unreadable')[0]?.message ?? '', /publicInvoker/);
    assertNoStack(run);
  });
});

describe('deny policies on principalSet://goog/public:all', { concurrency: 3 }, () => {
  const publicGrant = [{ role: 'roles/run.invoker', members: ['allUsers'] }];

  test('control: an unconditional deny of everyone takes the public grant away (and the account\'s too)', async () => {
    const run = await runSpec(SPEC, world(publicGrant, denyAll()));
    assert.ok(!rulesOf(run).includes('public-access:error'), why(run));
    assert.deepEqual(findingsOf(run, 'missing-invoker').map((f) => /denied run\.routes\.invoke by deny policy/.test(f.message)), [true], why(run));
  });

  test('a conditional deny of everyone does not hide public-access', async () => {
    const condition = { title: 'only tagged', expression: "resource.matchTag('123/env', 'prod')" };
    const run = await runSpec(SPEC, world(publicGrant, denyAll(condition)));
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('public-access:error'), why(run));
    assert.match(findingsOf(run, 'public-access')[0]?.message ?? '', /allUsers holds roles\/run\.invoker/);
  });

  test('a deny of everyone with exception principals does not hide public-access', async () => {
    const run = await runSpec(SPEC, world(publicGrant, denyAll(undefined, ['principalSet://goog/group/partners@example.com'])));
    assert.equal(run.code, 1, why(run));
    assert.ok(rulesOf(run).includes('public-access:error'), why(run));
  });
});

test('a member spelled in capitals is the same account (IAM compares emails case-insensitively)', async () => {
  const w = passingWorld();
  w.runServices![0]!.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA.toUpperCase()}`] }] };
  const run = await runSpec(SPEC, w);
  assert.equal(run.code, 0, why(run));
  assert.deepEqual(rulesOf(run), []);
  assert.equal(run.report?.backends[0]?.resource, SERVICE);
});

test('a bare access token in a Google error message (access_token=ya29…) reaches no output', async () => {
  const token = 'ya29.a0AfH6SMBx-Planted_Value.0123456789abcdef';
  const w = passingWorld({ faults: [{ path: `^/v2/${SERVICE}:getIamPolicy$`, status: 403, message: `Request had invalid access_token=${token} (marker-7731)` }] } as Partial<World>);
  const run = await runSpec(SPEC, w);
  assert.equal(run.code, 1, why(run));
  const report = JSON.stringify(run.report);
  assert.ok(report.includes('marker-7731'), `control: Google's message reaches the report\n${report}`);
  for (const [where, text] of Object.entries({ stdout: run.stdout, stderr: run.stderr, summary: run.summary, report })) {
    assert.ok(!text.includes('Planted_Value') && !text.includes('a0AfH6SMBx'), `${where} carries the token`);
  }
});
