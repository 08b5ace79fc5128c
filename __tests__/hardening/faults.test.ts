/**
 * Issue 8, faults: Google API 429/5xx are retried (backoff, Retry-After), bounded in count and time,
 * then reported as iam-unreadable; a hanging call is cut off by the `timeout` input; a plain 403 names
 * the permission the checker needs. Never a pass on missing data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rulesOf } from '../e2e/harness.ts';
import { INPUTS, PROJECT, RUN_URI, SERVICE, assertNoStack, findingsOf, passingWorld, runSpec, swagger } from './helpers.ts';

const SPEC = swagger(RUN_URI);
const SERVICE_POLICY = `^/v2/${SERVICE}:getIamPolicy$`;
const PROJECT_POLICY = `^/v3/projects/${PROJECT}:getIamPolicy$`;

test('control: the fault-free world passes (so every failure below is caused by the fault)', async () => {
  const run = await runSpec(SPEC, passingWorld());
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.outputs.result, 'pass');
  assert.ok(run.requests.some((r) => new RegExp(SERVICE_POLICY).test(r.path)));
  assert.ok(run.requests.some((r) => r.method === 'POST' && new RegExp(PROJECT_POLICY).test(r.path)));
});

test('429 with Retry-After, then success: passes, and the retry waited at least Retry-After', async () => {
  const run = await runSpec(SPEC, passingWorld({ faults: [{ method: 'GET', path: SERVICE_POLICY, status: 429, times: 1, retryAfter: '2' }] }));
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.outputs.result, 'pass');
  const calls = run.requests.filter((r) => new RegExp(SERVICE_POLICY).test(r.path));
  assert.deepEqual(calls.map((r) => r.status), [429, 200]);
  const [first, second] = calls as [(typeof calls)[0], (typeof calls)[0]];
  const waited = second.time - (first.time + first.durationMs);
  // Our own exponential backoff starts at ~125-250 ms: only honouring Retry-After makes this ≥ 2 s.
  assert.ok(waited >= 1_990, `retried after ${waited} ms, before Retry-After: 2`);
});

test('503 twice on POST projects.getIamPolicy (Resource Manager), then success: passes', async () => {
  const run = await runSpec(SPEC, passingWorld({ faults: [{ method: 'POST', path: PROJECT_POLICY, status: 503, times: 2 }] }));
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.outputs.result, 'pass');
  const calls = run.requests.filter((r) => r.method === 'POST' && new RegExp(PROJECT_POLICY).test(r.path));
  assert.deepEqual(calls.map((r) => r.status), [503, 503, 200]);
});

test('503 forever on the service policy: iam-unreadable, exit 1, at most 5 attempts, bounded time', async () => {
  const started = Date.now();
  const run = await runSpec(SPEC, passingWorld({ faults: [{ path: SERVICE_POLICY, status: 503 }] }));
  const elapsed = Date.now() - started;
  assert.equal(run.code, 1);
  assert.equal(run.outputs.result, 'fail');
  assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  assert.match(findingsOf(run, 'iam-unreadable')[0]?.message ?? '', /orders/);
  const attempts = run.requests.filter((r) => new RegExp(SERVICE_POLICY).test(r.path)).length;
  assert.ok(attempts >= 2 && attempts <= 5, `${attempts} attempts`);
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
  assertNoStack(run);
});

test('503 forever on every Google call: fails closed, every call bounded to 5 attempts', async () => {
  const started = Date.now();
  const run = await runSpec(SPEC, passingWorld({ faults: [{ path: '.*', status: 503 }] }));
  const elapsed = Date.now() - started;
  assert.equal(run.code, 1);
  assert.equal(run.outputs.result, 'fail');
  assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  const perCall = new Map<string, number>();
  for (const r of run.requests) perCall.set(`${r.method} ${r.path}`, (perCall.get(`${r.method} ${r.path}`) ?? 0) + 1);
  for (const [call, n] of perCall) assert.ok(n <= 5, `${call}: ${n} attempts`);
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
});

test('a call that hangs past the `timeout` input: the step ends soon after it, failing with iam-unreadable', async () => {
  const started = Date.now();
  const run = await runSpec(SPEC, passingWorld(), { inputs: { ...INPUTS, timeout: '2' }, fake: { latencyMs: 5_000 } });
  const elapsed = Date.now() - started;
  assert.equal(run.code, 1, run.stdout);
  assert.equal(run.outputs.result, 'fail');
  assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  assert.ok(!rulesOf(run).some((r) => r.startsWith('missing-invoker')), 'no verdict drawn from data never read');
  assert.ok(elapsed < 2_000 + 3_500, `took ${elapsed} ms for timeout: 2`);
  assert.match(run.report?.findings.map((f) => f.message).join('\n') ?? '', /time limit|timeout|DEADLINE|timed? ?out/i);
  assertNoStack(run);
});

test('plain 403 on the service policy: iam-unreadable naming the permission the checker needs', async () => {
  const run = await runSpec(SPEC, passingWorld({ faults: [{ path: SERVICE_POLICY, status: 403 }] }));
  assert.equal(run.code, 1);
  assert.equal(run.outputs.result, 'fail');
  const unreadable = findingsOf(run, 'iam-unreadable');
  assert.equal(unreadable.length, 1, rulesOf(run).join());
  assert.match(unreadable[0]?.message ?? '', /run\.services\.getIamPolicy/);
  // 403 is not transient: asked once, not retried.
  assert.equal(run.requests.filter((r) => new RegExp(SERVICE_POLICY).test(r.path)).length, 1);
  assertNoStack(run);
});

test('Retry-After longer than the time left: gives up at once with iam-unreadable, never waits it out', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const run = await runSpec(SPEC, passingWorld({ faults: [{ path: SERVICE_POLICY, status: 429, retryAfter: '3600' }] }), { inputs: { ...INPUTS, timeout: '20' } });
  const elapsed = Date.now() - started;
  assert.equal(run.code, 1);
  assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
});

test('Retry-After as an HTTP date is honoured too', { timeout: 60_000 }, async () => {
  // HTTP dates have 1 s resolution: ask for ~3 s so that at least ~2 s remain after rounding down.
  const when = new Date(Date.now() + 3_000).toUTCString();
  const run = await runSpec(SPEC, passingWorld({ faults: [{ method: 'GET', path: SERVICE_POLICY, status: 429, times: 1, retryAfter: when }] }));
  assert.equal(run.code, 0, run.stdout);
  const [first, second] = run.requests.filter((r) => new RegExp(SERVICE_POLICY).test(r.path));
  assert.ok(first && second);
  assert.ok(second.time - (first.time + first.durationMs) >= 1_000, `retried after ${second.time - first.time - first.durationMs} ms`);
});

/**
 * Never a false pass: every single Google call of a passing run, made to fail on its own, fails the
 * gate (each read feeds the verdict: the resource's policy, the project's, its ancestry, deny policies,
 * the role definitions, the service listing).
 */
test('every Google call of a passing run, failing alone (403, then 503 forever), fails the gate', { timeout: 120_000 }, async () => {
  const control = await runSpec(SPEC, passingWorld());
  assert.equal(control.code, 0);
  const calls = [...new Set(control.requests.map((r) => `${r.method} ${r.path}`))];
  assert.ok(calls.length >= 5, calls.join('\n'));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const runs = await Promise.all(
    calls.flatMap((call) => {
      const [method, p] = call.split(' ') as [string, string];
      return [403, 503].map(async (status) => ({
        call: `${call} → ${status}`,
        run: await runSpec(SPEC, passingWorld({ faults: [{ method, path: `^${escape(p)}$`, status }] })),
      }));
    }),
  );
  const passed = runs.filter(({ run }) => run.code !== 1 || run.outputs.result !== 'fail').map(({ call, run }) => `${call}: exit ${run.code}, ${rulesOf(run).join()}`);
  assert.deepEqual(passed, [], 'a failed read let the gate pass');
  for (const { call, run } of runs) {
    // A refused or failing read is "cannot verify", never "does not exist": only a 404 may say not found.
    assert.ok(rulesOf(run).includes('iam-unreadable:error'), `${call}: ${rulesOf(run).join()}`);
    assert.ok(!rulesOf(run).some((r) => r.startsWith('backend-not-found')), `${call}: ${rulesOf(run).join()}`);
    assertNoStack(run);
  }
});

test('403 or 503 on listing Cloud Run regions (hash-style URL): iam-unreadable naming run.locations.list, not backend-not-found', async () => {
  const locations = `^/v1/projects/${PROJECT}/locations$`;
  // The URL's region code (uc: us-central1) is searched first, without listing regions; the service lives
  // elsewhere, so the regions must be listed to find it, and that listing fails.
  const world = passingWorld();
  const elsewhere = world.runServices?.map((s) => ({ ...s, name: s.name.replace('/us-central1/', '/europe-west1/') }));
  for (const status of [403, 503]) {
    const run = await runSpec(SPEC, { ...world, runServices: elsewhere, faults: [{ method: 'GET', path: locations, status }] } as typeof world);
    assert.equal(run.code, 1, run.stdout);
    assert.ok(run.requests.some((r) => new RegExp(locations).test(r.path) && r.status === status), `${status}: the region listing was asked`);
    assert.deepEqual(rulesOf(run), ['iam-unreadable:error'], `${status}: ${rulesOf(run).join()}`);
    assert.match(findingsOf(run, 'iam-unreadable')[0]?.message ?? '', status === 403 ? /Listing Cloud Run regions of gg-proj failed.*run\.locations\.list/ : /Listing Cloud Run regions of gg-proj failed/);
    assertNoStack(run);
  }
});
