/**
 * Issue 8, addresses: not https, with credentials, IP literals, odd ports → reported (never a pass
 * for that backend) and never contacted. The action talks to Google (here: the fake) and nothing else:
 * a local "backend" server must see no request, and a preloaded hook logs every TCP connection and DNS
 * lookup the action's process makes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ActionRun } from '../e2e/harness.ts';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import {
  INPUTS,
  RUN_URI,
  assertNoSecret,
  assertNoStack,
  everyOutput,
  makeWorkspace,
  netLog,
  passingWorld,
  runInWorkspace,
  startSentinel,
  swagger,
  write,
  type Sentinel,
} from './helpers.ts';

const PASSWORD = 'S3cr3t-gg-Passw0rd';
const USER_TOKEN = 'ghp_tokenInTheUserPart0123456789abcdef';

let fake: FakeGoogle;
let sentinel: Sentinel;
before(async () => {
  fake = await startFakeGoogle(passingWorld());
  sentinel = await startSentinel();
});
after(async () => {
  await sentinel.close();
  await fake.close();
});

/** Runs the action on `spec` with the net log on; returns the run and what the process connected to. */
async function check(spec: string, extraInputs: Record<string, string> = {}) {
  const log = await netLog();
  const { workspace } = await makeWorkspace((ws) => write(path.join(ws, 'openapi.yaml'), spec));
  fake.requests.length = 0;
  const run = await runInWorkspace(workspace, { inputs: { ...INPUTS, ...extraInputs }, env: log.env }, fake);
  return { run, net: await log.read(), sarif: extraInputs['sarif-file'] ? path.join(workspace, extraInputs['sarif-file']) : undefined };
}

/** Nothing but the fake Google was contacted, nothing was resolved, and every request was a Google API call. */
function assertOnlyGoogle(run: ActionRun, net: Awaited<ReturnType<typeof check>>['net']): void {
  const [fakeHost, fakePort] = fake.host.split(':');
  for (const event of net) {
    if (event.type === 'lookup') assert.fail(`the action resolved ${event.host}`);
    assert.equal(event.host, fakeHost, `connection to ${JSON.stringify(event)}`);
    assert.equal(String(event.port), fakePort, `connection to ${JSON.stringify(event)}`);
  }
  for (const r of run.requests) assert.ok(r.methodId, `not a Google API call: ${r.method} ${r.path}`);
  assert.deepEqual(sentinel.requests, [], 'the local backend was called');
  assert.equal(sentinel.connections, 0, 'the local backend was connected to');
}

/** The backend of `address` is reported, and not as passing. */
function assertReported(run: ActionRun, address: string): void {
  const backend = run.report?.backends.find((b) => b.address === address);
  const findings = (run.report?.findings ?? []).filter((f) => f.address === address);
  if (backend) assert.notEqual(backend.status, 'pass', `${address} passed`);
  if (!backend || findings.length === 0) {
    // Refused while reading the spec: then an invalid-spec error at this address's lines fails the gate.
    const lines = readFileSync(path.join(run.workspace, 'openapi.yaml'), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(address)) + 1;
    const refused = (run.report?.findings ?? []).some((f) => f.rule === 'invalid-spec' && f.severity === 'error' && (f.line === at || f.line === at - 1));
    assert.ok(refused, `${address} not reported: ${JSON.stringify(run.report?.findings)}`);
    assert.equal(run.outputs.result, 'fail');
  }
}

test('control: the hook sees the connections to the fake, and the valid backend passes', async () => {
  const { run, net } = await check(swagger(RUN_URI));
  assert.equal(run.code, 0, run.stdout);
  assert.ok(net.some((e) => e.type === 'connect' && `${e.host}:${e.port}` === fake.host), 'the net log works');
  assertOnlyGoogle(run, net);
});

describe('each hostile address alone: reported, never a pass for it, never contacted', () => {
  const addresses = (port: number) => [
    'http://orders-abc123-uc.a.run.app',
    'grpc://orders-abc123-uc.a.run.app',
    `https://deploy:${PASSWORD}@orders-abc123-uc.a.run.app`,
    `https://${USER_TOKEN}@orders-abc123-uc.a.run.app/`,
    `https://127.0.0.1:${port}/`,
    `http://127.0.0.1:${port}/`,
    `https://[::1]:${port}/`,
    `https://2130706433:${port}/`,
    `https://0x7f.1:${port}/`,
    `https://localhost:${port}/`,
    'https://orders-abc123-uc.a.run.app:8443',
    `https://orders-abc123-uc.a.run.app:${port}/`,
    'https://orders-abc123-uc.a.run.app@127.0.0.1/',
  ];
  for (const template of addresses(0)) {
    test(template.replace(':0/', ':PORT/'), { timeout: 30_000 }, async () => {
      const address = template.replace(/:0\//, `:${sentinel.port}/`);
      const { run, net } = await check(swagger(address));
      assertReported(run, address);
      assertOnlyGoogle(run, net);
      assertNoStack(run);
    });
  }
});

test('all at once, beside a valid run.app backend: only Google is contacted, the valid one still passes', { timeout: 30_000 }, async () => {
  const hostile = [
    `https://127.0.0.1:${sentinel.port}/`,
    `http://127.0.0.1:${sentinel.port}/api`,
    `https://localhost:${sentinel.port}/`,
    `https://[::1]:${sentinel.port}/`,
    'http://orders-abc123-uc.a.run.app',
    'https://orders-abc123-uc.a.run.app:8443/',
    'https://example.com/',
  ];
  const lines = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', `  address: ${RUN_URI}`, 'paths:', '  /o:', '    get:', '      responses: { "200": { description: ok } }'];
  hostile.forEach((address, i) => {
    lines.push(`  /h${i}:`, '    get:', '      x-google-backend:', `        address: ${JSON.stringify(address)}`, '      responses: { "200": { description: ok } }');
  });
  const { run, net } = await check(lines.join('\n') + '\n');
  assert.equal(run.report?.backends.find((b) => b.address === RUN_URI)?.status, 'pass', JSON.stringify(run.report?.backends));
  for (const address of hostile) assertReported(run, address);
  assert.ok(run.requests.length > 0);
  assertOnlyGoogle(run, net);
});

test('OpenAPI 3: a declared backend at a local IP is reported and never contacted', { timeout: 30_000 }, async () => {
  const address = `https://127.0.0.1:${sentinel.port}/`;
  const spec = [
    'openapi: 3.0.3',
    'info: { title: t, version: "1" }',
    'x-google-api-management:',
    '  backends:',
    '    orders:',
    `      address: ${RUN_URI}`,
    '    local:',
    `      address: ${JSON.stringify(address)}`,
    'x-google-backend: orders',
    'paths:',
    '  /o:',
    '    get:',
    '      responses: { "200": { description: ok } }',
    '  /l:',
    '    get:',
    '      x-google-backend: local',
    '      responses: { "200": { description: ok } }',
    '',
  ].join('\n');
  const { run, net } = await check(spec);
  assertReported(run, address);
  assertOnlyGoogle(run, net);
});

test('credentials in an address never appear in any output (stdout, stderr, summary, outputs, report, SARIF)', { timeout: 30_000 }, async () => {
  const spec = swagger(RUN_URI, `https://deploy:${PASSWORD}@orders-abc123-uc.a.run.app/`).replace(
    'paths:',
    ['paths:', '  /u:', '    get:', '      x-google-backend:', `        address: https://${USER_TOKEN}@orders-abc123-uc.a.run.app`, '      responses: { "200": { description: ok } }'].join('\n'),
  );
  const { run, sarif } = await check(spec, { 'sarif-file': 'out/gateway-guard.sarif' });
  assert.equal(run.code, 1, 'a credential in a backend address fails the gate');
  const texts = await everyOutput(run, [sarif!]);
  assertNoSecret(texts, PASSWORD);
  assertNoSecret(texts, USER_TOKEN);
  assertNoSecret(texts, encodeURIComponent(PASSWORD));
});
