import assert from 'node:assert/strict';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GoogleCloud } from '../../src/gcp/google-cloud.ts';
import { planBackends } from '../../src/plan/api-config.ts';
import type { PlanFile } from '../../src/plan/model.ts';
import { readPlanFiles } from '../../src/plan/read.ts';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { apiConfig, change, plan } from './x-builder.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORLD = path.join(HERE, '../fixtures/worlds/deployed-configs.yaml');
const FIXTURE = path.join(HERE, '../fixtures/plans/x-workspace');
const ORDERS = 'swagger: "2.0"\ninfo: { title: shop, version: "1.0" }\nx-google-backend:\n  address: https://orders-abc123-uc.a.run.app\npaths:\n  /orders:\n    get:\n      operationId: listOrders\n      responses: { "200": { description: ok } }\n';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(WORLD);
});
after(async () => {
  await fake.close();
});

const google = () => new GoogleCloud({ emulatorHost: fake.host, backoffMs: 1, maxAttempts: 2 });

async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-apicfg-'));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

/** A plan read from a workspace holding it as tfplan.json. */
async function planIn(json: Record<string, unknown>, files: Record<string, string> = {}): Promise<{ plan: PlanFile; workspace: string }> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'gg-apicfg-'));
  await writeFile(path.join(workspace, 'tfplan.json'), JSON.stringify(json));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(workspace, file), text);
  const { plans, findings } = await readPlanFiles(['tfplan.json'], workspace);
  assert.deepEqual(findings, []);
  return { plan: plans[0]!, workspace };
}

test('the fixture plan: the document is the module file with the same bytes, and the account the plan creates', async () => {
  const { plans } = await readPlanFiles(['infra/tfplan.json'], FIXTURE);
  const source = await planBackends(google(), plans, FIXTURE, 'gw@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(source.findings, []);
  assert.deepEqual(source.files, ['infra/modules/gateway/openapi.yaml']);
  assert.deepEqual(source.external, []);
  assert.equal(source.serviceAccount, 'gw-planned@gw-host.iam.gserviceaccount.com');
  assert.equal(source.accountFor('infra/modules/gateway/openapi.yaml'), 'gw-planned@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(source.backends.map((b) => [b.file, b.line, b.address]), [['infra/modules/gateway/openapi.yaml', 3, 'https://orders-abc123-uc.a.run.app']]);
  assert.deepEqual(source.configs, ['module.gateway.google_api_gateway_api_config.shop (create) in infra/tfplan.json']);
  assert.match(source.notes.join('\n'), /runs as gw-planned@gw-host\.iam\.gserviceaccount\.com \(the google_service_account google_service_account\.gateway this plan creates\): that is the account checked, not the service-account input/);
});

test('a document whose workspace file differs (or is missing) is named by its address and path, outside the repository', async () => {
  const dir = await copyFixture();
  await writeFile(path.join(dir, 'infra/modules/gateway/openapi.yaml'), ORDERS.replace('orders-abc123', 'orders-changed'));
  const { plans } = await readPlanFiles(['infra/tfplan.json'], dir);
  const source = await planBackends(google(), plans, dir);
  const file = 'module.gateway.google_api_gateway_api_config.shop/openapi.yaml';
  assert.deepEqual(source.files, [file]);
  assert.deepEqual(source.external, [file]);
  assert.deepEqual(source.backends.map((b) => [b.file, b.line]), [[file, 3]]);
});

test('documents are matched from the workspace root or the plan directory too; a path leaving the workspace never is', async () => {
  const { plan: read, workspace } = await planIn(
    plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }, { path: '../../../../etc/hostname', text: 'swagger: "2.0"\n' }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' })]),
    { 'openapi.yaml': ORDERS },
  );
  const source = await planBackends(google(), [read], workspace);
  assert.deepEqual(source.files, ['openapi.yaml', 'google_api_gateway_api_config.shop/etc/hostname']);
  assert.deepEqual(source.external, ['google_api_gateway_api_config.shop/etc/hostname']);
  assert.equal(source.serviceAccount, 'gw@gw-host.iam.gserviceaccount.com');
});

test('without gateway_config the gateway signs as the default Compute Engine account of the config project', async () => {
  const { plan: read, workspace } = await planIn(plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }] })]));
  const cloud = google();
  const source = await planBackends(cloud, [read], workspace, 'gw@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(source.findings, []);
  assert.equal(source.serviceAccount, '210987654321-compute@developer.gserviceaccount.com');
  assert.match(source.notes[0]!, /no gateway_config: the default Compute Engine service account of gw-host/);
  assert.equal(cloud.callCount, 1, 'one Resource Manager read for the project number');

  const { plan: denied, workspace: w2 } = await planIn(plan([apiConfig({ project: 'other-team', documents: [{ path: 'openapi.yaml', text: ORDERS }] })]));
  const failed = await planBackends(google(), [denied], w2);
  assert.deepEqual(failed.backends, []);
  assert.equal(failed.findings.length, 1);
  assert.equal(failed.findings[0]!.rule, 'iam-unreadable');
  assert.match(failed.findings[0]!.message, /default Compute Engine service account of project other-team, whose number could not be read/);
  assert.match(failed.findings[0]!.fix ?? '', /roles\/browser/);
});

test('a service account resource name is resolved through IAM; an unresolvable unknown account fails closed', async () => {
  const { plan: named, workspace } = await planIn(plan([apiConfig({ documents: [{ path: 'a.yaml', text: ORDERS }], serviceAccount: 'projects/gw-host/serviceAccounts/112233445566778899001' })]));
  assert.equal((await planBackends(google(), [named], workspace)).serviceAccount, 'gw@gw-host.iam.gserviceaccount.com');

  const { plan: unknown, workspace: w2 } = await planIn(plan([apiConfig({ documents: [{ path: 'a.yaml', text: ORDERS }], serviceAccount: 'unknown' })]));
  const source = await planBackends(google(), [unknown], w2, 'gw@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(source.backends, [], 'the input does not stand in for an unknown account');
  assert.deepEqual(source.findings.map((f) => f.rule), ['iam-unreadable']);
  assert.match(source.findings[0]!.message, /known only after apply and does not reference a google_service_account created in this plan/);
});

test('an unknown account referencing a counted google_service_account of the same module', async () => {
  const config = apiConfig({ address: 'module.gw.google_api_gateway_api_config.shop', documents: [{ path: 'a.yaml', text: ORDERS }], serviceAccount: 'unknown' });
  const account = change('module.gw.google_service_account.sa[0]', ['create'], { account_id: 'gw-counted', project: null }, { after_unknown: { email: true, project: true } });
  const configuration = {
    provider_config: { google: { name: 'google', expressions: { project: { constant_value: 'gw-host' } } } },
    root_module: {
      module_calls: {
        gw: {
          source: './gw',
          module: {
            resources: [
              { address: 'google_api_gateway_api_config.shop', mode: 'managed', type: 'google_api_gateway_api_config', name: 'shop', provider_config_key: 'google', expressions: { gateway_config: [{ backend_config: [{ google_service_account: { references: ['google_service_account.sa[0].email', 'google_service_account.sa[0]', 'google_service_account.sa'] } }] }] } },
            ],
          },
        },
      },
    },
  };
  const { plan: read, workspace } = await planIn(plan([config, account], configuration));
  const source = await planBackends(google(), [read], workspace);
  assert.deepEqual(source.findings, []);
  assert.equal(source.serviceAccount, 'gw-counted@gw-host.iam.gserviceaccount.com', 'project from the provider configuration');
});

test('documents known only after apply, bad base64, deleted configs and plans without a config', async () => {
  const { plan: read, workspace } = await planIn(
    plan([
      apiConfig({ documents: [{ path: 'rendered.yaml', unknown: true }, { path: 'bad.yaml', text: ORDERS }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com', actions: ['delete', 'create'] }),
    ]),
  );
  (read.plan.resource_changes![0]!.change.after as { openapi_documents: Array<{ document: Array<{ contents: string }> }> }).openapi_documents[0]!.document[1]!.contents = 'not base64 at all!';
  const source = await planBackends(google(), [read], workspace);
  assert.deepEqual(source.backends, []);
  assert.deepEqual(source.findings.map((f) => f.rule), ['invalid-spec', 'invalid-spec']);
  assert.match(source.findings[0]!.message, /"rendered\.yaml" of google_api_gateway_api_config\.shop \(replace\) in tfplan\.json are known only after apply/);
  assert.match(source.findings[1]!.message, /"bad\.yaml" .*`contents` is not base64/);

  const deleted = { ...apiConfig({ documents: [] }), change: { actions: ['delete'], before: {}, after: null } };
  const { plan: gone, workspace: w2 } = await planIn(plan([deleted]));
  const none = await planBackends(google(), [gone], w2);
  assert.deepEqual(none.findings.map((f) => f.rule), ['invalid-spec']);
  assert.match(none.findings[0]!.message, /No google_api_gateway_api_config in the plan \(tfplan\.json\), and neither `spec` nor `api-config` was given/);
});

test('findings about the config itself point at its resource block; one workspace file in two configs is checked once', async () => {
  const { plans } = await readPlanFiles(['infra/tfplan.json'], FIXTURE);
  const [read] = plans;
  // Without the module argument's references, the unknown account cannot be told.
  delete read!.plan.configuration!.root_module!.module_calls!.gateway!.expressions;
  const source = await planBackends(google(), [read!], FIXTURE);
  assert.deepEqual(source.findings.map((f) => [f.rule, f.file, f.line]), [['iam-unreadable', 'infra/modules/gateway/main.tf', 4]]);

  const twice = plan([
    apiConfig({ address: 'google_api_gateway_api_config.a', documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' }),
    apiConfig({ address: 'google_api_gateway_api_config.b', documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' }),
    apiConfig({ address: 'google_api_gateway_api_config.c', documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'other@gw-host.iam.gserviceaccount.com' }),
  ]);
  const { plan: both, workspace } = await planIn(twice, { 'openapi.yaml': ORDERS });
  const checked = await planBackends(google(), [both], workspace);
  assert.deepEqual(checked.files, ['openapi.yaml', 'google_api_gateway_api_config.c/openapi.yaml']);
  assert.equal(checked.accountFor('openapi.yaml'), 'gw@gw-host.iam.gserviceaccount.com');
  assert.equal(checked.accountFor('google_api_gateway_api_config.c/openapi.yaml'), 'other@gw-host.iam.gserviceaccount.com');
  assert.equal(checked.backends.length, 2);
});

test('hostile documents: binary, not UTF-8, over 10 MiB; never parsed, each a clear invalid-spec', async () => {
  const json = plan([apiConfig({ documents: [{ path: 'bin.yaml', text: 'x' }, { path: 'latin1.yaml', text: 'x' }, { path: 'big.yaml', text: 'x' }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' })]);
  const { plan: read, workspace } = await planIn(json);
  const docs = (read.plan.resource_changes![0]!.change.after as { openapi_documents: Array<{ document: Array<{ contents: string }> }> }).openapi_documents[0]!.document;
  docs[0]!.contents = Buffer.from([0x73, 0x00, 0x01]).toString('base64');
  docs[1]!.contents = Buffer.from('swagger: "2.0"\ninfo: \xe9\n', 'latin1').toString('base64');
  docs[2]!.contents = 'QUFB'.repeat(4 * 1024 * 1024);
  const source = await planBackends(google(), [read], workspace);
  assert.deepEqual(source.backends, []);
  assert.deepEqual(source.files, []);
  assert.deepEqual(
    source.findings.map((f) => f.message.replace(/^OpenAPI document "([^"]+)".*: /, '$1: ')),
    ['bin.yaml: the decoded document is binary, not YAML or JSON text', 'latin1.yaml: the decoded document is not valid UTF-8 text', 'big.yaml: the document is over the 10 MiB limit for a spec'],
  );
});
