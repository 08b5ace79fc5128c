/**
 * Issue 16, item 5: files a pull request controls cannot reach out of the workspace. The policy file
 * behind a symlink (to a file outside, to /dev/zero), a committed symlink at the SARIF path, and a glob
 * through a symlinked directory: each is refused with an invalid-spec finding or a failed write, nothing
 * outside is read, written or named, and the run ends quickly. dist/index.js, as the runner runs it.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { INPUTS, RUN_URI, assertNoStack, everyOutput, findingsOf, makeWorkspace, passingWorld, runInWorkspace, swagger, write } from './helpers.ts';

const LIMIT_MS = 10_000;
/** What an outside file holds; no output may show it. */
const OUTSIDE_TEXT = 'severity:\n  public-access: off-OUTSIDE-CONTENT-7f3a\n';
const OUTSIDE_NAME = 'outside-secret-name-91c2';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(passingWorld());
});
after(async () => {
  await fake.close();
});

/** A workspace with the passing spec, next to an `outside` directory holding a file nothing may show. */
async function workspaceWith(prepare: (workspace: string, outside: string) => Promise<void>) {
  return makeWorkspace(async (ws) => {
    const outside = path.join(path.dirname(ws), 'outside');
    await write(path.join(ws, 'openapi.yaml'), swagger(RUN_URI));
    await write(path.join(outside, `${OUTSIDE_NAME}.yaml`), OUTSIDE_TEXT);
    await prepare(ws, outside);
  });
}

function assertNothingOutside(texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    assert.ok(!text.includes('OUTSIDE-CONTENT'), `${where} shows the outside file's content`);
    assert.ok(!text.includes(OUTSIDE_NAME), `${where} names the outside file`);
  }
}

test('a policy file symlinked to a file outside the workspace is refused unread, without naming the target', { timeout: 60_000 }, async () => {
  const { workspace } = await workspaceWith(async (ws, outside) => {
    await mkdir(path.join(ws, '.github'));
    await symlink(path.join(outside, `${OUTSIDE_NAME}.yaml`), path.join(ws, '.github', 'gateway-guard.yml'));
  });
  const run = await runInWorkspace(workspace, { inputs: INPUTS }, fake);
  assert.equal(run.code, 1, run.stdout);
  const [finding, ...more] = findingsOf(run, 'invalid-spec');
  assert.equal(more.length, 0);
  assert.equal(finding?.file, '.github/gateway-guard.yml');
  assert.match(finding?.message ?? '', /leads outside the workspace/);
  assertNothingOutside(await everyOutput(run));
  assertNoStack(run);
});

test('a policy file symlinked to /dev/zero ends at once with invalid-spec (nothing read)', { timeout: 60_000 }, async () => {
  const { workspace } = await workspaceWith(async (ws) => {
    await mkdir(path.join(ws, '.github'));
    await symlink('/dev/zero', path.join(ws, '.github', 'gateway-guard.yml'));
  });
  const started = Date.now();
  const run = await runInWorkspace(workspace, { inputs: INPUTS, env: { NODE_OPTIONS: '--max-old-space-size=256' } }, fake);
  assert.ok(Date.now() - started < LIMIT_MS, `took ${Date.now() - started} ms`);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(findingsOf(run, 'invalid-spec')[0]?.message ?? '', /Policy file \.github\/gateway-guard\.yml .*leads outside the workspace/);
  assertNoStack(run);
});

test('a committed symlink at the sarif-file path is not written through; the file outside stays as it was', { timeout: 60_000 }, async () => {
  let victim = '';
  const { workspace } = await workspaceWith(async (ws, outside) => {
    victim = path.join(outside, `${OUTSIDE_NAME}.yaml`);
    await symlink(victim, path.join(ws, 'results.sarif'));
    // And a symlinked directory on the way to the second one.
    await symlink(outside, path.join(ws, 'reports'));
  });
  for (const sarif of ['results.sarif', 'reports/gateway-guard.sarif']) {
    const run = await runInWorkspace(workspace, { inputs: { ...INPUTS, 'sarif-file': sarif } }, fake);
    assert.equal(run.code, 1, run.stdout);
    assert.equal(await readFile(victim, 'utf8'), OUTSIDE_TEXT);
    await assert.rejects(readFile(path.join(path.dirname(victim), 'gateway-guard.sarif')), { code: 'ENOENT' });
    const error = run.annotations.find((a) => a.level === 'error' && /Could not write the SARIF file/.test(a.message));
    assert.ok(error, run.stdout);
    assert.match(error.message, /symlink/);
    // The verdict itself stands: the check passed, only the SARIF file failed.
    assert.equal(run.outputs.result, 'pass');
    assertNothingOutside(await everyOutput(run));
  }
});

test('a glob through a symlinked directory does not list the outside files', { timeout: 60_000 }, async () => {
  const { workspace } = await workspaceWith(async (ws, outside) => {
    await symlink(outside, path.join(ws, 'specs'));
    await mkdir(path.join(ws, 'api'));
    await symlink(outside, path.join(ws, 'api', 'linked'));
  });
  // A glob whose fixed part is the link: refused as written, fail closed.
  for (const spec of ['specs/*.yaml', 'api/linked/*.yaml']) {
    const run = await runInWorkspace(workspace, { inputs: { ...INPUTS, spec } }, fake);
    assert.equal(run.code, 1, `${spec}: ${run.stdout}`);
    const [finding] = findingsOf(run, 'invalid-spec');
    assert.equal(finding?.file, spec);
    assert.match(finding?.message ?? '', /through a symlinked directory that leaves the workspace; they were not read/);
    assertNothingOutside(await everyOutput(run));
    assertNoStack(run);
  }
  // A recursive glob does not descend into the links: only the workspace's own spec is checked.
  for (const spec of ['**/*.yaml', 'api/**/*.yaml, openapi.yaml']) {
    const run = await runInWorkspace(workspace, { inputs: { ...INPUTS, spec } }, fake);
    assert.deepEqual(run.report?.specFiles, ['openapi.yaml'], `${spec}: ${run.stdout}`);
    assertNothingOutside(await everyOutput(run));
  }
});

test('control: a sarif-file inside the workspace, through no link, is written', { timeout: 60_000 }, async () => {
  const { workspace } = await workspaceWith(async (ws) => mkdir(path.join(ws, 'out')));
  const run = await runInWorkspace(workspace, { inputs: { ...INPUTS, 'sarif-file': 'out/new/gateway-guard.sarif' } }, fake);
  assert.equal(run.code, 0, run.stdout);
  const sarif = JSON.parse(await readFile(path.join(workspace, 'out/new/gateway-guard.sarif'), 'utf8')) as { version: string };
  assert.equal(sarif.version, '2.1.0');
});
