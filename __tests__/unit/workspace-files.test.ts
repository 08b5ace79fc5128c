import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { outputPathProblem, readWorkspaceFile, writeOutputFile } from '../../src/workspace-files.ts';

async function layout() {
  const root = await mkdtemp(path.join(tmpdir(), 'gg-wsf-'));
  const workspace = path.join(root, 'workspace');
  const outside = path.join(root, 'outside');
  await mkdir(path.join(workspace, 'dir'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(workspace, 'a.yaml'), 'a: 1\n');
  await writeFile(path.join(outside, 'secret.txt'), 'outside\n');
  await symlink(path.join(workspace, 'a.yaml'), path.join(workspace, 'inner-link.yaml'));
  await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'outer-link.yaml'));
  await symlink(outside, path.join(workspace, 'outer-dir'));
  execFileSync('mkfifo', [path.join(workspace, 'fifo.yaml')]);
  return { workspace, outside };
}

test('readWorkspaceFile: inside after links, regular, within the limit; otherwise the reason, nothing read', async () => {
  const { workspace } = await layout();
  const read = (file: string, maxBytes = 100) => readWorkspaceFile(workspace, file, { maxBytes });
  const ok = await read('a.yaml');
  assert.equal(ok.ok && ok.bytes.toString(), 'a: 1\n');
  assert.equal((await read(path.join(workspace, 'a.yaml'))).ok, true);
  assert.equal((await read('inner-link.yaml')).ok, true);
  const kinds = async (file: string, maxBytes?: number) => {
    const result = await read(file, maxBytes);
    return result.ok ? 'ok' : result.kind;
  };
  assert.equal(await kinds('outer-link.yaml'), 'outside');
  assert.equal(await kinds('outer-dir/secret.txt'), 'outside');
  assert.equal(await kinds('../outside/secret.txt'), 'outside');
  assert.equal(await kinds('/etc/passwd'), 'outside');
  assert.equal(await kinds('missing.yaml'), 'missing');
  assert.equal(await kinds('a.yaml/x'), 'missing');
  assert.equal(await kinds('dir'), 'directory');
  assert.equal(await kinds('fifo.yaml'), 'not-a-file');
  const large = await read('a.yaml', 4);
  assert.deepEqual(large, { ok: false, kind: 'too-large', bytes: 5 });
});

test('outputPathProblem / writeOutputFile: never through a link in the workspace, never onto a non-file', async () => {
  const { workspace, outside } = await layout();
  assert.equal(outputPathProblem(workspace, 'new/dir/report.sarif'), undefined);
  assert.equal(outputPathProblem(workspace, 'a.yaml'), undefined);
  assert.match(outputPathProblem(workspace, 'outer-link.yaml') ?? '', /outer-link\.yaml is a symlink in the workspace/);
  assert.match(outputPathProblem(workspace, 'inner-link.yaml') ?? '', /symlink/);
  assert.match(outputPathProblem(workspace, 'outer-dir/new.sarif') ?? '', /outer-dir is a symlink in the workspace/);
  assert.match(outputPathProblem(workspace, 'fifo.yaml') ?? '', /not a regular file/);
  assert.match(outputPathProblem(workspace, 'dir') ?? '', /not a regular file/);
  // Outside the workspace (RUNNER_TEMP) only the file itself is checked.
  assert.equal(outputPathProblem(workspace, path.join(outside, 'report.json')), undefined);
  assert.match(outputPathProblem(workspace, path.join(workspace, 'outer-link.yaml')) ?? '', /symlink/);

  writeOutputFile(workspace, 'new/dir/report.sarif', '{"x":1}\n');
  assert.equal(await readFile(path.join(workspace, 'new/dir/report.sarif'), 'utf8'), '{"x":1}\n');
  assert.throws(() => writeOutputFile(workspace, 'outer-link.yaml', 'overwritten'), /symlink/);
  assert.throws(() => writeOutputFile(workspace, 'outer-dir/x.sarif', 'overwritten'), /symlink/);
  assert.equal(await readFile(path.join(outside, 'secret.txt'), 'utf8'), 'outside\n');
  await assert.rejects(readFile(path.join(outside, 'x.sarif')), { code: 'ENOENT' });
});
