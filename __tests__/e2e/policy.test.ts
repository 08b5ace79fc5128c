/**
 * End-to-end tests of the policy file (`policy` input, default .github/gateway-guard.yml): exceptions,
 * expiry, severity overrides, validation errors at their line, extra projects, service account per spec.
 * dist/index.js run as the runner does, against the fake Google API (the demo world, adjusted per test).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { load } from 'js-yaml';
import type { World } from '../fake-google/world.ts';
import { FIXTURES, rulesOf, runAction, type ActionRun, verdict, why } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const BILLING_UI = 'billing-ui@shop-prod.iam.gserviceaccount.com';
const DEMO_TEXT = await readFile(path.join(FIXTURES, 'worlds/demo.yaml'), 'utf8');
const POLICY = '.github/gateway-guard.yml';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const STATUS = 'https://status-abc123-uc.a.run.app';
const STATUS_NAME = 'projects/shop-prod/locations/us-central1/services/status';
const BILLING = 'https://billing-def456-ew.a.run.app';

const demo = (): World => load(DEMO_TEXT) as World;

/** The demo world where status is public but the gateway may also invoke it: public-access is its only finding. */
function publicStatusWorld(): World {
  const w = demo();
  const status = w.runServices!.find((s) => s.name === STATUS_NAME)!;
  status.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: ['allUsers', `serviceAccount:${SA}`] }] };
  return w;
}

/** Swagger 2.0: top-level backend `top` (line 4 is its address), then one operation per extra backend. */
function swagger(top: string, ops: Array<{ path: string; address: string; audience?: string }> = []): string {
  const lines = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', `  address: ${top}`, 'paths:', '  /orders:', '    get:', '      responses: { "200": { description: OK } }'];
  for (const op of ops) {
    lines.push(`  ${op.path}:`, '    get:', '      x-google-backend:', `        address: ${op.address}`);
    if (op.audience) lines.push(`        jwt_audience: ${op.audience}`);
    lines.push('      responses: { "200": { description: OK } }');
  }
  return lines.join('\n') + '\n';
}

/** Status operation: its x-google-backend key is on line 11. */
const WITH_STATUS = swagger(ORDERS, [{ path: '/status', address: STATUS }]);

interface Options {
  spec?: string;
  policy?: string;
  policyPath?: string;
  world?: World;
  inputs?: Record<string, string>;
  files?: Record<string, string>;
}

function gate(options: Options = {}): Promise<ActionRun> {
  const files: Record<string, string> = { 'openapi.yaml': options.spec ?? WITH_STATUS, ...options.files };
  if (options.policy !== undefined) files[options.policyPath ?? POLICY] = options.policy;
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod', ...options.inputs },
    files,
    world: options.world ?? publicStatusWorld(),
  });
}



type ReportFinding = NonNullable<ActionRun['report']>['findings'][number] & { exception?: { reason: string; expires: string | null; originalSeverity: string | null } | null };
const findings = (run: ActionRun) => (run.report?.findings ?? []) as ReportFinding[];
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The run failed, with an invalid-spec error at POLICY:line whose message matches (other findings allowed). */
function policyErrorAmong(run: ActionRun, line: number, message: RegExp): void {
  assert.equal(run.code, 1, why(run));
  assert.equal(run.outputs.result, 'fail', why(run));
  const hit = findings(run).find((f) => f.rule === 'invalid-spec' && f.file === POLICY && f.line === line);
  assert.ok(hit, why(run));
  assert.match(hit.message, message);
}

/** The run failed with exactly one invalid-spec error at POLICY:line whose message matches. */
function policyError(run: ActionRun, line: number, message: RegExp, file = POLICY): void {
  assert.equal(run.code, 1, why(run));
  assert.equal(run.outputs.result, 'fail', why(run));
  const invalid = findings(run).filter((f) => f.rule === 'invalid-spec');
  assert.equal(invalid.length, 1, why(run));
  assert.equal(invalid[0]!.file, file, why(run));
  assert.equal(invalid[0]!.line, line, why(run));
  assert.match(invalid[0]!.message, message);
  const ann = run.annotations.find((a) => a.level === 'error' && a.file === file && a.line === line && (a.title ?? '').includes('invalid-spec'));
  assert.ok(ann, `no error annotation at ${file}:${line}\n${run.stdout}`);
}

describe('policy exceptions', { concurrency: 6 }, () => {
  test('control: without a policy, the public status service fails the gate', async () => {
    const run = await gate();
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['public-access:error']);
  });

  for (const [by, key] of [
    ['address', `address: ${STATUS}`],
    ['resource', `resource: ${STATUS_NAME}`],
  ] as const) {
    test(`an exception by ${by} turns the error into a notice with the reason; exit 0`, async () => {
      const policy = ['exceptions:', '  - rule: public-access', `    ${key}`, '    reason: Public status page, reviewed in SEC-1042', '    expires: 2099-12-31', ''].join('\n');
      const run = await gate({ policy });
      verdict(run, 0, 'pass', 0, 0);
      assert.deepEqual(rulesOf(run), ['public-access:notice']);
      const f = findings(run)[0]!;
      assert.equal(f.exception?.reason, 'Public status page, reviewed in SEC-1042');
      assert.equal(f.exception?.originalSeverity, 'error');
      assert.equal(f.line, 11);
      const notice = run.annotations.find((a) => a.level === 'notice' && a.line === 11);
      assert.ok(notice, why(run));
      assert.match(notice.message, /Excepted by policy: Public status page, reviewed in SEC-1042 \(until 2099-12-31\)/);
      assert.ok(!run.annotations.some((a) => a.level === 'error'), why(run));
      // Still reported, never hidden: in the summary with the reason.
      assert.match(run.summary, /^\| ℹ️ \d+ \| `public-access` \|/m);
      assert.match(run.summary, /Excepted by policy:\*\* Public status page, reviewed in SEC-1042/);
    });
  }

  test('an exception covers only its rule and its backend', async () => {
    const policy = ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: Public status page', '  - rule: missing-invoker', `    address: ${ORDERS}`, '    reason: not this one', ''].join('\n');
    // The demo world: status is public AND the gateway has no grant on it.
    const run = await gate({ policy, world: demo() });
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:notice']);
  });

  test('an exception is live through its expires day (UTC)', async () => {
    const policy = ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: Reviewed', `    expires: ${isoDay(0)}`, ''].join('\n');
    const run = await gate({ policy });
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), ['public-access:notice']);
  });

  test('an expired exception no longer applies and adds a warning at its line in the policy file', async () => {
    const policy = ['# reviewed yearly', 'exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: Public status page, reviewed in SEC-1042', `    expires: ${isoDay(-1)}`, ''].join('\n');
    const run = await gate({ policy });
    verdict(run, 1, 'fail', 1, 1);
    const error = findings(run).find((f) => f.severity === 'error')!;
    assert.equal(error.rule, 'public-access');
    assert.equal(error.file, 'openapi.yaml');
    assert.equal(error.exception ?? null, null);
    const warning = findings(run).find((f) => f.severity === 'warning')!;
    assert.equal(warning.file, POLICY);
    assert.equal(warning.line, 3);
    assert.match(warning.message, new RegExp(`expired on ${isoDay(-1)}`));
    assert.match(warning.message, /SEC-1042/);
    assert.ok(run.annotations.some((a) => a.level === 'warning' && a.file === POLICY && a.line === 3), why(run));
  });
});

describe('severity overrides', { concurrency: 6 }, () => {
  const pathAudience = swagger(ORDERS, [{ path: '/api', address: ORDERS, audience: `${ORDERS}/api` }]);
  const external = swagger(ORDERS, [{ path: '/ext', address: 'https://api.example.com/v1' }]);

  test('control: a run.app audience with a path is a warning; an unsupported backend is a warning', async () => {
    const audience = await gate({ spec: pathAudience, world: demo() });
    verdict(audience, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(audience), ['audience-mismatch:warning']);
    const unsupported = await gate({ spec: external, world: demo() });
    verdict(unsupported, 0, 'pass', 0, 1);
    assert.deepEqual(rulesOf(unsupported), ['unsupported-backend:warning']);
  });

  test('audience-mismatch: error fails the gate', async () => {
    const run = await gate({ spec: pathAudience, world: demo(), policy: 'severity:\n  audience-mismatch: error\n' });
    verdict(run, 1, 'fail', 1, 0);
    assert.deepEqual(rulesOf(run), ['audience-mismatch:error']);
    assert.ok(run.annotations.some((a) => a.level === 'error' && (a.title ?? '').includes('audience-mismatch') && a.line === 11), why(run));
  });

  test('unsupported-backend: off drops the warning (fail-on: warning then passes)', async () => {
    const run = await gate({ spec: external, world: demo(), policy: 'severity:\n  unsupported-backend: off\n', inputs: { 'fail-on': 'warning' } });
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), []);
    const control = await gate({ spec: external, world: demo(), inputs: { 'fail-on': 'warning' } });
    verdict(control, 1, 'fail', 0, 1);
  });

  test('iam-unreadable cannot be turned off (the gate fails closed): that is a policy error', async () => {
    const run = await gate({ policy: 'severity:\n  public-access: warning\n  iam-unreadable: off\n' });
    policyError(run, 3, /iam-unreadable cannot be overridden/);
  });

  test('every Google call answering 403 and `iam-unreadable: notice` on a public backend: the gate still fails', async () => {
    const world = publicStatusWorld();
    world.faults = [{ path: '.*', status: 403 }];
    const run = await gate({ world, policy: 'severity:\n  iam-unreadable: notice\n' });
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'fail', why(run));
    const invalid = findings(run).filter((f) => f.rule === 'invalid-spec');
    assert.deepEqual(invalid.map((f) => `${f.file}:${f.line}`), [`${POLICY}:2`], why(run));
    assert.match(invalid[0]!.message, /iam-unreadable cannot be overridden/);
    const unreadable = findings(run).filter((f) => f.rule === 'iam-unreadable');
    assert.ok(unreadable.length >= 2, why(run));
    assert.ok(unreadable.every((f) => f.severity === 'error' && !f.exception), why(run));
    assert.ok(run.requests.length > 0 && run.requests.every((r) => r.status === 403), 'every Google call was refused');
  });

  test('an exception by address cannot cover iam-unreadable: the policy is refused and the gate fails', async () => {
    const world = publicStatusWorld();
    world.faults = [{ path: '.*', status: 403 }];
    const policy = ['exceptions:', '  - rule: iam-unreadable', `    address: ${STATUS}`, '    reason: cannot be read', ''].join('\n');
    const run = await gate({ world, policy, spec: swagger(STATUS) });
    policyErrorAmong(run, 3, /excepts iam-unreadable by address/);
    assert.ok(findings(run).some((f) => f.rule === 'iam-unreadable' && f.severity === 'error' && !f.exception), why(run));
  });

  test('`invalid-spec: warning` with an unparseable spec: refused, and the spec error still fails the gate', async () => {
    const run = await gate({ spec: 'swagger: "2.0"\npaths: [\n', world: demo(), policy: 'severity:\n  invalid-spec: warning\n' });
    assert.equal(run.code, 1, why(run));
    const invalid = findings(run).filter((f) => f.rule === 'invalid-spec');
    assert.deepEqual(invalid.map((f) => `${f.file}:${f.severity}`).sort(), [`${POLICY}:error`, 'openapi.yaml:error'], why(run));
  });
});

describe('invalid policy files', { concurrency: 6 }, () => {
  test('an unknown key fails with invalid-spec at its line', async () => {
    const run = await gate({ policy: 'severity:\n  public-access: error\nexeptions:\n  - rule: public-access\n' });
    policyError(run, 3, /unknown key "exeptions".*did you mean "exceptions"/);
  });

  test('an exception without a reason fails at the exception', async () => {
    const run = await gate({ policy: ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '  - rule: missing-invoker', `    address: ${BILLING}`, ''].join('\n') });
    assert.equal(run.code, 1, why(run));
    const invalid = findings(run).filter((f) => f.rule === 'invalid-spec');
    assert.deepEqual(invalid.map((f) => `${f.file}:${f.line}`), [`${POLICY}:2`, `${POLICY}:4`], why(run));
    for (const f of invalid) assert.match(f.message, /no "reason"/);
    // An invalid policy applies nothing: the public-access error stays.
    assert.ok(findings(run).some((f) => f.rule === 'public-access' && f.severity === 'error'), why(run));
  });

  test('a YAML syntax error fails at its line', async () => {
    const run = await gate({ policy: 'severity:\n  public-access: error\n   unsupported-backend: off\n' });
    assert.equal(run.code, 1, why(run));
    const invalid = findings(run).filter((f) => f.rule === 'invalid-spec');
    assert.equal(invalid.length, 1, why(run));
    assert.equal(invalid[0]!.file, POLICY);
    assert.ok(invalid[0]!.line === 2 || invalid[0]!.line === 3, why(run));
    assert.match(invalid[0]!.message, /YAML/);
  });

  test('a malformed date fails at its line', async () => {
    const run = await gate({ policy: ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: ok', '    expires: next year', ''].join('\n') });
    policyError(run, 5, /expires.*YYYY-MM-DD/);
  });

  test('a date that does not exist fails at its line', async () => {
    const run = await gate({ policy: ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: ok', '    expires: 2027-02-30', ''].join('\n') });
    policyError(run, 5, /not a calendar date/);
  });

  test('an unknown rule fails at its line', async () => {
    const run = await gate({ policy: ['exceptions:', '  - rule: public-acces', `    address: ${STATUS}`, '    reason: ok', ''].join('\n') });
    policyError(run, 2, /unknown rule "public-acces".*did you mean "public-access"/);
  });

  test('a missing explicit policy file fails; a missing default one is fine', async () => {
    const explicit = await gate({ inputs: { policy: 'ci/gateway-guard.yml' }, world: demo(), spec: swagger(ORDERS) });
    assert.equal(explicit.code, 1, why(explicit));
    const invalid = findings(explicit).filter((f) => f.rule === 'invalid-spec');
    assert.equal(invalid.length, 1, why(explicit));
    assert.equal(invalid[0]!.file, 'ci/gateway-guard.yml');
    assert.match(invalid[0]!.message, /ci\/gateway-guard\.yml.*does not exist/);
    assert.ok(explicit.annotations.some((a) => a.level === 'error' && a.file === 'ci/gateway-guard.yml'), why(explicit));

    const absent = await gate({ world: demo(), spec: swagger(ORDERS) });
    verdict(absent, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(absent), []);
  });

  test('an explicit policy file elsewhere is read', async () => {
    const policy = ['exceptions:', '  - rule: public-access', `    address: ${STATUS}`, '    reason: Public status page', ''].join('\n');
    const run = await gate({ policy, policyPath: 'config/gg-policy.yaml', inputs: { policy: 'config/gg-policy.yaml' } });
    verdict(run, 0, 'pass', 0, 0);
    assert.deepEqual(rulesOf(run), ['public-access:notice']);
  });
});

describe('policy projects and service accounts', { concurrency: 6 }, () => {
  const hashStyle = swagger(ORDERS);

  test('control: a hash-style run.app URL with no project to search fails, naming the `project` input', async () => {
    const run = await gate({ spec: hashStyle, world: demo(), inputs: { project: '' } });
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
    assert.match(findings(run)[0]!.message, /set the `project` input/);
  });

  test('`projects:` in the policy is searched for a hash-style run.app URL', async () => {
    const run = await gate({ spec: hashStyle, world: demo(), inputs: { project: '' }, policy: 'projects: [shop-prod]\n' });
    verdict(run, 0, 'pass', 0, 0);
    assert.equal(run.report!.backends[0]!.resource, 'projects/shop-prod/locations/us-central1/services/orders');
  });

  test('`serviceAccounts:` names the gateway service account per spec file', async () => {
    const internal = swagger(BILLING);
    const files = { 'specs/internal.yaml': internal };
    const inputs = { spec: 'openapi.yaml\nspecs/internal.yaml' };
    const spec = swagger(ORDERS);
    // billing grants run.invoker to billing-ui only; orders to the gateway's account only.
    const control = await gate({ spec, files, inputs, world: demo() });
    assert.equal(control.code, 1, why(control));
    assert.deepEqual(findings(control).map((f) => `${f.rule}:${f.file}`), ['missing-invoker:specs/internal.yaml']);

    const run = await gate({ spec, files, inputs, world: demo(), policy: `serviceAccounts:\n  specs/internal.yaml: ${BILLING_UI}\n` });
    verdict(run, 0, 'pass', 0, 0);

    // The mapping is per file: mapped onto openapi.yaml instead, orders fails for billing-ui.
    const swapped = await gate({ spec, files, inputs, world: demo(), policy: `serviceAccounts:\n  ./openapi.yaml: ${BILLING_UI}\n` });
    assert.equal(swapped.code, 1, why(swapped));
    const byFile = Object.fromEntries(findings(swapped).map((f) => [f.file, f]));
    assert.match(byFile['openapi.yaml']?.message ?? '', new RegExp(BILLING_UI.replace(/\./g, '\\.')), why(swapped));
    assert.ok(byFile['specs/internal.yaml'], why(swapped));
  });
});
