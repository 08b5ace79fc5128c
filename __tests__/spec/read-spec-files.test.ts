import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSpecFiles } from '../../src/spec/index.ts';

const FIXTURES = new URL('../fixtures/specs/', import.meta.url);

describe('readSpecFiles', () => {
  let base: string;
  let workspace: string;

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'gateway-guard-spec-'));
    workspace = path.join(base, 'workspace');
    await mkdir(path.join(workspace, 'gateway', 'drafts'), { recursive: true });
    await mkdir(path.join(base, 'outside'));
    for (const name of ['orders.yaml', 'orders.json', 'orders-oas3.yaml']) {
      await copyFile(new URL(name, FIXTURES), path.join(workspace, 'gateway', name));
    }
    await copyFile(new URL('orders.yaml', FIXTURES), path.join(base, 'outside', 'secret.yaml'));
    await symlink(path.join(base, 'outside', 'secret.yaml'), path.join(workspace, 'linked.yaml'));
    await symlink(path.join(workspace, 'gateway', 'orders.yaml'), path.join(workspace, 'inside-link.yaml'));
    await writeFile(path.join(workspace, 'empty.yaml'), '');
    await writeFile(path.join(workspace, 'binary.yaml'), Buffer.from([0x73, 0x77, 0x00, 0x01, 0x02]));
    await writeFile(path.join(workspace, 'latin1.yaml'), Buffer.from('title: caf\xe9\n', 'latin1'));
    await writeFile(path.join(workspace, 'huge.yaml'), '');
    await truncate(path.join(workspace, 'huge.yaml'), 10 * 1024 * 1024 + 1);
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('expands globs and paths, sorted and deduplicated, and reads every file', async () => {
    const result = await readSpecFiles(
      ['gateway/*.yaml', 'gateway/orders.yaml', './gateway/orders.json', path.join(workspace, 'gateway', 'orders.json')],
      workspace,
    );
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.files, ['gateway/orders-oas3.yaml', 'gateway/orders.json', 'gateway/orders.yaml']);
    assert.deepEqual(
      result.backends.map((b) => [b.file, b.line, b.name ?? '', b.operations.length]),
      [
        ['gateway/orders-oas3.yaml', 9, 'orders', 2],
        ['gateway/orders-oas3.yaml', 13, 'payments', 2],
        ['gateway/orders.json', 26, '', 3],
        ['gateway/orders.json', 102, '', 1],
        ['gateway/orders.json', 120, '', 1],
        ['gateway/orders.yaml', 18, '', 3],
        ['gateway/orders.yaml', 69, '', 1],
        ['gateway/orders.yaml', 82, '', 1],
      ],
    );
  });

  it('shows every text read to beforeParse, once, before parsing it; the result is the same as without it', async () => {
    const patterns = ['gateway/*.yaml', 'gateway/orders.json', 'missing.yaml', 'binary.yaml'];
    const seen: string[][] = [];
    const shown = await readSpecFiles(patterns, workspace, async (texts) => {
      seen.push(texts.map((t) => t.file));
      for (const t of texts) assert.equal(t.text, await readFile(path.join(workspace, t.file), 'utf8'), 'the texts as read');
    });
    assert.deepEqual(seen, [['gateway/orders-oas3.yaml', 'gateway/orders.json', 'gateway/orders.yaml']]);
    assert.deepEqual(shown, await readSpecFiles(patterns, workspace));
    // Nothing read, nothing shown.
    let called = false;
    await readSpecFiles(['missing.yaml'], workspace, async () => void (called = true));
    assert.equal(called, false);
  });

  it('texts over 10 MiB together are parsed as they are read: only those held before are shown', async () => {
    const big = path.join(workspace, 'big');
    await mkdir(big, { recursive: true });
    const padding = `# ${'x'.repeat(1024 * 1024)}\n`.repeat(4);
    for (const name of ['a.yaml', 'b.yaml', 'c.yaml']) await writeFile(path.join(big, name), `swagger: "2.0"\ninfo: { title: t, version: "1" }\npaths: {}\n${padding}`);
    const seen: string[][] = [];
    const result = await readSpecFiles(['big/*.yaml'], workspace, async (texts) => void seen.push(texts.map((t) => t.file)));
    assert.deepEqual(seen, [['big/a.yaml', 'big/b.yaml']]);
    assert.deepEqual(result.files, ['big/a.yaml', 'big/b.yaml', 'big/c.yaml']);
    assert.deepEqual(result.findings, []);
  });

  it('skips directories a glob matches and follows symlinks that stay inside', async () => {
    const result = await readSpecFiles(['gateway/**', 'inside-link.yaml'], workspace);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.files, [
      'gateway/orders-oas3.yaml',
      'gateway/orders.json',
      'gateway/orders.yaml',
      'inside-link.yaml',
    ]);
  });

  const cases: { name: string; patterns: string[]; findings: [string, string][] }[] = [
    { name: 'glob matching nothing', patterns: ['specs/**/*.yaml'], findings: [['specs/**/*.yaml', 'no file matches "specs/**/*.yaml"']] },
    { name: 'missing file', patterns: ['openapi.yaml'], findings: [['openapi.yaml', 'the file does not exist']] },
    { name: 'directory', patterns: ['gateway'], findings: [['gateway', 'this is a directory, not a file; name the spec files, e.g. "gateway/*.yaml"']] },
    { name: 'the workspace itself', patterns: ['.'], findings: [['.', 'this is a directory']] },
    { name: 'symlink out of the workspace', patterns: ['linked.yaml'], findings: [['linked.yaml', 'symlink that resolves outside the workspace']] },
    { name: 'path escaping with ../', patterns: ['../outside/secret.yaml'], findings: [['../outside/secret.yaml', 'points outside the workspace']] },
    { name: 'glob escaping with ../', patterns: ['gateway/../../outside/*.yaml'], findings: [['gateway/../../outside/*.yaml', 'points outside the workspace']] },
    { name: 'absolute path outside', patterns: ['/etc/passwd'], findings: [['/etc/passwd', 'points outside the workspace']] },
    { name: 'empty file', patterns: ['empty.yaml'], findings: [['empty.yaml', 'the file is empty']] },
    { name: 'binary file', patterns: ['binary.yaml'], findings: [['binary.yaml', 'binary file']] },
    { name: 'non-UTF-8 file', patterns: ['latin1.yaml'], findings: [['latin1.yaml', 'not valid UTF-8']] },
    { name: 'file over 10 MiB', patterns: ['huge.yaml'], findings: [['huge.yaml', 'over the 10 MiB limit']] },
  ];
  for (const { name, patterns, findings } of cases) {
    it(name, async () => {
      const result = await readSpecFiles(patterns, workspace);
      assert.deepEqual(result.backends, []);
      assert.deepEqual(
        result.findings.map((f) => [f.rule, f.severity, f.file, f.line]),
        findings.map(([file]) => ['invalid-spec', 'error', file, 1]),
      );
      findings.forEach(([, fragment], i) => assert.ok(result.findings[i]!.message.includes(fragment), result.findings[i]!.message));
    });
  }

  it('reports every bad pattern and still reads the good files', async () => {
    const result = await readSpecFiles(['nothing/*.yaml', 'gateway/orders.yaml', 'empty.yaml'], workspace);
    assert.deepEqual(result.files, ['empty.yaml', 'gateway/orders.yaml']);
    assert.equal(result.backends.length, 3);
    assert.deepEqual(
      result.findings.map((f) => f.file),
      ['nothing/*.yaml', 'empty.yaml'],
    );
  });

  it('reports an unreadable file', { skip: process.getuid?.() === 0 && 'root reads every file' }, async () => {
    const file = path.join(workspace, 'locked.yaml');
    await writeFile(file, 'swagger: "2.0"\n');
    await chmod(file, 0o000);
    const result = await readSpecFiles(['locked.yaml'], workspace);
    assert.deepEqual(
      result.findings.map((f) => [f.file, f.line, f.message]),
      [['locked.yaml', 1, 'the file cannot be read (EACCES)']],
    );
  });

  it('a glob matching more than 1,000 files is one invalid-spec finding, and no file is read', async () => {
    const many = path.join(workspace, 'many');
    await mkdir(many);
    for (let i = 0; i < 1001; i++) await writeFile(path.join(many, `s${i}.yaml`), 'not: [valid');
    const result = await readSpecFiles(['many/*.yaml'], workspace);
    assert.deepEqual(result.files, []);
    assert.deepEqual(
      result.findings.map((f) => [f.rule, f.file, f.message]),
      [['invalid-spec', 'many/*.yaml', "the spec input matches more than 1000 files, the limit; name the gateway config's OpenAPI files more narrowly"]],
    );
    await rm(many, { recursive: true, force: true });
  });
});
