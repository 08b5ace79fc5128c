/**
 * End-to-end tests of the gate for Cloud Functions backends (1st and 2nd gen): dist/index.js run as the
 * runner does, against the fake Google API, with exact assertions on exit code, outputs and report.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CloudFunction, Policy, RunService, World } from '../fake-google/world.ts';
import { FIXTURES, rulesOf, runAction, type ActionRun, verdict, why, findingsAt } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const EMPTY: Policy = { bindings: [] };
const FN_INVOKER = (...members: string[]): Policy => ({ bindings: [{ role: 'roles/cloudfunctions.invoker', members }] });
const RUN_INVOKER = (...members: string[]): Policy => ({ bindings: [{ role: 'roles/run.invoker', members }] });

// 1st gen: legacy-hook in us-central1
const HOOK = `projects/${PROJECT}/locations/us-central1/functions/legacy-hook`;
const HOOK_URL = 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook';
// 2nd gen: resize in europe-west1, run by the Cloud Run service resize
const RESIZE = `projects/${PROJECT}/locations/europe-west1/functions/resize`;
const RESIZE_URL = 'https://europe-west1-shop-prod.cloudfunctions.net/resize';
const RESIZE_SERVICE = `projects/${PROJECT}/locations/europe-west1/services/resize`;
const RESIZE_RUN = 'https://resize-ghi789-ew.a.run.app';
const RESIZE_RUN_DETERMINISTIC = `https://resize-${NUMBER}.europe-west1.run.app`;

const GEN1_FIX = `gcloud functions add-iam-policy-binding legacy-hook --project=shop-prod --region=us-central1 --member=${SA_MEMBER} --role=roles/cloudfunctions.invoker`;
const GEN2_FIX = `gcloud functions add-invoker-policy-binding resize --project=shop-prod --region=europe-west1 --member=${SA_MEMBER}`;

/** Methods a check of functions may call: reads only. */
const READ_ONLY = /^(run|cloudresourcemanager|iam|cloudfunctions)(\.\w+)+\.(list\w*|get|getIamPolicy)$/;

// ---------------------------------------------------------------------------------------------- helpers

function gen1(policy: Policy = EMPTY, extra: Partial<CloudFunction> = {}, ingress = 'ALLOW_ALL'): CloudFunction {
  return {
    name: HOOK,
    environment: 'GEN_1',
    state: 'ACTIVE',
    url: HOOK_URL,
    buildConfig: { runtime: 'nodejs20', entryPoint: 'hook' },
    serviceConfig: { uri: HOOK_URL, ingressSettings: ingress },
    iamPolicy: policy,
    ...extra,
  };
}

function gen2(fnPolicy: Policy = EMPTY, extra: Partial<CloudFunction> = {}): CloudFunction {
  return {
    name: RESIZE,
    environment: 'GEN_2',
    state: 'ACTIVE',
    url: RESIZE_URL,
    buildConfig: { runtime: 'nodejs20', entryPoint: 'resize' },
    serviceConfig: { service: RESIZE_SERVICE, uri: RESIZE_RUN, ingressSettings: 'ALLOW_ALL' },
    iamPolicy: fnPolicy,
    ...extra,
  };
}

function resizeService(policy: Policy = EMPTY, extra: Partial<RunService> = {}): RunService {
  return {
    name: RESIZE_SERVICE,
    uri: RESIZE_RUN,
    urls: [RESIZE_RUN, RESIZE_RUN_DETERMINISTIC],
    ingress: 'INGRESS_TRAFFIC_ALL',
    labels: { 'goog-managed-by': 'cloudfunctions' },
    iamPolicy: policy,
    ...extra,
  };
}

function world(parts: { functions?: CloudFunction[]; runServices?: RunService[]; projectPolicy?: Policy } & Partial<World> = {}): World {
  const { projectPolicy = EMPTY, ...rest } = parts;
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: EMPTY }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', displayName: 'shop', iamPolicy: EMPTY }],
    projects: [
      { projectId: PROJECT, projectNumber: NUMBER, parent: 'folders/200', iamPolicy: projectPolicy },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    serviceAccounts: [{ name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: '112233445566778899001', projectId: 'gw-host' }],
    ...rest,
  };
}

/**
 * A Swagger 2.0 config whose top-level `x-google-backend:` key is on line 3; `body` is an address or
 * YAML lines of the backend object. One operation, GET /hook.
 */
function swagger(body: string): string {
  const lines = body.startsWith('https://') ? [`address: ${body}`] : body.split('\n');
  return [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    ...lines.map((l) => `  ${l}`),
    'paths:',
    '  /hook:',
    '    get:',
    '      operationId: hook',
    '      responses:',
    "        '200':",
    '          description: OK',
    '',
  ].join('\n');
}

function gate(spec: string, w: World | string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, ...inputs }, files: { 'openapi.yaml': spec }, world: w });
}




function backends(run: ActionRun): Array<[string, string, string | undefined, string]> {
  return (run.report?.backends ?? []).map((b) => [b.address, b.kind, b.resource, b.status]);
}

function onlyReadOnlyCalls(run: ActionRun): void {
  for (const r of run.requests) {
    const ok = r.methodId !== undefined && r.methodId.split('|').every((id) => READ_ONLY.test(id));
    assert.ok(ok, `unexpected call ${r.method} ${r.path} (${r.methodId ?? 'unrouted'})`);
  }
}

const finding = (run: ActionRun, rule: string) => run.report?.findings.find((f) => f.rule === rule);

// ---------------------------------------------------------------------------------------------- 1st gen

describe('Cloud Functions 1st gen', { concurrency: 8 }, () => {
  test('cloudfunctions.invoker on the function: pass; policy read through v1 at version 3; read-only calls', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1(FN_INVOKER(SA_MEMBER))] }));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
    assert.deepEqual(backends(run), [[HOOK_URL, 'cloud-functions', HOOK, 'pass']]);
    assert.deepEqual(run.report?.backends[0]?.operations, ['GET /hook']);
    const policy = run.requests.filter((r) => r.methodId === 'cloudfunctions.projects.locations.functions.getIamPolicy');
    assert.equal(policy.length, 1, JSON.stringify(run.requests.map((r) => r.path)));
    assert.equal(policy[0]?.path, `/v1/${HOOK}:getIamPolicy`);
    assert.equal(policy[0]?.query['options.requestedPolicyVersion'], '3');
    onlyReadOnlyCalls(run);
  });

  test('cloudfunctions.invoker on the project: pass', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1()], projectPolicy: FN_INVOKER(SA_MEMBER) }));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(backends(run), [[HOOK_URL, 'cloud-functions', HOOK, 'pass']]);
  });

  test('cloudfunctions.invoker inherited from the folder: pass', async () => {
    const w = world({ functions: [gen1()] });
    w.folders = [{ name: 'folders/200', parent: 'organizations/1000', iamPolicy: FN_INVOKER(SA_MEMBER) }];
    const run = await gate(swagger(HOOK_URL), w);
    verdict(run, 0, 'pass', 0, 0);
  });

  test('allUsers holds cloudfunctions.functions.invoke (SA granted too): public-access only, with the removal fix', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1(FN_INVOKER('allUsers', SA_MEMBER))] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3, HOOK);
    assert.match(finding(run, 'public-access')?.message ?? '', /allUsers/);
    assert.equal(
      finding(run, 'public-access')?.fix,
      'gcloud functions remove-iam-policy-binding legacy-hook --project=shop-prod --region=us-central1 --member=allUsers --role=roles/cloudfunctions.invoker',
    );
    assert.deepEqual(backends(run), [[HOOK_URL, 'cloud-functions', HOOK, 'error']]);
  });

  test('allAuthenticatedUsers holds it, SA has no grant: public-access and missing-invoker', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1(FN_INVOKER('allAuthenticatedUsers'))] }));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
    findingsAt(run, 3, HOOK);
    assert.match(finding(run, 'public-access')?.message ?? '', /allAuthenticatedUsers/);
  });

  test('no grant: missing-invoker with the gcloud functions add-iam-policy-binding fix', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1()], projectPolicy: RUN_INVOKER(SA_MEMBER) }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    findingsAt(run, 3, HOOK);
    const f = finding(run, 'missing-invoker');
    assert.match(f?.message ?? '', /cloudfunctions\.functions\.invoke/);
    assert.ok(f?.message.includes(SA), f?.message);
    assert.equal(f?.fix, GEN1_FIX);
    assert.ok(run.summary.includes('missing-invoker'), run.summary);
  });

  test('event-triggered function: unreachable-backend warning (passes at fail-on error, fails at fail-on warning)', async () => {
    const fn = gen1(FN_INVOKER(SA_MEMBER), { url: undefined, eventTrigger: { eventType: 'google.pubsub.topic.publish', pubsubTopic: `projects/${PROJECT}/topics/orders` } });
    delete fn.serviceConfig?.uri;
    const w = world({ functions: [fn] });
    const run = await gate(swagger(HOOK_URL), w);
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
    findingsAt(run, 3, HOOK);
    assert.match(finding(run, 'unreachable-backend')?.message ?? '', /google\.pubsub\.topic\.publish/);
    const strict = await gate(swagger(HOOK_URL), w, { 'fail-on': 'warning' });
    verdict(strict, 1, 'fail', 0, 1);
  });

  test('ALLOW_INTERNAL_ONLY ingress: unreachable-backend warning', async () => {
    const run = await gate(swagger(HOOK_URL), world({ functions: [gen1(FN_INVOKER(SA_MEMBER), {}, 'ALLOW_INTERNAL_ONLY')] }));
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
    findingsAt(run, 3, HOOK);
    assert.match(finding(run, 'unreachable-backend')?.message ?? '', /ALLOW_INTERNAL_ONLY/);
  });

  test('address with an extra path and no jwt_audience: audience-mismatch error', async () => {
    const run = await gate(swagger(`${HOOK_URL}/v1`), world({ functions: [gen1(FN_INVOKER(SA_MEMBER))] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:error']);
    findingsAt(run, 3, HOOK);
    assert.ok(finding(run, 'audience-mismatch')?.message.includes(`jwt_audience: ${HOOK_URL}`));
  });

  test('address with an extra path and jwt_audience = the function URL: pass', async () => {
    const run = await gate(swagger(`address: ${HOOK_URL}/v1\njwt_audience: ${HOOK_URL}`), world({ functions: [gen1(FN_INVOKER(SA_MEMBER))] }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('function not found: backend-not-found error', async () => {
    const missing = 'https://us-central1-shop-prod.cloudfunctions.net/gone';
    const run = await gate(swagger(missing), world({ functions: [gen1(FN_INVOKER(SA_MEMBER))] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    findingsAt(run, 3);
    assert.match(finding(run, 'backend-not-found')?.message ?? '', /gone/);
    assert.deepEqual(run.report?.backends.map((b) => [b.address, b.kind, b.status]), [[missing, 'cloud-functions', 'error']]);
  });

  test('function in another region than the address names: backend-not-found', async () => {
    const run = await gate(swagger('https://europe-west1-shop-prod.cloudfunctions.net/legacy-hook'), world({ functions: [gen1(FN_INVOKER(SA_MEMBER))] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
  });

  test('403 on the function policy: iam-unreadable (fails closed)', async () => {
    const w = world({ functions: [gen1(FN_INVOKER(SA_MEMBER))], faults: [{ path: 'functions/legacy-hook:getIamPolicy$', status: 403 }] });
    const run = await gate(swagger(HOOK_URL), w);
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
    findingsAt(run, 3, HOOK);
    assert.match(finding(run, 'iam-unreadable')?.message ?? '', /cloudfunctions\.functions\.getIamPolicy|403|denied/i);
  });

  test('403 on the function itself: iam-unreadable', async () => {
    const w = world({ functions: [gen1(FN_INVOKER(SA_MEMBER))], faults: [{ method: 'GET', path: 'functions/legacy-hook$', status: 403 }] });
    const run = await gate(swagger(HOOK_URL), w);
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  });
});

// ---------------------------------------------------------------------------------------------- 2nd gen

describe('Cloud Functions 2nd gen', { concurrency: 8 }, () => {
  test('run.invoker on the underlying Cloud Run service: pass; the service policy is what is read', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER))] }));
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
    assert.deepEqual(backends(run), [[RESIZE_URL, 'cloud-functions', RESIZE, 'pass']]);
    assert.ok(
      run.requests.some((r) => r.methodId === 'run.projects.locations.services.getIamPolicy' && r.path === `/v2/${RESIZE_SERVICE}:getIamPolicy`),
      'service policy read',
    );
    onlyReadOnlyCalls(run);
  });

  test('run.invoker on the project: pass', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService()], projectPolicy: RUN_INVOKER(SA_MEMBER) }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('only roles/cloudfunctions.invoker on the function: missing-invoker saying the 1st-gen role does not authorize 2nd gen', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2(FN_INVOKER(SA_MEMBER))], runServices: [resizeService()] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    findingsAt(run, 3, RESIZE);
    const f = finding(run, 'missing-invoker');
    assert.match(f?.message ?? '', /roles\/cloudfunctions\.invoker/);
    assert.match(f?.message ?? '', /1st-gen functions only/);
    assert.match(f?.message ?? '', /run\.routes\.invoke/);
    assert.equal(f?.fix, GEN2_FIX);
  });

  test('only roles/cloudfunctions.invoker on the project: missing-invoker with the 2nd-gen fix', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService()], projectPolicy: FN_INVOKER(SA_MEMBER) }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    assert.equal(finding(run, 'missing-invoker')?.fix, GEN2_FIX);
  });

  test('allUsers run.invoker on the underlying service, SA has none: public-access and missing-invoker', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER('allUsers'))] }));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
    findingsAt(run, 3, RESIZE);
    assert.match(finding(run, 'public-access')?.message ?? '', /allUsers/);
  });

  test('allUsers run.invoker on the underlying service, SA granted: public-access only', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER('allUsers', SA_MEMBER))] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
  });

  test('allUsers with the 1st-gen role on a 2nd-gen function does not make it public: pass', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2(FN_INVOKER('allUsers'))], runServices: [resizeService(RUN_INVOKER(SA_MEMBER))] }));
    verdict(run, 0, 'pass', 0, 0);
  });

  test('invokerIamDisabled on the underlying service: public-access', async () => {
    const run = await gate(swagger(RESIZE_URL), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER), { invokerIamDisabled: true })] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
    findingsAt(run, 3, RESIZE);
    assert.match(finding(run, 'public-access')?.fix ?? '', /gcloud run services update resize --project=shop-prod --region=europe-west1 --invoker-iam-check/);
  });

  test('addressed by its hash-style run.app URL: kind cloud-functions, resource the function', async () => {
    const run = await gate(swagger(RESIZE_RUN), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER))] }), { project: PROJECT });
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(backends(run), [[RESIZE_RUN, 'cloud-functions', RESIZE, 'pass']]);
  });

  test('addressed by its deterministic run.app URL, no grant: kind cloud-functions, missing-invoker on the function', async () => {
    const run = await gate(swagger(RESIZE_RUN_DETERMINISTIC), world({ functions: [gen2(FN_INVOKER(SA_MEMBER))], runServices: [resizeService()] }));
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(run.report?.backends.map((b) => [b.kind, b.resource]), [['cloud-functions', RESIZE]]);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
    assert.equal(finding(run, 'missing-invoker')?.fix, GEN2_FIX);
  });

  test(
    'cloudfunctions.net address with an extra path, no jwt_audience: audience is the URL plus a path, so a warning, as for run.app',
    {},
    async () => {
    // SPEC: audience-mismatch is an error where certain, a warning where Google's behaviour is not documented
    // (e.g. a run.app audience with a path). The function's own URL with a path is the same undocumented case.
    const run = await gate(swagger(`${RESIZE_URL}/v1`), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER))] }));
    const runApp = await gate(swagger(`${RESIZE_RUN}/v1`), world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER))] }), { project: PROJECT });
    assert.deepEqual(rulesOf(runApp), ['audience-mismatch:warning'], why(runApp));
    assert.deepEqual(rulesOf(run), ['audience-mismatch:warning'], why(run));
    verdict(run, 0, 'pass', 0, 1);
    },
  );

  test('internal-only ingress on the underlying service: unreachable-backend', async () => {
    const run = await gate(
      swagger(RESIZE_URL),
      world({ functions: [gen2()], runServices: [resizeService(RUN_INVOKER(SA_MEMBER), { ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' })] }),
    );
    verdict(run, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(run), ['unreachable-backend:warning']);
  });
});

// ---------------------------------------------------------------------------------------------- fixture world

describe('both generations in one config (fixture world)', () => {
  test('per-operation backends are judged separately, each finding at its own line', async () => {
    const spec = [
      'swagger: "2.0"', // 1
      'info: { title: shop, version: "1.0" }', // 2
      'x-google-backend:', // 3
      `  address: ${HOOK_URL}`, // 4
      'paths:', // 5
      '  /hook:', // 6
      '    post:', // 7
      '      operationId: hook', // 8
      "      responses: { '200': { description: OK } }", // 9
      '  /resize:', // 10
      '    post:', // 11
      '      operationId: resize', // 12
      '      x-google-backend:', // 13
      `        address: ${RESIZE_URL}`, // 14
      "      responses: { '200': { description: OK } }", // 15
      '  /thumb:', // 16
      '    post:', // 17
      '      operationId: thumb', // 18
      '      x-google-backend:', // 19
      '        address: https://europe-west1-shop-prod.cloudfunctions.net/thumb', // 20
      "      responses: { '200': { description: OK } }", // 21
      '',
    ].join('\n');
    const run = await gate(spec, path.join(FIXTURES, 'worlds/e2e-fn-mixed.yaml'));
    verdict(run, 1, 'fail', 2, 0);
    assert.deepEqual(
      backends(run).sort(),
      [
        [HOOK_URL, 'cloud-functions', HOOK, 'pass'],
        [RESIZE_URL, 'cloud-functions', RESIZE, 'error'],
        ['https://europe-west1-shop-prod.cloudfunctions.net/thumb', 'cloud-functions', `projects/${PROJECT}/locations/europe-west1/functions/thumb`, 'error'],
      ].sort(),
    );
    const byRule = Object.fromEntries((run.report?.findings ?? []).map((f) => [f.rule, f]));
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
    assert.equal(byRule['missing-invoker']?.line, 13);
    assert.equal(byRule['missing-invoker']?.resource, RESIZE);
    assert.equal(byRule['public-access']?.line, 19);
    assert.equal(byRule['public-access']?.resource, `projects/${PROJECT}/locations/europe-west1/functions/thumb`);
  });
});
