/** The command line: --show-members (text counts members, JSON names them) and --allowed-projects. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { startFakeGoogle } from '../fake-google/server.ts';
import type { World } from '../fake-google/world.ts';
import { ROOT, SA, runCli } from './harness.ts';

const GROUP = 'group:payments-admins@example.com';
const SPEC = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', '  address: https://billing-def456-ew.a.run.app', 'paths: {}', ''].join('\n');

async function groupWorld(): Promise<World> {
  const w = load(await readFile(path.join(ROOT, '__tests__/fixtures/worlds/demo.yaml'), 'utf8')) as World;
  w.runServices!.find((s) => s.name.endsWith('/billing'))!.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: [GROUP] }] };
  return w;
}

test('text output counts group members unless --show-members; JSON always names them', async () => {
  const fake = await startFakeGoogle(await groupWorld());
  try {
    const base = ['check', 'openapi.yaml', '-s', SA, '--project', 'shop-prod'];
    const text = await runCli(base, { files: { 'openapi.yaml': SPEC }, emulatorHost: fake.host });
    assert.match(text.stdout, /unverified-grant/, text.stdout + text.stderr);
    assert.ok(!text.stdout.includes('payments-admins'), text.stdout);
    assert.match(text.stdout, /group:\(name hidden\)/);
    const shown = await runCli([...base, '--show-members'], { files: { 'openapi.yaml': SPEC }, emulatorHost: fake.host });
    assert.ok(shown.stdout.includes(GROUP), shown.stdout);
    const json = await runCli([...base, '--format', 'json'], { files: { 'openapi.yaml': SPEC }, emulatorHost: fake.host });
    assert.ok(json.stdout.includes(GROUP), json.stdout);
  } finally {
    await fake.close();
  }
});

test('--allowed-projects: an address outside is backend-not-found without a Google call; a malformed pattern is a usage error', async () => {
  const fake = await startFakeGoogle(await groupWorld());
  try {
    const run = await runCli(['check', 'openapi.yaml', '-s', SA, '--project', 'shop-prod', '--allowed-projects', 'other-*', '--format', 'json'], { files: { 'openapi.yaml': SPEC }, emulatorHost: fake.host });
    const report = JSON.parse(run.stdout) as { findings: Array<{ rule: string; message: string }> };
    assert.deepEqual(report.findings.map((f) => f.rule), ['backend-not-found'], run.stdout);
    assert.match(report.findings[0]!.message, /the projects to search for it \(shop-prod\) are outside the allowed projects \(other-\*\)/);
    assert.deepEqual(fake.requests.filter((r) => r.path.includes('shop-prod')), [], 'shop-prod is outside the list: not searched');
    const bad = await runCli(['check', 'openapi.yaml', '-s', SA, '--allowed-projects', 'Shop_Prod'], { files: { 'openapi.yaml': SPEC }, emulatorHost: fake.host });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--allowed-projects takes project IDs or patterns/);
  } finally {
    await fake.close();
  }
});
