/**
 * Unit tests of checkAppEngine (pure): hand-made IAP and project policies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_ENGINE_PERMISSIONS, checkAppEngine } from '../../src/checks/app-engine.ts';
import type { AppInfo, IamBinding, RoleDefinition } from '../../src/gcp/types.ts';
import type { AccessFacts, PolicyFact } from '../../src/iam/facts.ts';
import type { AppEngineTarget } from '../../src/resolve/target.ts';
import type { Backend, Finding } from '../../src/types.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const MEMBER = `serviceAccount:${SA}`;
const NOW = new Date('2026-11-30T12:00:00Z');
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const CLIENT_ID = '123456789012-abcdef.apps.googleusercontent.com';
const ADDRESS = 'https://shop-prod.uc.r.appspot.com';
const IAP_ROOT = `projects/${NUMBER}/iap_web`;
const IAP_APP = `${IAP_ROOT}/appengine-${PROJECT}`;
const IAP_SERVICE = `${IAP_APP}/services/default`;
const [UPDATE, CREATE, SECRET] = APP_ENGINE_PERMISSIONS as [string, string, string];
const CUSTOM = `projects/${PROJECT}/roles/gatewayAppEngine`;

const role = (name: string, includedPermissions: string[]): RoleDefinition => ({ name, includedPermissions, deleted: false, stage: 'GA' });
const ROLES: RoleDefinition[] = [
  role('roles/iap.httpsResourceAccessor', ['iap.webServiceVersions.accessViaIAP']),
  role('roles/owner', ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret', 'run.routes.invoke']),
  role('roles/appengine.appAdmin', ['appengine.applications.update', 'appengine.applications.get']),
  role(CUSTOM, [UPDATE, CREATE, SECRET]),
  role(`projects/${PROJECT}/roles/oauthOnly`, [CREATE, SECRET]),
  role(`projects/${PROJECT}/roles/createOnly`, [CREATE]),
];

const accessor = (...members: string[]): IamBinding => ({ role: 'roles/iap.httpsResourceAccessor', members });
const custom = (name = CUSTOM): IamBinding => ({ role: name, members: [MEMBER] });

function backend(extra: Partial<Backend> = {}): Backend {
  return { address: ADDRESS, jwtAudience: CLIENT_ID, file: 'openapi.yaml', line: 3, operations: ['GET /'], ...extra };
}

function target(app: Partial<AppInfo> = {}, extra: Partial<AppEngineTarget> = {}): AppEngineTarget {
  return {
    kind: 'app-engine',
    resource: `apps/${PROJECT}`,
    project: PROJECT,
    projectNumber: NUMBER,
    app: { id: PROJECT, iapEnabled: true, oauth2ClientId: CLIENT_ID, ...app },
    serviceId: 'default',
    ...extra,
  };
}

/** IAP policies (service, app, root) and the project's; each given as bindings. */
function access(p: { service?: IamBinding[]; app?: IamBinding[]; root?: IamBinding[]; project?: IamBinding[] }, override: Partial<PolicyFact> = {}): AccessFacts {
  return {
    policies: [
      { resource: IAP_SERVICE, level: 'resource', policy: { bindings: p.service ?? [] } },
      { resource: IAP_APP, level: 'iap', policy: { bindings: p.app ?? [] }, ...override },
      { resource: IAP_ROOT, level: 'iap', policy: { bindings: p.root ?? [] } },
      { resource: `projects/${PROJECT}`, level: 'project', policy: { bindings: p.project ?? [] } },
      { resource: 'organizations/1000', level: 'organization', policy: { bindings: [] } },
    ],
    roles: new Map(ROLES.map((r) => [r.name, { definition: r }])),
  };
}

const rules = (findings: Finding[]): string[] => findings.map((f) => `${f.rule}:${f.severity}`).sort();
const show = (findings: Finding[]): string => JSON.stringify(findings, null, 1);
const check = (a: AccessFacts, b = backend(), t = target()): Finding[] => checkAppEngine(b, t, a, SA, NOW);

describe('App Engine behind IAP', () => {
  test('accessor on the app IAP resource + custom role with the three permissions + jwt_audience = client ID: no finding', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }));
    assert.deepEqual(f, [], show(f));
  });

  test('accessor granted on the project: no finding', () => {
    const f = check(access({ project: [accessor(MEMBER), custom()] }));
    assert.deepEqual(f, [], show(f));
  });

  test('accessor on the service IAP resource: no finding', () => {
    const f = check(access({ service: [accessor(MEMBER)], project: [custom()] }));
    assert.deepEqual(f, [], show(f));
  });

  test('IAP off: public-access with the enable fix', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }), backend(), target({ iapEnabled: false }));
    assert.deepEqual(rules(f), ['public-access:error'], show(f));
    assert.equal(f[0]?.resource, `apps/${PROJECT}`);
    assert.match(f[0]?.message ?? '', /Identity-Aware Proxy is off/);
    assert.equal(f[0]?.fix, `gcloud iap web enable --resource-type=app-engine --project=${PROJECT}`);
  });

  test('missing accessor: missing-iap-access with the gcloud iap fix', () => {
    const f = check(access({ project: [custom()] }));
    assert.deepEqual(rules(f), ['missing-iap-access:error'], show(f));
    assert.match(f[0]?.message ?? '', /iap\.webServiceVersions\.accessViaIAP/);
    assert.equal(
      f[0]?.fix,
      `gcloud iap web add-iam-policy-binding --project=${PROJECT} --resource-type=app-engine --member=${MEMBER} --role=roles/iap.httpsResourceAccessor`,
    );
  });

  test('missing accessor on a named service: fix names the service', () => {
    const f = check(access({ project: [custom()] }), backend({ address: 'https://admin-dot-shop-prod.uc.r.appspot.com' }), target({}, { serviceId: 'admin', resource: `apps/${PROJECT}/services/admin` }));
    assert.deepEqual(rules(f), ['missing-iap-access:error'], show(f));
    assert.match(f[0]?.fix ?? '', / --service=admin /);
  });

  test('Owner only: missing-iap-access only (Owner lacks accessViaIAP but holds the three permissions)', () => {
    const f = check(access({ project: [{ role: 'roles/owner', members: [MEMBER] }] }));
    assert.deepEqual(rules(f), ['missing-iap-access:error'], show(f));
  });

  test('no role for the three permissions: missing-app-engine-permissions naming all three, custom-role fix', () => {
    const f = check(access({ app: [accessor(MEMBER)] }));
    assert.deepEqual(rules(f), ['missing-app-engine-permissions:error'], show(f));
    for (const p of APP_ENGINE_PERMISSIONS) assert.ok(f[0]?.message.includes(p), `${p} in ${f[0]?.message}`);
    assert.match(f[0]?.fix ?? '', /^gcloud iam roles create \S+ --project=shop-prod .*--permissions=appengine\.applications\.update,clientauthconfig\.clients\.create,clientauthconfig\.clients\.getWithSecret/);
    assert.match(f[0]?.fix ?? '', /gcloud projects add-iam-policy-binding shop-prod --member=serviceAccount:gw@gw-host\.iam\.gserviceaccount\.com --role=projects\/shop-prod\/roles\//);
  });

  test('missing one permission (appengine.applications.update): names exactly that one', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom(`projects/${PROJECT}/roles/oauthOnly`)] }));
    assert.deepEqual(rules(f), ['missing-app-engine-permissions:error'], show(f));
    const m = f[0]?.message ?? '';
    assert.ok(m.includes(UPDATE), m);
    assert.ok(!m.includes(CREATE), m);
    assert.ok(!m.includes(SECRET), m);
    assert.match(f[0]?.fix ?? '', /gcloud iam roles create/);
  });

  test('missing two permissions: names exactly those two', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom(`projects/${PROJECT}/roles/createOnly`)] }));
    assert.deepEqual(rules(f), ['missing-app-engine-permissions:error'], show(f));
    const m = f[0]?.message ?? '';
    assert.ok(m.includes(UPDATE), m);
    assert.ok(m.includes(SECRET), m);
    assert.ok(!m.includes(CREATE), m);
  });

  test('a deny rule on one of the three permissions overrides the custom role that grants it', () => {
    const denied: AccessFacts = {
      ...access({ app: [accessor(MEMBER)], project: [custom()] }),
      denies: [
        {
          attachmentPoint: `cloudresourcemanager.googleapis.com/projects/${PROJECT}`,
          policies: [
            {
              name: 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fshop-prod/denypolicies/no-app-changes',
              rules: [
                {
                  deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`],
                  exceptionPrincipals: [],
                  deniedPermissions: ['appengine.googleapis.com/applications.update'],
                  exceptionPermissions: [],
                },
              ],
            },
          ],
        },
      ],
    };
    const f = check(denied);
    assert.deepEqual(rules(f), ['missing-app-engine-permissions:error'], show(f));
    assert.match(f[0]?.message ?? '', /is denied appengine\.applications\.update by deny policy .*no-app-changes/);
  });

  test('the three permissions through a mix of roles (App Engine Admin + custom OAuth role): no finding', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [{ role: 'roles/appengine.appAdmin', members: [MEMBER] }, custom(`projects/${PROJECT}/roles/oauthOnly`)] }));
    assert.deepEqual(f, [], show(f));
  });

  test('allUsers on the app IAP resource: public-access', () => {
    const f = check(access({ app: [accessor('allUsers', MEMBER)], project: [custom()] }));
    assert.deepEqual(rules(f), ['public-access:error'], show(f));
    assert.match(f[0]?.message ?? '', /allUsers/);
  });

  test('allAuthenticatedUsers on the service IAP resource, no own accessor: public-access and missing-iap-access', () => {
    const f = check(access({ service: [accessor('allAuthenticatedUsers')], project: [custom()] }));
    assert.deepEqual(rules(f), ['missing-iap-access:error', 'public-access:error'], show(f));
  });

  test('jwt_audience missing: audience-mismatch error naming the client ID', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }), backend({ jwtAudience: undefined }));
    assert.deepEqual(rules(f), ['audience-mismatch:error'], show(f));
    assert.ok(f[0]?.message.includes(CLIENT_ID), f[0]?.message);
  });

  test('jwt_audience wrong (the app URL): audience-mismatch error', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }), backend({ jwtAudience: ADDRESS }));
    assert.deepEqual(rules(f), ['audience-mismatch:error'], show(f));
    assert.ok(f[0]?.message.includes(CLIENT_ID), f[0]?.message);
  });

  test('IAP on but no OAuth client ID reported: audience-mismatch warning (cannot be verified)', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }), backend(), target({ oauth2ClientId: undefined }));
    assert.deepEqual(rules(f), ['audience-mismatch:warning'], show(f));
  });

  test('disable_auth: auth-disabled, no audience finding', () => {
    const f = check(access({ app: [accessor(MEMBER)], project: [custom()] }), backend({ disableAuth: true, jwtAudience: undefined }));
    assert.deepEqual(rules(f), ['auth-disabled:error'], show(f));
  });

  test('missing project number: the IAP policies are unreadable, iam-unreadable', () => {
    const t = target({}, { projectNumber: undefined });
    const a = access({ project: [custom()] });
    for (const p of a.policies) if (p.level === 'resource' || p.level === 'iap') Object.assign(p, { policy: undefined, error: 'project number unknown' });
    const f = check(a, backend(), t);
    assert.deepEqual(rules(f), ['iam-unreadable:error'], show(f));
  });

  test('unreadable app IAP policy: iam-unreadable, never a pass', () => {
    const f = check(access({ project: [custom()] }, { policy: undefined, error: `Could not read the IAM policy of ${IAP_APP}: denied` }));
    assert.deepEqual(rules(f), ['iam-unreadable:error'], show(f));
  });
});

test('an app that is not serving is unreachable', () => {
  const SA_ = 'gw@gw-host.iam.gserviceaccount.com';
  const target = {
    kind: 'app-engine' as const,
    resource: 'apps/shop-prod',
    project: 'shop-prod',
    projectNumber: '123456789012',
    app: { id: 'shop-prod', iapEnabled: true, oauth2ClientId: 'client-id', servingStatus: 'USER_DISABLED' },
    serviceId: 'default',
  };
  const grant = (role: string) => ({ role, members: [`serviceAccount:${SA_}`] });
  const access = {
    policies: [
      { resource: 'projects/123456789012/iap_web/appengine-shop-prod/services/default', level: 'resource' as const, policy: { bindings: [grant('roles/iap.httpsResourceAccessor')] } },
      { resource: 'projects/shop-prod', level: 'project' as const, policy: { bindings: [grant('roles/editor')] } },
    ],
    roles: new Map([
      ['roles/iap.httpsResourceAccessor', { definition: { name: 'roles/iap.httpsResourceAccessor', includedPermissions: ['iap.webServiceVersions.accessViaIAP'], deleted: false } }],
      ['roles/editor', { definition: { name: 'roles/editor', includedPermissions: ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'], deleted: false } }],
    ]),
  };
  const backend = { address: 'https://shop-prod.appspot.com', file: 'openapi.yaml', line: 3, operations: [], jwtAudience: 'client-id' };
  const findings = checkAppEngine(backend, target, access, SA_, new Date('2026-11-30T00:00:00Z'));
  assert.deepEqual(findings.map((f) => `${f.rule}:${f.severity}`), ['unreachable-backend:warning']);
});
