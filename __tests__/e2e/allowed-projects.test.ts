/**
 * End-to-end tests of `allowed-projects` (and the policy file's `allowedProjects`) and `show-members`:
 * an address outside the allowed projects is backend-not-found without any Google call about it, and
 * group/user members appear in public output only as counts. dist/index.js against the fake Google API.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { load } from 'js-yaml';
import type { World } from '../fake-google/world.ts';
import { FIXTURES, runAction, type ActionRun, why } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const DEMO_TEXT = await readFile(path.join(FIXTURES, 'worlds/demo.yaml'), 'utf8');
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const ORDERS_NUMBERED = 'https://orders-123456789012.us-central1.run.app';
const BILLING = 'https://billing-def456-ew.a.run.app';
/** Another organisation's project the checker identity can read: nothing about it may leak. */
const SECRET = 'secret-proj';
const SECRET_NUMBER = '555555555555';
const PAYROLL_HASH = 'https://payroll-zzz999-uc.a.run.app';
const PAYROLL_NUMBERED = `https://payroll-${SECRET_NUMBER}.us-central1.run.app`;
const PAYROLL_FN = `https://us-central1-${SECRET}.cloudfunctions.net/payroll`;
const PAYROLL_APP = `https://${SECRET}.appspot.com`;
const GROUP = 'group:payments-admins@example.com';

/** The demo world plus a project outside the allow-list, whose payroll service a group may invoke. */
function world(): World {
  const w = load(DEMO_TEXT) as World;
  w.projects!.push({ projectId: SECRET, projectNumber: SECRET_NUMBER, parent: 'organizations/1000' } as NonNullable<World['projects']>[number]);
  w.runServices!.push({
    name: `projects/${SECRET}/locations/us-central1/services/payroll`,
    uri: PAYROLL_HASH,
    urls: [PAYROLL_HASH, PAYROLL_NUMBERED],
    ingress: 'INGRESS_TRAFFIC_ALL',
    iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: [GROUP] }] },
  } as NonNullable<World['runServices']>[number]);
  return w;
}

function swagger(addresses: string[]): string {
  const lines = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'paths:'];
  addresses.forEach((address, i) => {
    lines.push(`  /p${i}:`, '    get:', '      x-google-backend:', `        address: ${address}`, '      responses: { "200": { description: OK } }');
  });
  return lines.join('\n') + '\n';
}

function gate(addresses: string[], inputs: Record<string, string>, files: Record<string, string> = {}, w: World = world()): Promise<ActionRun> {
  return runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod', ...inputs }, files: { 'openapi.yaml': swagger(addresses), ...files }, world: w });
}

const findingsOf = (run: ActionRun, address: string) => (run.report?.findings ?? []).filter((f) => f.address === address);
const touched = (run: ActionRun, needle: string) => run.requests.filter((r) => decodeURIComponent(r.path).includes(needle) || JSON.stringify(r.body ?? '').includes(needle));

describe('allowed-projects', { concurrency: 4 }, () => {
  test('control: without the allow-list, the secret project is read and its group member is named', async () => {
    const run = await gate([PAYROLL_FN, PAYROLL_NUMBERED], { 'show-members': 'true' });
    assert.ok(touched(run, SECRET).length > 0, why(run));
    assert.ok(run.summary.includes('payments-admins'), run.summary);
  });

  test('addresses in other projects are backend-not-found, saying so, without any Google call about them', async () => {
    const run = await gate([ORDERS, PAYROLL_FN, PAYROLL_APP, PAYROLL_NUMBERED], { 'allowed-projects': 'shop-*', project: 'shop-prod' });
    assert.equal(run.code, 1, why(run));
    for (const address of [PAYROLL_FN, PAYROLL_APP, PAYROLL_NUMBERED]) {
      const found = findingsOf(run, address);
      assert.deepEqual(found.map((f) => `${f.rule}:${f.severity}`), ['backend-not-found:error'], why(run));
      assert.match(found[0]!.message, /outside the allowed projects \(shop-\*\)/);
    }
    assert.deepEqual(findingsOf(run, ORDERS), [], why(run));
    assert.deepEqual(touched(run, SECRET), [], 'no call names the secret project');
    assert.deepEqual(touched(run, SECRET_NUMBER), [], 'no call names its number');
    // The number is matched through the allowed project's own number: shop-prod is read, nothing else is.
    assert.ok(run.requests.some((r) => r.path === '/v3/projects/shop-prod'), why(run));
    assert.ok(!run.summary.includes('payments-admins') && !run.stdout.includes('payments-admins'));
  });

  test('a project number is allowed when it is the number of an allowed project (read from the allow-list IDs)', async () => {
    const run = await gate([ORDERS_NUMBERED], { 'allowed-projects': 'shop-prod', project: '' });
    assert.equal(run.code, 0, why(run));
    assert.deepEqual(run.report?.findings, []);
    assert.equal(run.report?.backends[0]?.resource, 'projects/shop-prod/locations/us-central1/services/orders');
  });

  test('a numbered address with no allowed project known by ID is refused, naming what to list', async () => {
    const run = await gate([ORDERS_NUMBERED], { 'allowed-projects': 'shop-*', project: '' });
    assert.equal(run.code, 1, why(run));
    const [finding] = findingsOf(run, ORDERS_NUMBERED);
    assert.equal(finding?.rule, 'backend-not-found', why(run));
    assert.match(finding!.message, /names no project by exact ID/);
    assert.deepEqual(run.requests, [], 'no Google call at all');
  });

  test('the allowed project\'s number cannot be read: a numbered address is iam-unreadable, and nothing else is asked', async () => {
    const w = world();
    w.faults = [{ path: '^/v3/projects/shop-prod$', status: 403 }];
    const run = await gate([PAYROLL_NUMBERED], { 'allowed-projects': 'shop-prod', project: '' }, {}, w);
    assert.equal(run.code, 1, why(run));
    const [finding] = findingsOf(run, PAYROLL_NUMBERED);
    assert.equal(finding?.rule, 'iam-unreadable', why(run));
    assert.match(finding!.message, /could not be matched to an allowed project.*Reading project shop-prod failed/);
    assert.deepEqual(touched(run, SECRET_NUMBER), []);
    assert.deepEqual(run.requests.map((r) => r.path), ['/v3/projects/shop-prod']);
  });

  test('hash-style URLs: candidate projects outside the list are not searched', async () => {
    const run = await gate([PAYROLL_HASH, BILLING], { 'allowed-projects': 'shop-prod', project: `${SECRET}, shop-prod` });
    assert.equal(run.code, 1, why(run));
    assert.deepEqual(touched(run, SECRET), [], 'the secret project is not searched');
    const [payroll] = findingsOf(run, PAYROLL_HASH);
    assert.equal(payroll?.rule, 'backend-not-found', why(run));
    assert.match(payroll!.message, /in project\(s\) shop-prod\./);
    assert.ok(run.report?.backends.some((b) => b.address === BILLING && b.resource === 'projects/shop-prod/locations/europe-west1/services/billing'), why(run));
  });

  test('the policy file narrows the input: a project the input allows but the file does not is refused', async () => {
    const run = await gate([`https://us-central1-shop-dev1.cloudfunctions.net/f`, ORDERS], { 'allowed-projects': 'shop-*' }, { '.github/gateway-guard.yml': 'allowedProjects: [shop-prod]\n' });
    const [dev] = findingsOf(run, 'https://us-central1-shop-dev1.cloudfunctions.net/f');
    assert.equal(dev?.rule, 'backend-not-found', why(run));
    assert.match(dev!.message, /outside the allowed projects \(shop-\*, shop-prod\)/);
    assert.deepEqual(touched(run, 'shop-dev1'), []);
    assert.deepEqual(findingsOf(run, ORDERS), [], why(run));
  });

  test('the policy file cannot widen the input: an entry outside it is an error at its line, and is not allowed', async () => {
    const run = await gate([PAYROLL_FN], { 'allowed-projects': 'shop-*' }, { '.github/gateway-guard.yml': '# narrow only\nallowedProjects:\n  - shop-prod\n  - "*"\n' });
    assert.equal(run.code, 1, why(run));
    const invalid = (run.report?.findings ?? []).filter((f) => f.rule === 'invalid-spec');
    assert.deepEqual(invalid.map((f) => `${f.file}:${f.line}`), ['.github/gateway-guard.yml:4'], why(run));
    assert.match(invalid[0]!.message, /not within the `allowed-projects` input \(shop-\*\)/);
    assert.equal(findingsOf(run, PAYROLL_FN)[0]?.rule, 'backend-not-found', why(run));
    assert.deepEqual(touched(run, SECRET), []);
  });

  test('the policy file alone (no input) restricts too', async () => {
    const run = await gate([PAYROLL_FN], {}, { '.github/gateway-guard.yml': 'allowedProjects: [shop-prod]\n' });
    assert.equal(findingsOf(run, PAYROLL_FN)[0]?.rule, 'backend-not-found', why(run));
    assert.deepEqual(touched(run, SECRET), []);
  });

  test('a malformed allowed-projects input fails the step with a clear message', async () => {
    const run = await gate([ORDERS], { 'allowed-projects': 'shop-prod, Shop_Dev!' });
    assert.equal(run.code, 1, why(run));
    assert.match(run.stdout + run.stderr, /allowed-projects.*"Shop_Dev!"/);
    assert.deepEqual(run.requests, []);
  });
});

describe('show-members', { concurrency: 2 }, () => {
  /** billing: only a group may invoke it (unverified-grant naming the group). */
  function groupWorld(): World {
    const w = world();
    const billing = w.runServices!.find((s) => s.name.endsWith('/billing'))!;
    billing.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: [GROUP, 'user:alice@example.com'] }] };
    return w;
  }

  test('by default group/user members are counted in the summary and annotations, named in the JSON report', async () => {
    const run = await gate([BILLING], { 'fail-on': 'warning' }, {}, groupWorld());
    const finding = (run.report?.findings ?? []).find((f) => f.rule === 'unverified-grant');
    assert.ok(finding?.message.includes(GROUP), why(run));
    const annotation = run.annotations.find((a) => (a.title ?? '').includes('unverified-grant'));
    assert.ok(annotation, run.stdout);
    for (const shown of [run.summary, annotation.message, run.stdout]) {
      assert.ok(!shown.includes('payments-admins') && !shown.includes('alice@'), shown);
    }
    assert.match(annotation.message, /group:\(name hidden\).*1 group\/user\/domain member not named in public output/);
    assert.match(run.summary, /group:\(name hidden\)/);
  });

  test('show-members: true names them in public output', async () => {
    const run = await gate([BILLING], { 'fail-on': 'warning', 'show-members': 'true' }, {}, groupWorld());
    const annotation = run.annotations.find((a) => (a.title ?? '').includes('unverified-grant'));
    assert.ok(annotation?.message.includes(GROUP), run.stdout);
    assert.ok(run.summary.includes('payments-admins@example.com'), run.summary);
  });
});
