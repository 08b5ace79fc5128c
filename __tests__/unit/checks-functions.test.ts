/**
 * Unit tests of checkCloudFunction (pure): hand-made facts for 1st- and 2nd-gen functions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCloudFunction } from '../../src/checks/cloud-functions.ts';
import type { BackendFacts } from '../../src/facts.ts';
import type { FunctionInfo, IamBinding, RoleDefinition, RunService } from '../../src/gcp/types.ts';
import type { AccessFacts, PolicyFact } from '../../src/iam/facts.ts';
import type { FunctionTarget } from '../../src/resolve/target.ts';
import type { Backend, Finding } from '../../src/types.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const MEMBER = `serviceAccount:${SA}`;
const NOW = new Date('2026-11-30T12:00:00Z');
const PROJECT = 'shop-prod';

const HOOK = `projects/${PROJECT}/locations/us-central1/functions/legacy-hook`;
const HOOK_URL = 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook';
const RESIZE = `projects/${PROJECT}/locations/europe-west1/functions/resize`;
const RESIZE_URL = 'https://europe-west1-shop-prod.cloudfunctions.net/resize';
const RESIZE_SERVICE = `projects/${PROJECT}/locations/europe-west1/services/resize`;
const RESIZE_RUN = 'https://resize-ghi789-ew.a.run.app';

const ROLES: RoleDefinition[] = [
  { name: 'roles/cloudfunctions.invoker', includedPermissions: ['cloudfunctions.functions.invoke'], deleted: false },
  { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke', 'run.jobs.run'], deleted: false },
  { name: 'roles/cloudfunctions.viewer', includedPermissions: ['cloudfunctions.functions.get', 'cloudfunctions.functions.list'], deleted: false },
  { name: `projects/${PROJECT}/roles/fnCaller`, includedPermissions: ['cloudfunctions.functions.invoke'], deleted: false, stage: 'GA' },
];

const fnInvoker = (...members: string[]): IamBinding => ({ role: 'roles/cloudfunctions.invoker', members });
const runInvoker = (...members: string[]): IamBinding => ({ role: 'roles/run.invoker', members });

function backend(extra: Partial<Backend> = {}): Backend {
  return { address: HOOK_URL, file: 'openapi.yaml', line: 3, operations: ['GET /hook'], ...extra };
}

function facts(resource: string, bindings: IamBinding[], projectBindings: IamBinding[] = [], override: Partial<PolicyFact> = {}): AccessFacts {
  return {
    policies: [
      { resource, level: 'resource', policy: { bindings }, ...override },
      { resource: `projects/${PROJECT}`, level: 'project', policy: { bindings: projectBindings } },
      { resource: 'organizations/1000', level: 'organization', policy: { bindings: [] } },
    ],
    roles: new Map(ROLES.map((r) => [r.name, { definition: r }])),
  };
}

function gen1(extra: Partial<FunctionInfo> = {}): FunctionTarget {
  return {
    kind: 'cloud-functions',
    resource: HOOK,
    project: PROJECT,
    region: 'us-central1',
    fn: { name: HOOK, environment: 'GEN_1', url: HOOK_URL, state: 'ACTIVE', ingressSettings: 'ALLOW_ALL', ...extra },
  };
}

function gen2(service: Partial<RunService> = {}, fn: Partial<FunctionInfo> = {}): FunctionTarget {
  return {
    kind: 'cloud-functions',
    resource: RESIZE,
    project: PROJECT,
    region: 'europe-west1',
    fn: { name: RESIZE, environment: 'GEN_2', url: RESIZE_URL, state: 'ACTIVE', ingressSettings: 'ALLOW_ALL', runService: RESIZE_SERVICE, runUri: RESIZE_RUN, ...fn },
    service: {
      name: RESIZE_SERVICE,
      uri: RESIZE_RUN,
      urls: [RESIZE_RUN, 'https://resize-123456789012.europe-west1.run.app'],
      ingress: 'INGRESS_TRAFFIC_ALL',
      invokerIamDisabled: false,
      defaultUriDisabled: false,
      customAudiences: [],
      ...service,
    },
    serviceName: RESIZE_SERVICE,
  };
}

/** 2nd-gen facts: the underlying service's chain decides; the function's chain only explains. */
function gen2Facts(serviceBindings: IamBinding[], functionBindings: IamBinding[] = [], projectBindings: IamBinding[] = []): BackendFacts {
  return { access: facts(RESIZE_SERVICE, serviceBindings, projectBindings), functionAccess: facts(RESIZE, functionBindings, projectBindings) };
}

const rules = (findings: Finding[]): string[] => findings.map((f) => `${f.rule}:${f.severity}`).sort();
const show = (findings: Finding[]): string => JSON.stringify(findings, null, 1);

const GEN1_FIX = `gcloud functions add-iam-policy-binding legacy-hook --project=shop-prod --region=us-central1 --member=${MEMBER} --role=roles/cloudfunctions.invoker`;
const GEN2_FIX = `gcloud functions add-invoker-policy-binding resize --project=shop-prod --region=europe-west1 --member=${MEMBER}`;

describe('1st gen', () => {
  test('cloudfunctions.invoker on the function: no finding', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('cloudfunctions.invoker on the project: no finding', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [], [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('a custom role holding cloudfunctions.functions.invoke: no finding', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [{ role: `projects/${PROJECT}/roles/fnCaller`, members: [MEMBER] }]) }, SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('roles/run.invoker does not authorize a 1st-gen function: missing-invoker', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [runInvoker(MEMBER)], [runInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['missing-invoker:error'], show(f));
  });

  test('allUsers holding the invoke permission, account granted: public-access only, fix removes the public binding', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [fnInvoker('allUsers', MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['public-access:error'], show(f));
    assert.equal(f[0]?.resource, HOOK);
    assert.equal(f[0]?.line, 3);
    assert.equal(f[0]?.file, 'openapi.yaml');
    assert.match(f[0]?.message ?? '', /allUsers/);
    assert.equal(
      f[0]?.fix,
      'gcloud functions remove-iam-policy-binding legacy-hook --project=shop-prod --region=us-central1 --member=allUsers --role=roles/cloudfunctions.invoker',
    );
  });

  test('allAuthenticatedUsers through a custom role, no own grant: public-access and missing-invoker', () => {
    const f = checkCloudFunction(
      backend(),
      gen1(),
      { access: facts(HOOK, [{ role: `projects/${PROJECT}/roles/fnCaller`, members: ['allAuthenticatedUsers'] }]) },
      SA,
      NOW,
    );
    assert.deepEqual(rules(f), ['missing-invoker:error', 'public-access:error'], show(f));
    assert.match(f.find((x) => x.rule === 'public-access')?.message ?? '', /allAuthenticatedUsers/);
  });

  test('allUsers with a role that lacks the invoke permission is not public', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [{ role: 'roles/cloudfunctions.viewer', members: ['allUsers'] }, fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('no grant: missing-invoker naming cloudfunctions.functions.invoke with the gcloud functions fix', () => {
    const f = checkCloudFunction(backend(), gen1(), { access: facts(HOOK, [fnInvoker('serviceAccount:other@x.iam.gserviceaccount.com')]) }, SA, NOW);
    assert.deepEqual(rules(f), ['missing-invoker:error'], show(f));
    assert.equal(f[0]?.resource, HOOK);
    assert.equal(f[0]?.line, 3);
    assert.match(f[0]?.message ?? '', /cloudfunctions\.functions\.invoke/);
    assert.equal(f[0]?.fix, GEN1_FIX);
  });

  test('event-triggered function: unreachable-backend warning', () => {
    const f = checkCloudFunction(backend(), gen1({ url: undefined, eventType: 'google.pubsub.topic.publish' }), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['unreachable-backend:warning'], show(f));
    assert.match(f[0]?.message ?? '', /google\.pubsub\.topic\.publish/);
  });

  test('ALLOW_INTERNAL_ONLY ingress: unreachable-backend warning with an ingress fix', () => {
    const f = checkCloudFunction(backend(), gen1({ ingressSettings: 'ALLOW_INTERNAL_ONLY' }), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['unreachable-backend:warning'], show(f));
    assert.match(f[0]?.message ?? '', /ALLOW_INTERNAL_ONLY/);
    assert.match(f[0]?.fix ?? '', /--ingress-settings=all/);
  });

  test('ALLOW_ALL ingress and an explicit jwt_audience equal to the URL: no finding', () => {
    const f = checkCloudFunction(backend({ address: `${HOOK_URL}/v1`, jwtAudience: HOOK_URL }), gen1(), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('address with an extra path and no jwt_audience: audience-mismatch error', () => {
    const f = checkCloudFunction(backend({ address: `${HOOK_URL}/v1/items` }), gen1(), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['audience-mismatch:error'], show(f));
    assert.ok(f[0]?.message.includes(`${HOOK_URL}/v1/items`), f[0]?.message);
    assert.ok(f[0]?.message.includes(`jwt_audience: ${HOOK_URL}`), f[0]?.message);
  });

  test('jwt_audience that is another URL: audience-mismatch error', () => {
    const f = checkCloudFunction(backend({ jwtAudience: 'https://example.com' }), gen1(), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['audience-mismatch:error'], show(f));
  });

  test('unreadable function policy: iam-unreadable, never a pass', () => {
    const f = checkCloudFunction(
      backend(),
      gen1(),
      { access: facts(HOOK, [], [], { policy: undefined, error: `Could not read the IAM policy of ${HOOK}: permission denied` }) },
      SA,
      NOW,
    );
    assert.deepEqual(rules(f), ['iam-unreadable:error'], show(f));
    assert.match(f[0]?.message ?? '', /permission denied/);
  });

  test('disable_auth: auth-disabled', () => {
    const f = checkCloudFunction(backend({ disableAuth: true }), gen1(), { access: facts(HOOK, [fnInvoker(MEMBER)]) }, SA, NOW);
    assert.deepEqual(rules(f), ['auth-disabled:error'], show(f));
  });
});

describe('2nd gen', () => {
  test('run.invoker on the underlying service: no finding', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('run.invoker on the project: no finding', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([], [], [runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('addressed by its run.app URL: no finding', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_RUN }), gen2(), gen2Facts([runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('only roles/cloudfunctions.invoker on the function: missing-invoker explaining the 1st-gen role, add-invoker-policy-binding fix', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([], [fnInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(rules(f), ['missing-invoker:error'], show(f));
    const m = f[0]?.message ?? '';
    assert.match(m, /roles\/cloudfunctions\.invoker/);
    assert.match(m, /1st-gen/);
    assert.match(m, /run\.routes\.invoke/);
    assert.ok(m.includes(RESIZE_SERVICE), m);
    assert.equal(f[0]?.resource, RESIZE);
    assert.equal(f[0]?.fix, GEN2_FIX);
  });

  test('no grant at all: missing-invoker with the add-invoker-policy-binding fix, no 1st-gen note', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([]), SA, NOW);
    assert.deepEqual(rules(f), ['missing-invoker:error'], show(f));
    assert.equal(f[0]?.fix, GEN2_FIX);
    assert.doesNotMatch(f[0]?.message ?? '', /cloudfunctions\.invoker/);
  });

  test('allUsers run.invoker on the underlying service: public-access', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([runInvoker('allUsers', MEMBER)]), SA, NOW);
    assert.deepEqual(rules(f), ['public-access:error'], show(f));
    assert.match(f[0]?.fix ?? '', /gcloud run services remove-iam-policy-binding resize --project=shop-prod --region=europe-west1 --member=allUsers --role=roles\/run.invoker/);
  });

  test('allUsers holding only the 1st-gen role on a 2nd-gen function is not public', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2(), gen2Facts([runInvoker(MEMBER)], [fnInvoker('allUsers')]), SA, NOW);
    assert.deepEqual(f, [], show(f));
  });

  test('invoker IAM check disabled on the service: public-access', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2({ invokerIamDisabled: true }), gen2Facts([runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(rules(f), ['public-access:error'], show(f));
    assert.match(f[0]?.fix ?? '', /--invoker-iam-check/);
  });

  test('invoker IAM check disabled and no own grant: public-access and missing-invoker', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2({ invokerIamDisabled: true }), gen2Facts([]), SA, NOW);
    assert.deepEqual(rules(f), ['missing-invoker:error', 'public-access:error'], show(f));
  });

  test('internal-only ingress on the underlying service: unreachable-backend', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL }), gen2({ ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' }), gen2Facts([runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(rules(f), ['unreachable-backend:warning'], show(f));
  });

  test('event-triggered 2nd-gen function: unreachable-backend', () => {
    const f = checkCloudFunction(
      backend({ address: RESIZE_URL }),
      gen2({}, { eventType: 'google.cloud.storage.object.v1.finalized' }),
      gen2Facts([runInvoker(MEMBER)]),
      SA,
      NOW,
    );
    assert.deepEqual(rules(f), ['unreachable-backend:warning'], show(f));
  });

  test('jwt_audience that is neither URL: audience-mismatch error', () => {
    const f = checkCloudFunction(backend({ address: RESIZE_URL, jwtAudience: 'https://other.example.com' }), gen2(), gen2Facts([runInvoker(MEMBER)]), SA, NOW);
    assert.deepEqual(rules(f), ['audience-mismatch:error'], show(f));
  });
});

test('2nd gen: internal-only ingress on the function itself is unreachable even when its service says all', () => {
  const SA_ = 'gw@gw-host.iam.gserviceaccount.com';
  const service = { name: 'projects/p1/locations/europe-west1/services/resize', uri: 'https://resize-x-ew.a.run.app', urls: [], ingress: 'INGRESS_TRAFFIC_ALL', invokerIamDisabled: false, defaultUriDisabled: false, customAudiences: [] };
  const target = {
    kind: 'cloud-functions' as const,
    resource: 'projects/p1/locations/europe-west1/functions/resize',
    project: 'p1',
    region: 'europe-west1',
    fn: { name: 'projects/p1/locations/europe-west1/functions/resize', environment: 'GEN_2', url: 'https://europe-west1-p1.cloudfunctions.net/resize', ingressSettings: 'ALLOW_INTERNAL_ONLY', runService: service.name },
    service,
    serviceName: service.name,
  };
  const access = {
    policies: [{ resource: service.name, level: 'resource' as const, policy: { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA_}`] }] } }],
    roles: new Map([['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }]]),
  };
  const backend = { address: 'https://europe-west1-p1.cloudfunctions.net/resize', file: 'openapi.yaml', line: 3, operations: [] };
  const findings = checkCloudFunction(backend, target, { access }, SA_, new Date('2026-11-30T00:00:00Z'));
  assert.deepEqual(findings.map((f) => `${f.rule}:${f.severity}`), ['unreachable-backend:warning']);
});
