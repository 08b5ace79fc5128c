// Versions agree: package.json, package-lock.json, src/version.ts, the bundle's --version and the pin comments of
// the docs (scripts/check-version.ts, which the release workflow also runs with the release's tag).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../e2e/harness.ts';
import { readVersionSources, versionProblems, type VersionSources } from '../../scripts/check-version.ts';

const sources = await readVersionSources(ROOT);
const version = (JSON.parse(sources.packageJson) as { version: string }).version;

test('the repository agrees on its version', () => {
  assert.deepEqual(versionProblems(sources), []);
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-version.ts')], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
});

test('each source that disagrees is named', () => {
  const bumped = (s: string): string => s.replaceAll(`"version": "${version}"`, '"version": "9.9.9"');
  const changed: VersionSources = {
    ...sources,
    packageJson: bumped(sources.packageJson),
    docs: { 'docs/x.md': '      - uses: OWNER/gateway-guard@<full commit SHA>  # v9.9.8\n' },
  };
  const problems = versionProblems(changed);
  assert.ok(problems.some((p) => p.startsWith('package-lock.json (version) says')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('src/version.ts (VERSION) says')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('dist/index.js --version')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('docs/x.md:1 (pin comment) says "9.9.8"')), problems.join('\n'));
  assert.deepEqual(versionProblems({ ...sources, packageJson: '{"version":"1.0"}' }), ['package.json: version "1.0" is not a semantic version (X.Y.Z)']);
});

test('a release needs a vX.Y.Z tag equal to the version and a dated CHANGELOG.md section', () => {
  const released = { ...sources, changelog: `# Changelog\n\n## [Unreleased]\n\n## [${version}] - 2027-01-15\n\n### Added\n- x\n` };
  assert.deepEqual(versionProblems({ ...released, tag: `v${version}` }), []);
  assert.match(versionProblems({ ...released, tag: 'v99.0.0' }).join('\n'), /tag "v99\.0\.0" does not match package\.json's version/);
  assert.match(versionProblems({ ...released, tag: version }).join('\n'), /is not vX\.Y\.Z/);
  assert.match(versionProblems({ ...sources, changelog: '## [Unreleased]\n', tag: `v${version}` }).join('\n'), /CHANGELOG\.md has no "## \[.*\] - YYYY-MM-DD" section/);
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-version.ts'), '--tag'], { encoding: 'utf8' });
  assert.equal(cli.status, 2, 'a --tag without a value is a usage error');
});
