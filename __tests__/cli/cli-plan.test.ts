/** The CLI with `--terraform-plan FILE` (repeatable): the same planned-state verdicts as the action. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { change, plan } from '../plan/plans.ts';
import { DEPLOYED_WORLD, SA, runCli, spec } from './harness.ts';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(DEPLOYED_WORLD);
});
after(async () => {
  await fake.close();
});

const member = (m: string) => ({ project: 'shop-prod', location: 'us-central1', name: 'status', role: 'roles/run.invoker', member: m, condition: [] });

test('two plans, one removing the public grant and one adding the gateway’s, turn the public backend into a pass', async () => {
  const files = {
    'openapi.yaml': spec(true),
    'infra/a.json': JSON.stringify(plan([change('google_cloud_run_v2_service_iam_member.public', ['delete'], member('allUsers'), null)])),
    'infra/b.json': JSON.stringify(plan([change('google_cloud_run_v2_service_iam_member.gateway', ['create'], null, member(`serviceAccount:${SA}`))])),
  };
  const live = await runCli(['check', 'openapi.yaml', '-s', SA, '-p', 'shop-prod', '--format', 'json'], { files, emulatorHost: fake.host });
  assert.equal(live.code, 1, live.stderr);
  const run = await runCli(['check', 'openapi.yaml', '-s', SA, '-p', 'shop-prod', '--terraform-plan', 'infra/a.json', '--terraform-plan', 'infra/b.json', '--format', 'json'], { files, emulatorHost: fake.host });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as { result: string; terraformPlans: string[]; findings: unknown[] };
  assert.equal(report.result, 'pass');
  assert.deepEqual(report.terraformPlans, ['infra/a.json', 'infra/b.json']);
  assert.deepEqual(report.findings, []);
  const one = await runCli(['check', 'openapi.yaml', '-s', SA, '-p', 'shop-prod', '--terraform-plan', 'infra/a.json'], { files, emulatorHost: fake.host });
  assert.equal(one.code, 1);
  assert.match(one.stdout, /missing-invoker/);
  assert.doesNotMatch(one.stdout, /public-access/);
});
