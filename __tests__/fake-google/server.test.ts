import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run_v2 } from 'googleapis/build/src/apis/run/v2.js';
import { run_v1 } from 'googleapis/build/src/apis/run/v1.js';
import { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js';
import { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js';
import { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js';
import { iam_v2 } from 'googleapis/build/src/apis/iam/v2.js';
import { cloudfunctions_v1 } from 'googleapis/build/src/apis/cloudfunctions/v1.js';
import { cloudfunctions_v2 } from 'googleapis/build/src/apis/cloudfunctions/v2.js';
import { appengine_v1 } from 'googleapis/build/src/apis/appengine/v1.js';
import { iap_v1 } from 'googleapis/build/src/apis/iap/v1.js';
import { apigateway_v1 } from 'googleapis/build/src/apis/apigateway/v1.js';
import { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js';
import { cloudasset_v1 } from 'googleapis/build/src/apis/cloudasset/v1.js';
import { startFakeGoogle, allRoutes } from './server.ts';
import type { FakeGoogle } from './server.ts';
import { Router } from './router.ts';
import { loadWorld } from './world.ts';
import type { World } from './world.ts';

const worlds = fileURLToPath(new URL('../fixtures/worlds/', import.meta.url));
let demo: FakeGoogle;
let hier: FakeGoogle;

before(async () => {
  demo = await startFakeGoogle(`${worlds}demo.yaml`);
  hier = await startFakeGoogle(`${worlds}hierarchy.yaml`);
});
after(async () => {
  await demo.close();
  await hier.close();
});

/** Client options of emulator mode: rootUrl, no auth, no retries (so faults are visible). */
const opts = (f: FakeGoogle) => ({ rootUrl: `${f.url}/`, retry: false });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary Google JSON
async function getJson(f: FakeGoogle, path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(f.url + path, init);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

const GW = 'serviceAccount:gw@gw-host.iam.gserviceaccount.com';

test('Cloud Run v2 via googleapis: list pages, get, getIamPolicy, paths', async () => {
  const run = new run_v2.Run(opts(hier));
  hier.requests.length = 0;
  const names: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await run.projects.locations.services.list({ parent: 'projects/data-prod/locations/us-central1', ...(pageToken ? { pageToken } : {}) });
    names.push(...(res.data.services ?? []).map((s) => s.name ?? ''));
    pageToken = res.data.nextPageToken ?? undefined;
    pages++;
  } while (pageToken);
  assert.equal(pages, 2);
  assert.deepEqual(names.map((n) => n.split('/').pop()), ['a', 'b', 'c']);
  assert.equal(hier.requests[0]?.path, '/v2/projects/data-prod/locations/us-central1/services');
  assert.equal(hier.requests[0]?.methodId, 'run.projects.locations.services.list');

  const svc = await run.projects.locations.services.get({ name: 'projects/555555555555/locations/europe-west1/services/open' });
  assert.equal(svc.data.name, 'projects/data-prod/locations/europe-west1/services/open');
  assert.equal(svc.data.invokerIamDisabled, true);
  assert.deepEqual(svc.data.customAudiences, ['https://api.example.com/open']);

  const d = new run_v2.Run(opts(demo));
  const policy = await d.projects.locations.services.getIamPolicy({ resource: 'projects/shop-prod/locations/us-central1/services/orders', 'options.requestedPolicyVersion': 3 });
  assert.deepEqual(policy.data.bindings, [{ role: 'roles/run.invoker', members: [GW] }]);
  assert.equal(policy.data.version, 1);
  assert.ok(policy.data.etag);
  const last = demo.requests.at(-1);
  assert.equal(last?.method, 'GET');
  assert.equal(last?.path, '/v2/projects/shop-prod/locations/us-central1/services/orders:getIamPolicy');
  assert.deepEqual(last?.query, { 'options.requestedPolicyVersion': '3' });
});

test('Cloud Run v2 errors: `-` location, unknown service, unknown project, bad name, bad token, unknown param', async () => {
  let r = await getJson(demo, '/v2/projects/shop-prod/locations/-/services');
  assert.equal(r.status, 400);
  assert.equal(r.body.error.status, 'INVALID_ARGUMENT');
  assert.equal(r.body.error.code, 400);
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services/nope');
  assert.deepEqual(r.body, { error: { code: 404, message: "Resource 'projects/shop-prod/locations/us-central1/services/nope' was not found", status: 'NOT_FOUND' } });
  r = await getJson(demo, '/v2/projects/other-proj/locations/us-central1/services/orders:getIamPolicy');
  assert.equal(r.status, 403);
  assert.equal(r.body.error.message, "Permission 'run.services.getIamPolicy' denied on resource 'projects/other-proj/locations/us-central1/services/orders' (or it may not exist).");
  assert.equal(r.body.error.status, 'PERMISSION_DENIED');
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services/Bad_Name');
  assert.equal(r.status, 400);
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services?pageToken=garbage');
  assert.equal(r.status, 400);
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services?pageSize=abc');
  assert.equal(r.status, 400);
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services?filter=x');
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /Unknown name "filter"/);
  r = await getJson(demo, '/v2/projects/shop-prod/locations/us-central1/services', { method: 'POST' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.status, 'NOT_FOUND');
  r = await getJson(demo, '/v4/unknown/path');
  assert.equal(r.status, 404);
});

test('getIamPolicy below version 3 hides conditions behind _withcond_ roles', async () => {
  const crm = new cloudresourcemanager_v1.Cloudresourcemanager(opts(hier));
  const v1 = await crm.projects.getIamPolicy({ resource: 'data-prod', requestBody: {} });
  assert.equal(v1.data.version, 1);
  const cond = (v1.data.bindings ?? []).find((b) => b.role?.startsWith('roles/run.invoker_withcond_'));
  assert.ok(cond, JSON.stringify(v1.data));
  assert.match(cond.role ?? '', /^roles\/run\.invoker_withcond_[0-9a-f]+$/);
  assert.equal(cond.condition, undefined);
  const v3 = await crm.projects.getIamPolicy({ resource: 'data-prod', requestBody: { options: { requestedPolicyVersion: 3 } } });
  assert.equal(v3.data.version, 3);
  const b = (v3.data.bindings ?? []).find((x) => x.condition);
  assert.equal(b?.role, 'roles/run.invoker');
  assert.equal(b?.condition?.title, 'until-2099');
  assert.deepEqual(hier.requests.at(-1)?.body, { options: { requestedPolicyVersion: 3 } });
  assert.equal(hier.requests.at(-1)?.path, '/v1/projects/data-prod:getIamPolicy');
  // GET form: query parameter
  let r = await getJson(hier, '/v1/projects/data-prod/locations/europe-west1/services/open:getIamPolicy');
  assert.deepEqual(r.body, { version: 1, etag: 'ACAB' });
  r = await getJson(hier, '/v3/projects/data-prod:getIamPolicy', post({ options: { requestedPolicyVersion: 2 } }));
  assert.equal(r.status, 400);
});

test('Cloud Run v1: locations union, Knative services, namespaces', async () => {
  const run = new run_v1.Run(opts(demo));
  demo.world.functions?.push({ name: 'projects/shop-prod/locations/asia-east1/functions/tmp', environment: 'GEN_2' });
  try {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await run.projects.locations.list({ name: 'projects/shop-prod', ...(pageToken ? { pageToken } : {}) });
      ids.push(...(res.data.locations ?? []).map((l) => l.locationId ?? ''));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    assert.deepEqual(ids, ['asia-east1', 'europe-west1', 'us-central1']);
  } finally {
    demo.world.functions?.pop();
  }
  const h = await getJson(hier, '/v1/projects/data-prod/locations');
  assert.deepEqual(h.body.locations.map((l: { locationId: string }) => l.locationId), ['asia-northeast1', 'europe-west1']);
  assert.ok(h.body.nextPageToken);

  const svc = await run.projects.locations.services.get({ name: 'projects/shop-prod/locations/us-central1/services/orders' });
  assert.equal(svc.data.kind, 'Service');
  assert.equal(svc.data.metadata?.namespace, '123456789012');
  assert.equal(svc.data.status?.url, 'https://orders-abc123-uc.a.run.app');
  const list = await run.namespaces.services.list({ parent: 'namespaces/shop-prod', limit: 3 });
  assert.equal(list.data.items?.length, 2);
  assert.ok(list.data.metadata?.continue);
});

test('Resource Manager v1/v2/v3: projects by ID or number, ancestry, folders, organizations', async () => {
  const v3 = new cloudresourcemanager_v3.Cloudresourcemanager(opts(demo));
  const p = await v3.projects.get({ name: 'projects/shop-prod' });
  assert.equal(p.data.name, 'projects/123456789012');
  assert.equal(p.data.projectId, 'shop-prod');
  assert.equal(p.data.parent, 'folders/200');
  assert.equal(p.data.state, 'ACTIVE');
  const byNumber = await v3.projects.get({ name: 'projects/123456789012' });
  assert.equal(byNumber.data.projectId, 'shop-prod');
  const v1 = new cloudresourcemanager_v1.Cloudresourcemanager(opts(demo));
  const anc = await v1.projects.getAncestry({ projectId: 'shop-prod', requestBody: {} });
  assert.deepEqual(anc.data.ancestor?.map((a) => a.resourceId), [
    { type: 'project', id: 'shop-prod' }, { type: 'folder', id: '200' }, { type: 'organization', id: '1000' },
  ]);
  const p1 = await v1.projects.get({ projectId: '123456789012' });
  assert.equal(p1.data.projectNumber, '123456789012');
  assert.deepEqual(p1.data.parent, { type: 'folder', id: '200' });
  const folder = await v3.folders.get({ name: 'folders/200' });
  assert.equal(folder.data.parent, 'organizations/1000');
  const orgPolicy = await v3.organizations.getIamPolicy({ resource: 'organizations/1000', requestBody: { options: { requestedPolicyVersion: 3 } } });
  assert.equal(orgPolicy.data.bindings?.[0]?.role, 'roles/viewer');
  let r = await getJson(demo, '/v2/folders/200:getIamPolicy', post({}));
  assert.deepEqual(r.body, { version: 1, etag: 'ACAB' });
  r = await getJson(demo, '/v3/projects/nope-project');
  assert.equal(r.status, 403);
  assert.match(r.body.error.message, /resourcemanager\.projects\.get/);
  r = await getJson(demo, '/v1/organizations/1000');
  assert.equal(r.body.displayName, 'example.com');
});

test('IAM v1: predefined, custom, deleted and unknown roles; service accounts by email or unique ID', async () => {
  const iam = new iam_v1.Iam(opts(demo));
  const invoker = await iam.roles.get({ name: 'roles/run.invoker' });
  assert.ok(invoker.data.includedPermissions?.includes('run.routes.invoke'));
  const owner = await iam.roles.get({ name: 'roles/owner' });
  for (const perm of ['run.routes.invoke', 'cloudfunctions.functions.invoke', 'appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret']) {
    assert.ok(owner.data.includedPermissions?.includes(perm), perm);
  }
  assert.ok(!owner.data.includedPermissions?.includes('iap.webServiceVersions.accessViaIAP'));
  const viewer = await iam.roles.get({ name: 'roles/run.viewer' });
  assert.ok(!viewer.data.includedPermissions?.includes('run.routes.invoke'));
  const custom = await iam.projects.roles.get({ name: 'projects/shop-prod/roles/gatewayAppEngine' });
  assert.equal(custom.data.includedPermissions?.length, 3);
  const deleted = await iam.projects.roles.get({ name: 'projects/shop-prod/roles/oldRole' });
  assert.equal(deleted.data.deleted, true);
  let r = await getJson(demo, '/v1/roles/run.nothing');
  assert.equal(r.status, 404);
  r = await getJson(demo, '/v1/projects/shop-prod/roles/missing');
  assert.equal(r.status, 404);
  const list = await iam.projects.roles.list({ parent: 'projects/shop-prod' });
  assert.deepEqual(list.data.roles?.map((x) => x.name), ['projects/shop-prod/roles/gatewayAppEngine']);
  assert.equal(list.data.roles?.[0]?.includedPermissions, undefined, 'BASIC view by default');

  const byEmail = await iam.projects.serviceAccounts.get({ name: 'projects/-/serviceAccounts/gw@gw-host.iam.gserviceaccount.com' });
  assert.equal(byEmail.data.uniqueId, '112233445566778899001');
  assert.equal(demo.requests.at(-1)?.path, '/v1/projects/-/serviceAccounts/gw%40gw-host.iam.gserviceaccount.com');
  const byId = await iam.projects.serviceAccounts.get({ name: 'projects/gw-host/serviceAccounts/112233445566778899001' });
  assert.equal(byId.data.email, 'gw@gw-host.iam.gserviceaccount.com');
  r = await getJson(demo, '/v1/projects/-/serviceAccounts/nobody@x.iam.gserviceaccount.com');
  assert.equal(r.status, 404);
});

test('Cloud Functions v1 and v2: `-` location, pagination, generations, getIamPolicy', async () => {
  const v2 = new cloudfunctions_v2.Cloudfunctions(opts(demo));
  const all = await v2.projects.locations.functions.list({ parent: 'projects/shop-prod/locations/-' });
  assert.deepEqual(all.data.functions?.map((f) => f.environment).sort(), ['GEN_1', 'GEN_2']);
  const gen2 = await v2.projects.locations.functions.get({ name: 'projects/shop-prod/locations/europe-west1/functions/resize' });
  assert.equal(gen2.data.serviceConfig?.service, 'projects/shop-prod/locations/europe-west1/services/resize');
  const pol = await v2.projects.locations.functions.getIamPolicy({ resource: gen2.data.name ?? '' });
  assert.equal(pol.data.bindings?.[0]?.role, 'roles/cloudfunctions.invoker');

  const v1 = new cloudfunctions_v1.Cloudfunctions(opts(demo));
  const list1 = await v1.projects.locations.functions.list({ parent: 'projects/shop-prod/locations/-' });
  assert.deepEqual(list1.data.functions?.map((f) => f.name), ['projects/shop-prod/locations/us-central1/functions/legacy-hook']);
  assert.equal(list1.data.functions?.[0]?.httpsTrigger?.url, 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook');
  assert.equal(list1.data.functions?.[0]?.ingressSettings, 'ALLOW_ALL');
  const r = await getJson(demo, '/v1/projects/shop-prod/locations/europe-west1/functions/resize');
  assert.equal(r.status, 404);
  const p1 = await v1.projects.locations.functions.getIamPolicy({ resource: 'projects/shop-prod/locations/us-central1/functions/legacy-hook' });
  assert.deepEqual(p1.data.bindings, [{ role: 'roles/cloudfunctions.invoker', members: [GW] }]);

  // pagination with pageSize 1 asked explicitly
  const page = await getJson(demo, '/v2/projects/123456789012/locations/-/functions?pageSize=1');
  assert.equal(page.body.functions.length, 1);
  const next = await getJson(demo, `/v2/projects/123456789012/locations/-/functions?pageSize=1&pageToken=${page.body.nextPageToken}`);
  assert.equal(next.body.functions.length, 1);
  assert.equal(next.body.nextPageToken, undefined);
  const locs = await v2.projects.locations.list({ name: 'projects/shop-prod' });
  assert.deepEqual(locs.data.locations?.map((l) => l.locationId), ['europe-west1', 'us-central1']);
});

test('App Engine and IAP', async () => {
  const ae = new appengine_v1.Appengine(opts(demo));
  const app = await ae.apps.get({ appsId: 'shop-prod' });
  assert.equal(app.data.iap?.enabled, true);
  assert.equal(app.data.iap?.oauth2ClientId, '123456789012-abcdef.apps.googleusercontent.com');
  assert.equal(app.data.defaultHostname, 'shop-prod.uc.r.appspot.com');
  const services = await ae.apps.services.list({ appsId: 'shop-prod' });
  assert.deepEqual(services.data.services?.map((s) => s.id), ['default', 'admin']);
  const svc = await ae.apps.services.get({ appsId: 'shop-prod', servicesId: 'admin' });
  assert.equal(svc.data.name, 'apps/shop-prod/services/admin');
  let r = await getJson(demo, '/v1/apps/gw-host');
  assert.equal(r.status, 404);

  const iap = new iap_v1.Iap(opts(demo));
  const pol = await iap.v1.getIamPolicy({ resource: 'projects/123456789012/iap_web/appengine-shop-prod', requestBody: { options: { requestedPolicyVersion: 3 } } });
  assert.deepEqual(pol.data.bindings, [{ role: 'roles/iap.httpsResourceAccessor', members: [GW] }]);
  assert.equal(demo.requests.at(-1)?.path, '/v1/projects/123456789012/iap_web/appengine-shop-prod:getIamPolicy');
  const empty = await iap.v1.getIamPolicy({ resource: 'projects/123456789012/iap_web/appengine-shop-prod/services/admin', requestBody: {} });
  assert.deepEqual(empty.data, { version: 1, etag: 'ACAB' });
  r = await getJson(demo, '/v1/projects/123456789012/iap_web:getIamPolicy', post({}));
  assert.equal(r.status, 200);
  r = await getJson(demo, '/v1/projects/123456789012/iap_web/appengine-shop-prod/services/nope:getIamPolicy', post({}));
  assert.equal(r.status, 404);
  const settings = await iap.v1.getIapSettings({ name: 'projects/123456789012/iap_web/appengine-shop-prod' });
  assert.equal(settings.data.name, 'projects/123456789012/iap_web/appengine-shop-prod');
});

test('API Gateway: configs carry documents only with view=FULL', async () => {
  const gw = new apigateway_v1.Apigateway(opts(demo));
  const name = 'projects/gw-host/locations/global/apis/shop/configs/shop-v1';
  const basic = await gw.projects.locations.apis.configs.get({ name });
  assert.equal(basic.data.openapiDocuments, undefined);
  assert.equal(basic.data.gatewayServiceAccount, 'projects/gw-host/accounts/112233445566778899001');
  const full = await gw.projects.locations.apis.configs.get({ name, view: 'FULL' });
  const doc = full.data.openapiDocuments?.[0]?.document;
  assert.equal(doc?.path, 'openapi.yaml');
  assert.match(Buffer.from(doc?.contents ?? '', 'base64').toString('utf8'), /x-google-backend/);
  const configs = await gw.projects.locations.apis.configs.list({ parent: 'projects/gw-host/locations/global/apis/shop' });
  assert.equal(configs.data.apiConfigs?.length, 1);
  const gws = await gw.projects.locations.gateways.list({ parent: 'projects/gw-host/locations/-' });
  assert.equal(gws.data.gateways?.[0]?.defaultHostname, 'shop-gw-abc123.uc.gateway.dev');
  const apis = await gw.projects.locations.apis.get({ name: 'projects/gw-host/locations/global/apis/shop' });
  assert.equal(apis.data.displayName, 'shop');
});

test('IAM v2 deny policies: the attachment point is one URL-encoded segment of the name; sent otherwise it matches no route', async () => {
  const iam = new iam_v2.Iam(opts(hier));
  const parent = `policies/${encodeURIComponent('cloudresourcemanager.googleapis.com/projects/555555555555')}/denypolicies`;
  const list = await iam.policies.listPolicies({ parent });
  // googleapis percent-encodes the `%` of the already-encoded attachment point once more.
  assert.equal(hier.requests.at(-1)?.path, '/v2/policies/cloudresourcemanager.googleapis.com%252Fprojects%252F555555555555/denypolicies');
  assert.equal(list.data.policies?.length, 1);
  assert.equal(list.data.policies?.[0]?.name, `${parent}/no-invoke-for-folder-gw`);
  const got = await iam.policies.get({ name: `${parent}/no-invoke-for-folder-gw` });
  assert.equal(got.data.rules?.[0]?.denyRule?.deniedPermissions?.[0], 'run.googleapis.com/routes.invoke');
  let r = await getJson(hier, '/v2/policies/cloudresourcemanager.googleapis.com%252Fprojects%252Fdata-prod/denypolicies');
  assert.equal(r.body.policies.length, 1, 'a project ID works as well as its number');
  r = await getJson(hier, '/v2/policies/cloudresourcemanager.googleapis.com%252Ffolders%252F200/denypolicies');
  assert.deepEqual(r.body, {});
  for (const wrong of ['cloudresourcemanager.googleapis.com%2Fprojects%2F555555555555', 'cloudresourcemanager.googleapis.com/projects/555555555555']) {
    r = await getJson(hier, `/v2/policies/${wrong}/denypolicies`);
    assert.equal(r.status, 404, wrong);
  }
  r = await getJson(hier, '/v2/policies/cloudresourcemanager.googleapis.com%25252Fprojects%25252F555555555555/denypolicies');
  assert.equal(r.status, 400, 'encoded once too often');
});

test('Policy Troubleshooter v3 and Cloud Asset', async () => {
  const pt = new policytroubleshooter_v3.Policytroubleshooter(opts(hier));
  const resource = '//run.googleapis.com/projects/data-prod/locations/europe-west1/services/reports';
  const ask = async (principal: string) =>
    (await pt.iam.troubleshoot({ requestBody: { accessTuple: { principal, fullResourceName: resource, permission: 'run.routes.invoke' } } })).data;
  assert.equal((await ask('org-gw@gw-host.iam.gserviceaccount.com')).overallAccessState, 'CAN_ACCESS');
  assert.equal((await ask('folder-gw@gw-host.iam.gserviceaccount.com')).overallAccessState, 'CANNOT_ACCESS');
  assert.equal((await ask('cond-gw@gw-host.iam.gserviceaccount.com')).overallAccessState, 'UNKNOWN_CONDITIONAL');
  assert.equal((await ask('someone@gw-host.iam.gserviceaccount.com')).overallAccessState, 'UNKNOWN_INFO');

  const asset = new cloudasset_v1.Cloudasset(opts(hier));
  // Policies up to the scope only: a project scope stops at the project, the organization's reaches it.
  const attached = async (scope: string) =>
    (await asset.effectiveIamPolicies.batchGet({ scope, names: [resource] })).data.policyResults?.[0]?.policies?.map((p) => p.attachedResource);
  assert.deepEqual(await attached('projects/data-prod'), ['//cloudresourcemanager.googleapis.com/projects/555555555555']);
  assert.deepEqual(await attached('organizations/1000'), [
    '//cloudresourcemanager.googleapis.com/projects/555555555555',
    '//cloudresourcemanager.googleapis.com/folders/200',
    '//cloudresourcemanager.googleapis.com/organizations/1000',
  ]);
  const search = await asset.v1.searchAllIamPolicies({ scope: 'organizations/1000', query: 'policy:folder-gw' });
  assert.deepEqual(search.data.results?.map((x) => x.resource), ['//cloudresourcemanager.googleapis.com/folders/200']);
});

test('faults, Retry-After, latency and quota', async () => {
  const world = await loadWorld(`${worlds}flaky.yaml`);
  const f = await startFakeGoogle(world);
  try {
    const path = '/v2/projects/flaky-prod/locations/us-central1/services/api:getIamPolicy';
    for (let i = 0; i < 2; i++) {
      const r = await getJson(f, path);
      assert.equal(r.status, 503);
      assert.equal(r.body.error.status, 'UNAVAILABLE');
      assert.equal(r.headers.get('retry-after'), '1');
    }
    const ok = await getJson(f, path);
    assert.equal(ok.status, 200);
    const denied = await getJson(f, '/v1/projects/flaky-prod:getIamPolicy', post({}));
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.message, "Permission 'resourcemanager.projects.getIamPolicy' denied on resource 'projects/flaky-prod' (or it may not exist).");
    assert.ok(f.requests.every((e) => e.durationMs >= 15));
  } finally {
    await f.close();
  }
  const q = await startFakeGoogle({ projects: [{ projectId: 'quota-prod', projectNumber: '1' }] } satisfies World, { quotaPerMinute: 2 });
  try {
    assert.equal((await getJson(q, '/v3/projects/quota-prod')).status, 200);
    assert.equal((await getJson(q, '/v3/projects/quota-prod')).status, 200);
    const r = await getJson(q, '/v3/projects/quota-prod');
    assert.equal(r.status, 429);
    assert.equal(r.body.error.status, 'RESOURCE_EXHAUSTED');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    await q.close();
  }
});

test('googleapis surfaces the Google error body', async () => {
  const run = new run_v2.Run(opts(demo));
  await assert.rejects(
    run.projects.locations.services.get({ name: 'projects/shop-prod/locations/us-central1/services/missing' }),
    (err: { status?: number; message: string }) => err.status === 404 && /was not found/.test(err.message),
  );
});

const discoveryDir = '/work/shared/google-discovery';
test('every discovery method is routed with its verb and path', { skip: !existsSync(discoveryDir) }, () => {
  const router = new Router(allRoutes());
  for (const file of readdirSync(discoveryDir).filter((f) => f.endsWith('.json') && !f.startsWith('policytroubleshooter.v1'))) {
    const doc = JSON.parse(readFileSync(`${discoveryDir}/${file}`, 'utf8')) as { methods: Record<string, { httpMethod: string; flatPath: string }> };
    for (const [id, m] of Object.entries(doc.methods)) {
      const sample = m.flatPath.replace(/\{[^}]+\}/g, (v) => (v.includes('v1Id') ? 'projects' : 'x1'));
      const path = id === 'iap.getIamPolicy' || id === 'iap.getIapSettings' ? sample.replace('projects', 'projects/1/iap_web') : sample;
      const { route } = router.match(m.httpMethod, `/${path}`);
      assert.ok(route.id.split('|').includes(id), `${file} ${id}: ${m.httpMethod} /${path} → ${route.id}`);
    }
  }
});

test('Resource Manager v3 effectiveTags: own and inherited tags, the lowest binding of a key wins, unknown resources 403', async () => {
  const world: World = {
    organizations: [{ name: 'organizations/1000', tags: { '1000/env': 'prod', '1000/tier': 'gold' } }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', tags: { '1000/tier': 'silver' } }],
    projects: [{ projectId: 'shop-prod', projectNumber: '123456789012', parent: 'folders/200', tags: { 'shop-prod/team': 'payments' } }],
    runServices: [{ name: 'projects/shop-prod/locations/us-central1/services/orders', tags: { '1000/env': 'staging' } }],
    functions: [{ name: 'projects/shop-prod/locations/us-central1/functions/f' }],
  };
  const fake = await startFakeGoogle(world, { pageSize: 2 });
  try {
    const v3 = new cloudresourcemanager_v3.Cloudresourcemanager(opts(fake));
    const list = async (parent: string) => {
      const out: Array<{ key: string; value: string; inherited: boolean }> = [];
      let pageToken: string | undefined;
      do {
        const page = (await v3.effectiveTags.list({ parent, pageToken })).data;
        for (const t of page.effectiveTags ?? []) {
          assert.match(t.tagKey ?? '', /^tagKeys\/\d+$/);
          assert.match(t.tagValue ?? '', /^tagValues\/\d+$/);
          out.push({ key: t.namespacedTagKey ?? '', value: t.namespacedTagValue ?? '', inherited: t.inherited === true });
        }
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      return out.sort((a, b) => a.key.localeCompare(b.key));
    };
    assert.deepEqual(await list('//run.googleapis.com/projects/123456789012/locations/us-central1/services/orders'), [
      { key: '1000/env', value: '1000/env/staging', inherited: false },
      { key: '1000/tier', value: '1000/tier/silver', inherited: true },
      { key: 'shop-prod/team', value: 'shop-prod/team/payments', inherited: true },
    ]);
    assert.deepEqual((await list('//cloudfunctions.googleapis.com/projects/shop-prod/locations/us-central1/functions/f')).map((t) => t.value), [
      '1000/env/prod', '1000/tier/silver', 'shop-prod/team/payments',
    ]);
    assert.deepEqual((await list('//cloudresourcemanager.googleapis.com/folders/200')).map((t) => `${t.value}:${t.inherited}`), ['1000/env/prod:true', '1000/tier/silver:false']);
    const r = await getJson(fake, `/v3/effectiveTags?parent=${encodeURIComponent('//run.googleapis.com/projects/shop-prod/locations/us-central1/services/nope')}`);
    assert.equal(r.status, 403);
    assert.equal((await getJson(fake, '/v3/effectiveTags')).status, 400);
  } finally {
    await fake.close();
  }
});

test('world validation names the problem', async () => {
  const { validateWorld } = await import('./world.ts');
  assert.throws(() => validateWorld({ projects: [{ projectId: 'abcdef', projectNumber: '1', tags: { env: 'prod' } }] }), /projects\[0\]\.tags: 'env' is not a namespaced tag key/);
  assert.throws(() => validateWorld({ runServices: [{ name: 'x', tags: ['1/env'] }] }), /runServices\[0\]\.tags must map/);
  assert.throws(() => validateWorld({ runservices: [] }), /unknown key 'runservices'/);
  assert.throws(() => validateWorld({ projects: [{ projectId: 'x' }] }), /projects\[0\]\.projectNumber is required/);
  assert.deepEqual(validateWorld({ projects: [{ projectId: 'abcdef', projectNumber: 12 }] }).projects?.[0]?.projectNumber, '12');
});
