// The installable CLI: `npm pack` of this checkout (its committed-or-built dist/), installed into an empty folder
// far from the repository's node_modules, must install no dependency and run `gateway-guard` with Node alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startFakeGoogle } from '../fake-google/server.ts';
import { FIXTURES, ROOT } from '../e2e/harness.ts';

const exec = promisify(execFile);
/** Only Node 24 (this test's own) and the system tools on PATH; nothing of the repository. */
const PATH = [path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter).filter((p) => !p.includes('node_modules'))].join(path.delimiter);
const MAX_TARBALL = 1024 * 1024;

interface Packed {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

let packed: Packed;
let tarball: string;
let install: string;
let bin: string;

before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-pack-'));
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: { ...process.env, PATH } });
  packed = (JSON.parse(stdout) as Packed[])[0] as Packed;
  tarball = path.join(dir, packed.filename);
  install = await mkdtemp(path.join(tmpdir(), 'gg-install-'));
  await writeFile(path.join(install, 'package.json'), '{ "name": "empty", "private": true }\n');
  // --offline: a package without dependencies needs nothing from the registry.
  await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: install, env: { ...process.env, PATH } });
  bin = path.join(install, 'node_modules/.bin/gateway-guard');
});

test('npm pack: the bundle, action.yml, schema, docs and license; no sources, tests, fixtures or scripts; small', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const needed of ['dist/index.js', 'dist/lib/index.js', 'dist/lib/licenses.txt', 'action.yml', 'schema/policy.schema.json', 'docs/rules.md', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(needed), `${needed} missing from ${files.join(', ')}`);
  }
  const stray = files.filter((f) => /^(src|__tests__|scripts|bench|examples|\.github|\.ci|node_modules)\//.test(f) || /\.ts$/.test(f));
  assert.deepEqual(stray, []);
  assert.ok(packed.size < MAX_TARBALL, `tarball is ${packed.size} bytes`);
});

test('installing the tarball adds exactly one package and no dependency', async () => {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.dependencies, undefined, 'runtime packages are bundled into dist/: they belong in devDependencies');
  const installed = (await readdir(path.join(install, 'node_modules'))).filter((n) => !n.startsWith('.'));
  assert.deepEqual(installed, ['gateway-guard']);
});

test('gateway-guard --help and --version run from the installed package with Node alone', async () => {
  const help = await exec(bin, ['--help'], { cwd: install, env: { PATH } });
  assert.match(help.stdout, /^gateway-guard \d+\.\d+\.\d+ /);
  assert.match(help.stdout, /gateway-guard check SPEC\.\.\. --service-account SA/);
  const version = await exec(bin, ['--version'], { cwd: install, env: { PATH } });
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
});

test('the installed gateway-guard checks examples/ against the fake Google API, as the checkout\'s bundle does', async () => {
  const fake = await startFakeGoogle(path.join(FIXTURES, 'worlds/demo.yaml'));
  after(() => fake.close());
  await writeFile(path.join(install, 'openapi.yaml'), await readFile(path.join(ROOT, 'examples/openapi.yaml')));
  const args = ['check', 'openapi.yaml', '-s', 'gw@gw-host.iam.gserviceaccount.com', '-p', 'shop-prod', '--format', 'json'];
  const env = { PATH, HOME: install, GATEWAY_GUARD_EMULATOR_HOST: fake.host };
  const run = async (command: string, commandArgs: string[]): Promise<{ code: number; stdout: string }> =>
    exec(command, commandArgs, { cwd: install, env }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
  const installed = await run(bin, args);
  const checkout = await run(process.execPath, [path.join(ROOT, 'dist/index.js'), ...args]);
  assert.equal(installed.code, 1, installed.stdout);
  const report = JSON.parse(installed.stdout) as { result: string; findings: Array<{ rule: string }>; backends: unknown[] };
  assert.equal(report.result, 'fail');
  assert.ok(report.findings.some((f) => f.rule === 'public-access'), installed.stdout);
  assert.equal(report.backends.length, 6);
  assert.equal(checkout.code, installed.code);
  assert.deepEqual(JSON.parse(installed.stdout), JSON.parse(checkout.stdout));
});
