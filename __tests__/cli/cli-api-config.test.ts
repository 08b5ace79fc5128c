// Needs runGate to read GateOptions.apiConfig (src/deployed/specs.ts deployedBackends) and GoogleCloud.apiGateway.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { DEPLOYED_WORLD, SA, runCli } from './harness.ts';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(DEPLOYED_WORLD);
});
after(async () => {
  await fake.close();
});

interface JsonReport {
  result: string;
  serviceAccount: string;
  specFiles: string[];
  findings: Array<{ rule: string; severity: string; file: string | null; line: number | null; resource: string | null; message: string }>;
  backends: Array<{ address: string; file: string; line: number; status: string }>;
}

async function check(name: string, ...extra: string[]): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const run = await runCli(['check', '--api-config', name, '-p', 'shop-prod', '-f', 'json', ...extra], { emulatorHost: fake.host });
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

test('a gateway: the config it serves is checked, with its own service account; all granted → exit 0', async () => {
  const { code, report, stderr } = await check('projects/gw-host/locations/us-central1/gateways/shop-gw');
  assert.equal(code, 0, JSON.stringify(report.findings));
  assert.equal(stderr, '');
  assert.equal(report.serviceAccount, SA);
  assert.deepEqual(report.specFiles, ['apis/shop/configs/shop-v1/openapi.yaml', 'apis/shop/configs/shop-v1/specs/inventory.yaml']);
  assert.deepEqual(report.backends.map((b) => `${b.file}:${b.line} ${b.status}`).sort(), [
    'apis/shop/configs/shop-v1/openapi.yaml:3 pass',
    'apis/shop/configs/shop-v1/specs/inventory.yaml:6 pass',
  ]);
});

test('an API: every config; the public backend of shop-v2 (account projects/P/serviceAccounts/ID) fails → exit 1', async () => {
  const { code, report } = await check('projects/gw-host/locations/global/apis/shop');
  assert.equal(code, 1);
  assert.equal(report.serviceAccount, SA);
  assert.equal(report.specFiles.length, 4);
  assert.deepEqual(report.findings.map((f) => `${f.rule}@${f.file}:${f.line}`).sort(), [
    'missing-invoker@apis/shop/configs/shop-v2/status.yaml:7',
    'public-access@apis/shop/configs/shop-v2/status.yaml:7',
  ]);
});

test('a config that cannot be read fails closed → exit 1 with iam-unreadable', async () => {
  for (const name of ['projects/other-team/locations/global/apis/shop/configs/v1', 'projects/gw-host/locations/global/apis/shop/configs/nope']) {
    const { code, report } = await check(name);
    assert.equal(code, 1, name);
    assert.deepEqual(report.findings.map((f) => `${f.rule}:${f.severity}:${f.resource}`), [`iam-unreadable:error:${name}`]);
    assert.equal(report.result, 'fail');
  }
});

test("--service-account does not replace the config's own account: a note on stderr", async () => {
  const { code, report, stderr } = await check('projects/gw-host/locations/global/apis/shop/configs/shop-v1', '-s', 'other@gw-host.iam.gserviceaccount.com');
  assert.equal(code, 0);
  assert.equal(report.serviceAccount, SA);
  assert.match(stderr, /^gateway-guard: note: API config .*shop-v1 runs as gw@gw-host\.iam\.gserviceaccount\.com: that is the account checked/);
});

test('a config without gatewayServiceAccount is checked as --service-account', async () => {
  const { code, report } = await check('projects/gw-host/locations/global/apis/bare/configs/bare-v1', '-s', SA);
  assert.equal(code, 0, JSON.stringify(report.findings));
  assert.equal(report.backends.length, 1);
  const without = await check('projects/gw-host/locations/global/apis/bare/configs/bare-v1');
  assert.equal(without.code, 1);
  assert.deepEqual(without.report.findings.map((f) => f.rule), ['iam-unreadable']);
});
