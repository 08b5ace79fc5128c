// scripts/bundled-packages.ts: the packages `npm run audit` checks, as everything bundled into dist/ is a
// devDependency and `npm audit --omit=dev` would see none of it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../e2e/harness.ts';
import { closure, importedPackages } from '../../scripts/bundled-packages.ts';

test('the packages src/ imports at run time, without type-only imports', async () => {
  const roots = await importedPackages(path.join(ROOT, 'src'));
  for (const name of ['@actions/github', '@bufbuild/cel', 'google-auth-library', 'googleapis', 'js-yaml']) assert.ok(roots.has(name), name);
  assert.ok(!roots.has('ajv'), 'ajv is imported for types only: its validators are compiled ahead of time');
  assert.ok(!roots.has('@actions/core'), 'workflow commands are written by src/workflow-command.ts, without @actions/core');
});

test('closure follows the lockfile as Node resolves: nested copies first, then the top level', () => {
  const lock = {
    packages: {
      '': {},
      'node_modules/a': { dependencies: { b: '^2', c: '^1' } },
      'node_modules/a/node_modules/b': { dependencies: { c: '^1' } },
      'node_modules/b': {},
      'node_modules/c': { optionalDependencies: { d: '^1' } },
      'node_modules/d': {},
      'node_modules/unused': {},
    },
  };
  assert.deepEqual([...closure(lock, ['a'])].sort(), ['node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/c', 'node_modules/d']);
});

test('what dist/ bundles is all devDependencies: installing the package pulls none of it', async () => {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const shipped = closure(lock, await importedPackages(path.join(ROOT, 'src')));
  assert.ok(shipped.size > 20, `${shipped.size} packages`);
  assert.deepEqual([...shipped].filter((p) => lock.packages[p]?.dev !== true), []);
  assert.ok(!shipped.has('node_modules/eslint') && !shipped.has('node_modules/typescript'));
});
