/**
 * End-to-end tests of the gate for App Engine backends behind IAP: dist/index.js run as the runner does,
 * against the fake Google API, with exact assertions on exit code, outputs and report.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { App, Policy, Role, World } from '../fake-google/world.ts';
import { FIXTURES, rulesOf, runAction, type ActionRun, verdict, why, findingsAt } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const CLIENT_ID = '123456789012-abcdef.apps.googleusercontent.com';
const APP_URL = 'https://shop-prod.uc.r.appspot.com';
const APP = `apps/${PROJECT}`;
const IAP_APP = `projects/${NUMBER}/iap_web/appengine-${PROJECT}`;
const CUSTOM = `projects/${PROJECT}/roles/gatewayAppEngine`;
const PERMS = ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'] as const;
const [UPDATE, CREATE, SECRET] = PERMS;
const EMPTY: Policy = { bindings: [] };

const ACCESSOR = (...members: string[]): Policy => ({ bindings: [{ role: 'roles/iap.httpsResourceAccessor', members }] });
const CUSTOM_BINDING = { role: CUSTOM, members: [SA_MEMBER] };
const MISSING_IAP_FIX = `gcloud iap web add-iam-policy-binding --project=${PROJECT} --resource-type=app-engine --member=${SA_MEMBER} --role=roles/iap.httpsResourceAccessor`;

/** Methods an App Engine check may call: reads only (IAP getIamPolicy is a POST). */
const READ_ONLY = /^(appengine|iap|cloudresourcemanager|iam)(\.\w+)*\.(list\w*|get|getIamPolicy)$/;

// ---------------------------------------------------------------------------------------------- helpers

function app(iapPolicies: Record<string, Policy> = { [IAP_APP]: ACCESSOR(SA_MEMBER) }, extra: Partial<App> = {}): App {
  return {
    id: PROJECT,
    locationId: 'us-central',
    defaultHostname: 'shop-prod.uc.r.appspot.com',
    iap: { enabled: true, oauth2ClientId: CLIENT_ID },
    services: [{ id: 'default' }, { id: 'admin' }],
    iapPolicies,
    ...extra,
  };
}

/** shop-prod with `apps` (the custom role with the three permissions exists; granted through `projectPolicy`). */
function world(apps: App[], projectPolicy: Policy = { bindings: [CUSTOM_BINDING] }, roles: Role[] = []): World {
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: EMPTY }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', iamPolicy: EMPTY }],
    projects: [
      { projectId: PROJECT, projectNumber: NUMBER, parent: 'folders/200', iamPolicy: projectPolicy },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
      { projectId: 'shop-noapp', projectNumber: '555555555555', parent: 'folders/200' },
    ],
    serviceAccounts: [{ name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: '112233445566778899001', projectId: 'gw-host' }],
    roles: [{ name: CUSTOM, title: 'Gateway App Engine access', includedPermissions: [...PERMS], stage: 'GA' }, ...roles],
    apps,
  };
}

/** Swagger 2.0 whose top-level `x-google-backend:` key is on line 3; the audience line is omitted when null. */
function swagger(address: string, audience: string | null = CLIENT_ID): string {
  return [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    `  address: ${address}`,
    ...(audience === null ? [] : [`  jwt_audience: ${audience}`]),
    'paths:',
    '  /orders:',
    '    get:',
    '      operationId: listOrders',
    "      responses: { '200': { description: OK } }",
    '',
  ].join('\n');
}

function gate(spec: string, w: World | string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, ...inputs }, files: { 'openapi.yaml': spec }, world: w });
}




const finding = (run: ActionRun, rule: string) => run.report?.findings.find((f) => f.rule === rule);
const backends = (run: ActionRun) => (run.report?.backends ?? []).map((b) => [b.address, b.kind, b.resource, b.status]);

// ---------------------------------------------------------------------------------------------- IAP and grants

describe('App Engine behind IAP', { concurrency: 8 }, () => {
  test('IAP on, accessor on the app IAP resource, custom role with the three permissions, jwt_audience = client ID: pass', async () => {
    const run = await gate(swagger(APP_URL), world([app()]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
    assert.deepEqual(backends(run), [[APP_URL, 'app-engine', APP, 'pass']]);
    const iap = run.requests.filter((r) => r.methodId === 'iap.getIamPolicy');
    assert.ok(iap.some((r) => r.method === 'POST' && r.path === `/v1/${IAP_APP}:getIamPolicy`), JSON.stringify(iap.map((r) => r.path)));
    for (const r of run.requests) {
      const ok = r.methodId !== undefined && r.methodId.split('|').every((id) => READ_ONLY.test(id));
      assert.ok(ok, `unexpected call ${r.method} ${r.path} (${r.methodId ?? 'unrouted'})`);
    }
  });

  test('IAP off: public-access with the enable fix', async () => {
    const run = await gate(swagger(APP_URL), world([app(undefined, { iap: { enabled: false } })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3);
    assert.equal(finding(run, 'public-access')?.resource, APP);
    assert.equal(finding(run, 'public-access')?.fix, `gcloud iap web enable --resource-type=app-engine --project=${PROJECT}`);
  });

  test('IAP never configured (no iap field): public-access', async () => {
    const run = await gate(swagger(APP_URL), world([app(undefined, { iap: undefined })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
  });

  test('accessor granted at project level (project iamPolicy): pass', async () => {
    const run = await gate(swagger(APP_URL), world([app({})], { bindings: [CUSTOM_BINDING, { role: 'roles/iap.httpsResourceAccessor', members: [SA_MEMBER] }] }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('accessor on the project-wide IAP resource (projects/N/iap_web): pass', async () => {
    const run = await gate(swagger(APP_URL), world([app({ [`projects/${NUMBER}/iap_web`]: ACCESSOR(SA_MEMBER) })]));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('accessor inherited from the folder: pass', async () => {
    const w = world([app({})]);
    w.folders = [{ name: 'folders/200', parent: 'organizations/1000', iamPolicy: ACCESSOR(SA_MEMBER) }];
    const run = await gate(swagger(APP_URL), w);
    verdict(run, 0, 'pass', 0, 0);
  });

  test('missing accessor: missing-iap-access with the gcloud iap web fix', async () => {
    const run = await gate(swagger(APP_URL), world([app({ [IAP_APP]: ACCESSOR('user:alice@example.com') })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error']);
    findingsAt(run, 3);
    const f = finding(run, 'missing-iap-access');
    assert.match(f?.message ?? '', /iap\.webServiceVersions\.accessViaIAP/);
    assert.equal(f?.fix, MISSING_IAP_FIX);
    assert.equal(f?.resource, APP);
  });

  test('accessor only on another service (admin) does not cover the default service: missing-iap-access', async () => {
    const run = await gate(swagger(APP_URL), world([app({ [`${IAP_APP}/services/admin`]: ACCESSOR(SA_MEMBER) })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error']);
  });

  test('Owner only (holds the three permissions, not accessViaIAP): missing-iap-access only', async () => {
    const run = await gate(swagger(APP_URL), world([app({})], { bindings: [{ role: 'roles/owner', members: [SA_MEMBER] }] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error']);
  });

  test('Editor + accessor: pass (Editor holds the three permissions)', async () => {
    const run = await gate(swagger(APP_URL), world([app()], { bindings: [{ role: 'roles/editor', members: [SA_MEMBER] }] }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('none of the three permissions: missing-app-engine-permissions naming all three, with a custom-role fix', async () => {
    const run = await gate(swagger(APP_URL), world([app()], EMPTY));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-app-engine-permissions:error']);
    findingsAt(run, 3);
    const f = finding(run, 'missing-app-engine-permissions');
    assert.ok(f?.message.includes(`lacks ${UPDATE}, ${CREATE}, ${SECRET} on projects/${PROJECT}`), f?.message);
    assert.equal(f?.resource, `projects/${PROJECT}`);
    assert.equal(
      f?.fix,
      `gcloud iam roles create apiGatewayAppEngineCaller --project=${PROJECT} --title="API Gateway App Engine caller" --permissions=${PERMS.join(',')} && ` +
        `gcloud projects add-iam-policy-binding ${PROJECT} --member=${SA_MEMBER} --role=projects/${PROJECT}/roles/apiGatewayAppEngineCaller`,
    );
  });

  test('missing one permission (clientauthconfig.clients.getWithSecret): names exactly that one', async () => {
    const partial = `projects/${PROJECT}/roles/partial`;
    const run = await gate(
      swagger(APP_URL),
      world([app()], { bindings: [{ role: partial, members: [SA_MEMBER] }] }, [{ name: partial, includedPermissions: [UPDATE, CREATE], stage: 'GA' }]),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-app-engine-permissions:error']);
    const m = finding(run, 'missing-app-engine-permissions')?.message ?? '';
    assert.ok(m.includes(`lacks ${SECRET} on`), m);
    assert.ok(!m.includes(UPDATE) && !m.includes(`${CREATE},`) && !m.includes(`${CREATE} on`), m);
    assert.match(finding(run, 'missing-app-engine-permissions')?.fix ?? '', /^gcloud iam roles create /);
  });

  test('missing two permissions (App Engine Admin only): names exactly appengine-less two', async () => {
    const run = await gate(swagger(APP_URL), world([app()], { bindings: [{ role: 'roles/appengine.appAdmin', members: [SA_MEMBER] }] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-app-engine-permissions:error']);
    const m = finding(run, 'missing-app-engine-permissions')?.message ?? '';
    assert.ok(m.includes(`lacks ${CREATE}, ${SECRET} on`), m);
    assert.ok(!m.includes(UPDATE), m);
  });

  test('the three permissions through two roles (App Engine Admin + OAuth custom role): pass', async () => {
    const oauth = `projects/${PROJECT}/roles/oauthClients`;
    const run = await gate(
      swagger(APP_URL),
      world(
        [app()],
        { bindings: [{ role: 'roles/appengine.appAdmin', members: [SA_MEMBER] }, { role: oauth, members: [SA_MEMBER] }] },
        [{ name: oauth, includedPermissions: [CREATE, SECRET], stage: 'GA' }],
      ),
    );
    verdict(run, 0, 'pass', 0, 0);
  });

  test('a custom role NAMED like the right one but lacking the permissions: missing-app-engine-permissions', async () => {
    const fake = `projects/${PROJECT}/roles/appEngineClientAuthUpdate`;
    const run = await gate(
      swagger(APP_URL),
      world([app()], { bindings: [{ role: fake, members: [SA_MEMBER] }] }, [{ name: fake, title: 'appengine.applications.update + clientauthconfig', includedPermissions: ['appengine.applications.get'], stage: 'GA' }]),
    );
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-app-engine-permissions:error']);
  });

  test('allUsers on the app IAP resource (SA granted too): public-access', async () => {
    const run = await gate(swagger(APP_URL), world([app({ [IAP_APP]: ACCESSOR('allUsers', SA_MEMBER) })]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3);
    assert.match(finding(run, 'public-access')?.message ?? '', /allUsers/);
  });

  test('allAuthenticatedUsers on the service IAP resource, SA without access: public-access and missing-iap-access', async () => {
    const run = await gate(swagger('https://admin-dot-shop-prod.uc.r.appspot.com'), world([app({ [`${IAP_APP}/services/admin`]: ACCESSOR('allAuthenticatedUsers') })]));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error', 'public-access:error']);
    assert.match(finding(run, 'public-access')?.message ?? '', /allAuthenticatedUsers/);
  });

  test('jwt_audience missing: audience-mismatch error naming the OAuth client ID', async () => {
    const run = await gate(swagger(APP_URL, null), world([app()]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:error']);
    findingsAt(run, 3);
    assert.ok(finding(run, 'audience-mismatch')?.message.includes(`jwt_audience: ${CLIENT_ID}`));
  });

  test('jwt_audience wrong (another client ID): audience-mismatch error', async () => {
    const run = await gate(swagger(APP_URL, '999-other.apps.googleusercontent.com'), world([app()]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:error']);
    assert.ok(finding(run, 'audience-mismatch')?.message.includes(CLIENT_ID));
  });

  test('403 on the app IAP policy: iam-unreadable (fails closed)', async () => {
    const w = world([app()]);
    w.faults = [{ path: 'iap_web/appengine-shop-prod:getIamPolicy$', status: 403 }];
    const run = await gate(swagger(APP_URL), w);
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  });
});

// ---------------------------------------------------------------------------------------------- addresses

describe('App Engine addresses', { concurrency: 8 }, () => {
  test('SERVICE-dot-PROJECT.appspot.com with the accessor on that service: pass, resource the service', async () => {
    const address = 'https://admin-dot-shop-prod.appspot.com';
    const run = await gate(swagger(address), world([app({ [`${IAP_APP}/services/admin`]: ACCESSOR(SA_MEMBER) })]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(backends(run), [[address, 'app-engine', `${APP}/services/admin`, 'pass']]);
    assert.ok(run.requests.some((r) => r.methodId === 'appengine.apps.services.get' && r.path === `/v1/${APP}/services/admin`));
  });

  test('VERSION-dot-SERVICE-dot-PROJECT.REGION.r.appspot.com: resolves to the service; accessor on the app: pass', async () => {
    const address = 'https://v2-dot-admin-dot-shop-prod.uc.r.appspot.com';
    const run = await gate(swagger(address), world([app()]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(backends(run), [[address, 'app-engine', `${APP}/services/admin`, 'pass']]);
  });

  test('VERSION-dot-SERVICE-dot-PROJECT with no accessor: missing-iap-access whose fix names the service', async () => {
    const address = 'https://v2-dot-admin-dot-shop-prod.uc.r.appspot.com';
    const run = await gate(swagger(address), world([app({})]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error']);
    assert.match(finding(run, 'missing-iap-access')?.fix ?? '', / --service=admin /);
  });

  test(
    'INSTANCE-dot-VERSION-dot-SERVICE-dot-PROJECT (manual-scaling instance URL) resolves to that service, not the default one',
    {},
    async () => {
    // Accessor only on the default service: the admin service the address targets is not covered.
    const address = 'https://0-dot-v2-dot-admin-dot-shop-prod.uc.r.appspot.com';
    const run = await gate(swagger(address), world([app({ [`${IAP_APP}/services/default`]: ACCESSOR(SA_MEMBER) })]));
    assert.deepEqual(run.report?.backends.map((b) => [b.kind, b.resource]), [['app-engine', `${APP}/services/admin`]], why(run));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-iap-access:error']);
    },
  );

  test('PROJECT.appspot.com (no region code): pass', async () => {
    const run = await gate(swagger('https://shop-prod.appspot.com'), world([app()]));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(backends(run), [['https://shop-prod.appspot.com', 'app-engine', APP, 'pass']]);
  });

  test('a name that is no service is routed as a version of the default service, as App Engine does', async () => {
    const address = 'https://billing-dot-shop-prod.uc.r.appspot.com';
    const run = await gate(swagger(address), world([app()]));
    assert.deepEqual(run.report?.backends.map((b) => [b.kind, b.resource]), [['app-engine', 'apps/shop-prod/services/default']]);
    assert.ok(!rulesOf(run).includes('backend-not-found:error'), rulesOf(run).join());
    assert.ok(run.requests.some((r) => r.path.endsWith('/iap_web/appengine-shop-prod/services/default/versions/billing:getIamPolicy')), 'version-level IAP policy read');
  });

  test('project without an App Engine app: backend-not-found', async () => {
    const run = await gate(swagger('https://shop-noapp.appspot.com'), world([app()]));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    assert.match(finding(run, 'backend-not-found')?.message ?? '', /shop-noapp/);
  });
});

describe('OpenAPI 3 config', () => {
  test('x-google-api-management backend with jwtAudience = client ID: pass; without it: audience-mismatch at the backend line', async () => {
    const oas3 = (audience: string | null): string =>
      [
        'openapi: 3.0.3', // 1
        'info: { title: shop, version: "1.0" }', // 2
        'x-google-api-management:', // 3
        '  backends:', // 4
        '    app:', // 5
        `      address: ${APP_URL}`, // 6
        ...(audience === null ? [] : [`      jwtAudience: ${audience}`]),
        'x-google-backend: app',
        'paths:',
        '  /orders:',
        '    get:',
        '      operationId: listOrders',
        "      responses: { '200': { description: OK } }",
        '',
      ].join('\n');
    const ok = await gate(oas3(CLIENT_ID), world([app()]));
    verdict(ok, 0, 'pass', 0, 0);
    assert.deepEqual(backends(ok), [[APP_URL, 'app-engine', APP, 'pass']]);
    const bad = await gate(oas3(null), world([app()]));
    verdict(bad, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(bad), ['audience-mismatch:error']);
  });
});

// ---------------------------------------------------------------------------------------------- fixture world

describe('fixture world', () => {
  test('several App Engine backends, one per operation, each judged at its own line', async () => {
    const spec = [
      'swagger: "2.0"', // 1
      'info: { title: shop, version: "1.0" }', // 2
      'x-google-backend:', // 3
      `  address: ${APP_URL}`, // 4
      `  jwt_audience: ${CLIENT_ID}`, // 5
      'paths:', // 6
      '  /orders:', // 7
      '    get:', // 8
      '      operationId: listOrders', // 9
      "      responses: { '200': { description: OK } }", // 10
      '  /admin:', // 11
      '    get:', // 12
      '      operationId: admin', // 13
      '      x-google-backend:', // 14
      '        address: https://admin-dot-shop-prod.uc.r.appspot.com', // 15
      `        jwt_audience: ${CLIENT_ID}`, // 16
      "      responses: { '200': { description: OK } }", // 17
      '  /legacy:', // 18
      '    get:', // 19
      '      operationId: legacy', // 20
      '      x-google-backend:', // 21
      '        address: https://shop-open.appspot.com', // 22
      "      responses: { '200': { description: OK } }", // 23
      '',
    ].join('\n');
    const run = await gate(spec, path.join(FIXTURES, 'worlds/e2e-gae-apps.yaml'));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(
      backends(run).sort(),
      [
        [APP_URL, 'app-engine', APP, 'pass'],
        ['https://admin-dot-shop-prod.uc.r.appspot.com', 'app-engine', `${APP}/services/admin`, 'error'],
        ['https://shop-open.appspot.com', 'app-engine', 'apps/shop-open', 'error'],
      ].sort(),
    );
    const at = (run.report?.findings ?? []).map((f) => `${f.rule}@${f.line}`).sort();
    assert.deepEqual(at, ['public-access@14', 'public-access@21']);
  });
});
