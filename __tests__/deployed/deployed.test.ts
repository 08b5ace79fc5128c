import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deployedBackends, documentFile, isDeployedName, loadDeployed, parseDeployedName } from '../../src/deployed/index.ts';
import { ApiGatewayApi } from '../../src/gcp/api-gateway.ts';
import { clientOptions } from '../../src/gcp/client-options.ts';
import { GoogleCloud } from '../../src/gcp/google-cloud.ts';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';

const WORLD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/worlds/deployed-configs.yaml');
const SA = 'gw@gw-host.iam.gserviceaccount.com';
const API = 'projects/gw-host/locations/global/apis';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(WORLD, { pageSize: 1 });
});
after(async () => {
  await fake.close();
});

/** Fresh clients per test (no cache shared between tests), fast retries. */
function clients(): { apiGateway: ApiGatewayApi; iam: GoogleCloud['iam'] } {
  const google = new GoogleCloud({ emulatorHost: fake.host, backoffMs: 1, maxAttempts: 2 });
  return { apiGateway: new ApiGatewayApi(google.executor, clientOptions(fake.host)), iam: google.iam };
}

test('a config with several documents: both decoded, with their paths and the service account email', async () => {
  fake.requests.length = 0;
  const read = await loadDeployed(clients().apiGateway, `${API}/shop/configs/shop-v1`);
  assert.deepEqual(read.findings, []);
  assert.equal(read.configs.length, 1);
  const [config] = read.configs;
  assert.equal(config?.name, `${API}/shop/configs/shop-v1`);
  assert.equal(config?.serviceAccount, SA);
  assert.deepEqual(config?.documents.map((d) => d.path), ['openapi.yaml', 'specs/inventory.yaml']);
  assert.match(config?.documents[0]?.text ?? '', /^swagger: "2.0"\n/);
  assert.match(config?.documents[1]?.text ?? '', /^openapi: 3\.0\.3\n/);
  assert.deepEqual(
    fake.requests.map((r) => [r.methodId, r.query.view]),
    [['apigateway.projects.locations.apis.configs.get', 'FULL']],
  );
});

test('deployedBackends: backends of every document, findings files prefixed with the config', async () => {
  const source = await deployedBackends(clients(), `${API}/shop/configs/shop-v1`);
  assert.deepEqual(source.findings, []);
  assert.deepEqual(source.files, ['apis/shop/configs/shop-v1/openapi.yaml', 'apis/shop/configs/shop-v1/specs/inventory.yaml']);
  assert.deepEqual(
    source.backends.map((b) => [b.file, b.line, b.address, b.operations]),
    [
      ['apis/shop/configs/shop-v1/openapi.yaml', 3, 'https://orders-abc123-uc.a.run.app', ['GET /orders']],
      ['apis/shop/configs/shop-v1/specs/inventory.yaml', 6, 'https://inventory-123456789012.us-central1.run.app', ['GET /items']],
    ],
  );
  assert.equal(source.serviceAccount, SA);
  assert.equal(source.accountFor('apis/shop/configs/shop-v1/openapi.yaml'), SA);
  assert.deepEqual(source.configs, [`${API}/shop/configs/shop-v1`]);
  assert.deepEqual(source.notes, []);
});

test('a service account given as projects/P/serviceAccounts/UNIQUE_ID is resolved to its email', async () => {
  fake.requests.length = 0;
  const source = await deployedBackends(clients(), `${API}/shop/configs/shop-v2`);
  assert.deepEqual(source.findings, []);
  assert.equal(source.serviceAccount, SA);
  // The absolute upload path loses its leading slash; the document stays recognisable.
  assert.deepEqual(source.files, ['apis/shop/configs/shop-v2/workspace/openapi.yaml', 'apis/shop/configs/shop-v2/status.yaml']);
  assert.equal(source.accountFor('apis/shop/configs/shop-v2/status.yaml'), SA);
  assert.ok(fake.requests.some((r) => r.methodId === 'iam.projects.serviceAccounts.get' && r.path.endsWith('/112233445566778899001')));
});

test('projects/P/accounts/UNIQUE_ID (the form API Gateway shows) resolves too; document problems point at the document line', async () => {
  const source = await deployedBackends(clients(), `${API}/legacy/configs/legacy-v1`);
  assert.equal(source.serviceAccount, SA);
  assert.equal(source.backends.length, 0);
  assert.equal(source.findings.length, 1);
  const [finding] = source.findings;
  assert.equal(finding?.rule, 'invalid-spec');
  assert.equal(finding?.file, 'apis/legacy/configs/legacy-v1/openapi.yaml');
  assert.equal(finding?.line, 7);
});

test('a config that does not exist fails closed with iam-unreadable (not found)', async () => {
  const name = `${API}/shop/configs/nope`;
  const read = await loadDeployed(clients().apiGateway, name);
  assert.deepEqual(read.configs, []);
  assert.equal(read.findings.length, 1);
  const [finding] = read.findings;
  assert.equal(finding?.rule, 'iam-unreadable');
  assert.equal(finding?.severity, 'error');
  assert.equal(finding?.resource, name);
  assert.match(finding?.message ?? '', /not found/);
  assert.match(finding?.fix ?? '', /roles\/apigateway\.viewer/);
});

test('a config that cannot be read (403) fails closed and names the permission needed', async () => {
  const name = 'projects/other-team/locations/global/apis/shop/configs/v1';
  const read = await loadDeployed(clients().apiGateway, name);
  assert.deepEqual(read.configs, []);
  assert.equal(read.findings[0]?.rule, 'iam-unreadable');
  assert.match(read.findings[0]?.message ?? '', /apigateway\.apiconfigs\.get/);
  assert.match(read.findings[0]?.message ?? '', /PERMISSION_DENIED/);
});

test('an API: every config (all pages of the list), each read in full', async () => {
  fake.requests.length = 0;
  const source = await deployedBackends(clients(), `${API}/shop`);
  assert.deepEqual(source.configs.sort(), [`${API}/shop/configs/shop-v1`, `${API}/shop/configs/shop-v2`]);
  assert.equal(source.files.length, 4);
  assert.equal(source.backends.length, 4);
  assert.equal(source.serviceAccount, SA);
  const lists = fake.requests.filter((r) => r.methodId === 'apigateway.projects.locations.apis.configs.list');
  assert.equal(lists.length, 2, 'page size 1: two pages');
  const gets = fake.requests.filter((r) => r.methodId === 'apigateway.projects.locations.apis.configs.get');
  assert.equal(gets.length, 2);
  assert.ok(gets.every((r) => r.query.view === 'FULL'));
});

test('an API that cannot be listed (403) fails closed', async () => {
  const read = await loadDeployed(clients().apiGateway, 'projects/other-team/locations/global/apis/shop');
  assert.equal(read.findings[0]?.rule, 'iam-unreadable');
  assert.match(read.findings[0]?.message ?? '', /apigateway\.apiconfigs\.list/);
});

test('an API without any config is not a pass: invalid-spec', async () => {
  const read = await loadDeployed(clients().apiGateway, `${API}/empty`);
  assert.deepEqual(read.configs, []);
  assert.equal(read.findings[0]?.rule, 'invalid-spec');
  assert.match(read.findings[0]?.message ?? '', /has no config/);
});

test('a gateway: the config it serves (named with the project number)', async () => {
  const source = await deployedBackends(clients(), 'projects/gw-host/locations/us-central1/gateways/shop-gw');
  assert.deepEqual(source.findings, []);
  assert.equal(source.configs.length, 1);
  assert.match(source.configs[0] ?? '', /\/apis\/shop\/configs\/shop-v1$/);
  assert.deepEqual(source.files, ['apis/shop/configs/shop-v1/openapi.yaml', 'apis/shop/configs/shop-v1/specs/inventory.yaml']);
});

test('a gateway whose config is gone, and a gateway that does not exist, fail closed', async () => {
  const idle = await loadDeployed(clients().apiGateway, 'projects/gw-host/locations/europe-west1/gateways/idle-gw');
  assert.equal(idle.findings[0]?.rule, 'iam-unreadable');
  assert.match(idle.findings[0]?.resource ?? '', /configs\/deleted-v0$/);
  const missing = await loadDeployed(clients().apiGateway, 'projects/gw-host/locations/us-central1/gateways/nope');
  assert.equal(missing.findings[0]?.rule, 'iam-unreadable');
  assert.match(missing.findings[0]?.message ?? '', /apigateway\.gateways\.get|not found/);
});

test('a gRPC config is reported as not checked (warning)', async () => {
  const source = await deployedBackends(clients(), `${API}/grpc/configs/grpc-v1`);
  assert.deepEqual(source.files, []);
  assert.deepEqual(source.findings.map((f) => `${f.rule}:${f.severity}`), ['unsupported-backend:warning']);
});

test('a config without gatewayServiceAccount uses the service-account input, else fails closed', async () => {
  const name = `${API}/bare/configs/bare-v1`;
  const without = await deployedBackends(clients(), name);
  assert.equal(without.backends.length, 0);
  assert.deepEqual(without.findings.map((f) => f.rule), ['iam-unreadable']);
  assert.match(without.findings[0]?.message ?? '', /declares no gatewayServiceAccount/);
  const other = 'other@gw-host.iam.gserviceaccount.com';
  const withInput = await deployedBackends(clients(), name, other);
  assert.deepEqual(withInput.findings, []);
  assert.equal(withInput.backends.length, 1);
  assert.equal(withInput.accountFor('apis/bare/configs/bare-v1/openapi.yaml'), other);
  assert.equal(withInput.serviceAccount, other);
});

test("the config's own service account wins over the input, with a note", async () => {
  const source = await deployedBackends(clients(), `${API}/shop/configs/shop-v1`, 'other@gw-host.iam.gserviceaccount.com');
  assert.equal(source.accountFor('apis/shop/configs/shop-v1/openapi.yaml'), SA);
  assert.equal(source.notes.length, 1);
  assert.match(source.notes[0] ?? '', /not the service-account input/);
  const same = await deployedBackends(clients(), `${API}/shop/configs/shop-v2`, SA);
  assert.deepEqual(same.notes, []);
});

test('a gatewayServiceAccount that cannot be resolved fails closed; its backends are not checked', async () => {
  const source = await deployedBackends(clients(), `${API}/ghost/configs/ghost-v1`);
  assert.equal(source.backends.length, 0);
  assert.deepEqual(source.findings.map((f) => f.rule), ['iam-unreadable']);
  assert.match(source.findings[0]?.message ?? '', /iam\.serviceAccounts\.get|not found/i);
  assert.match(source.findings[0]?.fix ?? '', /roles\/iam\.serviceAccountViewer/);
});

test('a malformed name is an invalid-spec finding and asks Google nothing', async () => {
  fake.requests.length = 0;
  const read = await loadDeployed(clients().apiGateway, 'projects/gw-host/locations/us-central1/apis/shop');
  assert.deepEqual(read.configs, []);
  assert.equal(read.findings[0]?.rule, 'invalid-spec');
  assert.match(read.findings[0]?.message ?? '', /location "global"/);
  assert.equal(fake.requests.length, 0);
});

test('isDeployedName / parseDeployedName accept the three forms only', () => {
  assert.deepEqual(parseDeployedName(`${API}/shop/configs/shop-v1`), {
    kind: 'config', name: `${API}/shop/configs/shop-v1`, project: 'gw-host', api: 'shop', config: 'shop-v1',
  });
  assert.equal(parseDeployedName('projects/210987654321/locations/global/apis/shop')?.kind, 'api');
  assert.equal(parseDeployedName('projects/gw-host/locations/us-central1/gateways/shop-gw')?.kind, 'gateway');
  for (const bad of [
    '',
    'shop-v1',
    'projects/gw-host/locations/global/apis/shop/configs/',
    'projects/gw-host/locations/global/gateways/g',
    'projects/gw-host/locations/us-central1/apis/shop',
    '//apigateway.googleapis.com/projects/gw-host/locations/global/apis/shop',
    'projects/gw-host/locations/global/apis/shop/configs/v1/extra',
    'projects/GW/locations/global/apis/shop',
  ]) {
    assert.equal(isDeployedName(bad), false, bad);
  }
});

test('documentFile: config prefix, upload path without leading slash or dot segments', () => {
  const config = `${API}/shop/configs/v1`;
  assert.equal(documentFile(config, 'openapi.yaml'), 'apis/shop/configs/v1/openapi.yaml');
  assert.equal(documentFile(config, '/home/ci/../specs/./a.yaml'), 'apis/shop/configs/v1/home/ci/specs/a.yaml');
  assert.equal(documentFile(config, 'C:\\specs\\a.yaml'), 'apis/shop/configs/v1/C:/specs/a.yaml');
  assert.equal(documentFile(config, '', 1), 'apis/shop/configs/v1/document-2');
});
