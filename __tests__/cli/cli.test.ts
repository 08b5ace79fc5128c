import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VERSION } from '../../src/version.ts';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { DEPLOYED_WORLD, SA, runCli, spec } from './harness.ts';

let fake: FakeGoogle;
before(async () => {
  fake = await startFakeGoogle(DEPLOYED_WORLD);
});
after(async () => {
  await fake.close();
});

const ESC = '\u001b[';
const check = (...args: string[]) => ['check', ...args];
const PRIVATE = { 'openapi.yaml': spec(false) };
const PUBLIC = { 'openapi.yaml': spec(true) };

/** A usage error: exit 2, nothing on stdout, one line on stderr that points at --help, no stack trace. */
function assertUsageError(run: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, pattern);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  assert.ok(!run.stderr.includes('    at '), 'no stack trace');
}

test('--help prints usage on stdout and exits 0', async () => {
  for (const args of [['--help'], ['-h'], ['check', '--help'], ['help']]) {
    const run = await runCli(args);
    assert.equal(run.code, 0, args.join(' '));
    assert.match(run.stdout, /^gateway-guard .*\n\nUsage:\n {2}gateway-guard check SPEC\.\.\. --service-account SA/);
    assert.match(run.stdout, /Exit status: 0 the gate passes, 1 the gate fails, 2 usage or input error/);
    assert.equal(run.stderr, '');
  }
});

test('--version prints the version', async () => {
  const run = await runCli(['--version']);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `${VERSION}\n`);
});

test('usage errors exit 2 with one line and a pointer to --help', async () => {
  assertUsageError(await runCli([]), /no command given.*see gateway-guard --help/);
  assertUsageError(await runCli(['openapi.yaml']), /unknown command "openapi\.yaml": did you mean `gateway-guard check openapi\.yaml/);
  assertUsageError(await runCli(check('openapi.yaml', '--bogus')), /^gateway-guard: unknown option --bogus \(see gateway-guard --help\)\n$/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--format')), /option --format needs a value/);
  assertUsageError(await runCli(check('openapi.yaml', '--service-account', '--project', 'p')), /option --service-account needs a value/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--format', 'xml')), /--format must be one of text, json, sarif; got "xml"/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--fail-on', 'critical')), /--fail-on must be one of error, warning, never/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--concurrency', '0')), /--concurrency must be a whole number from 1 to 256/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--timeout', '1.5')), /--timeout must be a whole number/);
  assertUsageError(await runCli(check('openapi.yaml')), /--service-account is required/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', 'gw')), /--service-account must be a service account email/);
  assertUsageError(await runCli(check('-s', SA)), /give the OpenAPI file\(s\) to check/);
  assertUsageError(await runCli(check('--api-config', 'projects/p/locations/global/gateways/g')), /--api-config must be .*not "global"/);
  assertUsageError(
    await runCli(check('openapi.yaml', '--api-config', 'projects/gw-host/locations/global/apis/shop')),
    /give SPEC file\(s\) or --api-config, not both/,
  );
  assertUsageError(await runCli(check('--color=yes', 'openapi.yaml', '-s', SA)), /option --color does not take a value/);
});

test('input errors exit 2: a missing file, a directory, a path outside the current directory', async () => {
  const opts = { emulatorHost: fake.host };
  assertUsageError(await runCli(check('nope.yaml', '-s', SA), opts), /^gateway-guard: SPEC "nope\.yaml": no such file\n$/);
  assertUsageError(await runCli(check('specs', '-s', SA), { ...opts, files: { 'specs/a.yaml': spec(false) } }), /is not a file/);
  assertUsageError(await runCli(check('../openapi.yaml', '-s', SA), opts), /outside the current directory/);
  assertUsageError(await runCli(check('/etc/hosts', '-s', SA), opts), /outside the current directory/);
  assertUsageError(await runCli(check('openapi.yaml', '-s', SA, '--policy', ''), { ...opts, files: PRIVATE }), /--policy needs a file name/);
});

test('without an emulator and without Application Default Credentials: exit 2 with what to do', async () => {
  const run = await runCli(check('openapi.yaml', '-s', SA), { files: PRIVATE });
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /no usable Google credentials .*gcloud auth application-default login/);
  assert.ok(!run.stderr.includes('    at '));
});

test('a passing gate exits 0; text output is plain when piped', async () => {
  const run = await runCli(check('openapi.yaml', '--service-account', SA, '--project', 'shop-prod'), { files: PRIVATE, emulatorHost: fake.host });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, '');
  assert.ok(!run.stdout.includes(ESC), 'no ANSI colours when stdout is not a terminal');
  assert.match(run.stdout, /^Backends\n {2}pass {4}https:\/\/orders-abc123-uc\.a\.run\.app \(cloud-run\) → projects\/shop-prod\/locations\/us-central1\/services\/orders {2}openapi\.yaml:3\n/);
  assert.match(run.stdout, /\nPASS 0 errors, 0 warnings, 0 notices — 1 backend in 1 spec file checked as gw@gw-host\.iam\.gserviceaccount\.com, \d+ Google API call\(s\) \(fails on: error\)\n$/);
});

test('a failing gate exits 1; one text block per finding with severity, rule, file:line, message and fix', async () => {
  const run = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod'), { files: PUBLIC, emulatorHost: fake.host });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.ok(!run.stdout.includes(ESC));
  const blocks = run.stdout.split('\n\n');
  const missing = blocks.find((b) => b.startsWith('ERROR    missing-invoker  openapi.yaml:13\n'));
  assert.ok(missing, run.stdout);
  assert.match(missing, /\n {2}gw@gw-host\.iam\.gserviceaccount\.com lacks run\.routes\.invoke on projects\/shop-prod\/locations\/us-central1\/services\/status/);
  assert.match(missing, /\n {2}address: {2}https:\/\/status-abc123-uc\.a\.run\.app\n/);
  assert.match(missing, /\n {2}fix: gcloud run services add-iam-policy-binding status /);
  assert.ok(blocks.some((b) => b.startsWith('ERROR    public-access  openapi.yaml:13\n')), run.stdout);
  assert.match(run.stdout, /\nFAIL 2 errors, 0 warnings, 0 notices — 2 backends in 1 spec file/);
});

test('--fail-on never reports the findings and exits 0', async () => {
  const run = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod', '--fail-on', 'never'), { files: PUBLIC, emulatorHost: fake.host });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /ERROR {4}public-access/);
  assert.match(run.stdout, /\nPASS 2 errors/);
});

test('--format json prints the JSON report (and only it) on stdout', async () => {
  const run = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod', '--format', 'json'), { files: PUBLIC, emulatorHost: fake.host });
  assert.equal(run.code, 1);
  const report = JSON.parse(run.stdout) as {
    result: string;
    serviceAccount: string;
    specFiles: string[];
    findings: Array<{ rule: string; file: string; line: number }>;
    backends: Array<{ address: string; status: string }>;
  };
  assert.equal(report.result, 'fail');
  assert.equal(report.serviceAccount, SA);
  assert.deepEqual(report.specFiles, ['openapi.yaml']);
  assert.deepEqual(report.findings.map((f) => `${f.rule}@${f.file}:${f.line}`).sort(), ['missing-invoker@openapi.yaml:13', 'public-access@openapi.yaml:13']);
  assert.deepEqual(report.backends.map((b) => `${b.address} ${b.status}`).sort(), [
    'https://orders-abc123-uc.a.run.app pass',
    'https://status-abc123-uc.a.run.app error',
  ]);
});

test('--format sarif prints a SARIF 2.1.0 log with a located result per finding', async () => {
  const run = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod', '-f', 'sarif'), { files: PUBLIC, emulatorHost: fake.host });
  assert.equal(run.code, 1);
  const sarif = JSON.parse(run.stdout) as {
    version: string;
    runs: Array<{
      tool: { driver: { name: string; version: string } };
      results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }>;
    }>;
  };
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0]?.tool.driver.name, 'gateway-guard');
  assert.equal(sarif.runs[0]?.tool.driver.version, VERSION);
  const results = sarif.runs[0]?.results ?? [];
  assert.deepEqual(results.map((r) => r.ruleId).sort(), ['missing-invoker', 'public-access']);
  for (const r of results) {
    assert.equal(r.level, 'error');
    assert.equal(r.locations[0]?.physicalLocation.artifactLocation.uri, 'openapi.yaml');
    assert.equal(r.locations[0]?.physicalLocation.region.startLine, 13);
  }
});

test('colours: FORCE_COLOR turns them on when piped, NO_COLOR and --no-color keep them off', async () => {
  const args = check('openapi.yaml', '-s', SA, '-p', 'shop-prod');
  const forced = await runCli(args, { files: PUBLIC, emulatorHost: fake.host, env: { FORCE_COLOR: '1' } });
  assert.equal(forced.code, 1);
  assert.ok(forced.stdout.includes(`${ESC}31m`), 'red for errors');
  assert.ok(forced.stdout.includes(`${ESC}1mmissing-invoker${ESC}22m`));
  const noColor = await runCli(args, { files: PUBLIC, emulatorHost: fake.host, env: { NO_COLOR: '1' } });
  assert.ok(!noColor.stdout.includes(ESC));
  const flag = await runCli([...args, '--no-color'], { files: PUBLIC, emulatorHost: fake.host, env: { FORCE_COLOR: '1' } });
  assert.ok(!flag.stdout.includes(ESC));
  const on = await runCli([...args, '--color'], { files: PUBLIC, emulatorHost: fake.host });
  assert.ok(on.stdout.includes(ESC));
  // JSON is never coloured.
  const json = await runCli([...args, '-f', 'json'], { files: PUBLIC, emulatorHost: fake.host, env: { FORCE_COLOR: '1' } });
  assert.ok(!json.stdout.includes(ESC));
});

test('globs, several specs and repeated/comma-separated --project; an invalid spec fails with invalid-spec', async () => {
  const files = {
    'specs/a.yaml': spec(false),
    'specs/b.yaml': 'swagger: "2.0"\ninfo: { title: b, version: "1" }\nx-google-backend: orders\npaths: {}\n',
  };
  const run = await runCli(check('specs/*.yaml', '-s', SA, '-p', 'shop-prod,other-proj', '-p', 'third-proj', '-f', 'json'), { files, emulatorHost: fake.host });
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout) as { specFiles: string[]; findings: Array<{ rule: string; file: string; line: number }> };
  assert.deepEqual(report.specFiles, ['specs/a.yaml', 'specs/b.yaml']);
  assert.deepEqual(report.findings.map((f) => `${f.rule}@${f.file}:${f.line}`), ['invalid-spec@specs/b.yaml:3']);
});

test('a policy file in the current directory is read, like the action does', async () => {
  const files = {
    ...PUBLIC,
    '.github/gateway-guard.yml': [
      'exceptions:',
      '  - rule: public-access',
      '    address: https://status-abc123-uc.a.run.app',
      '    reason: Public status page, reviewed in SEC-1042',
      'severity:',
      '  missing-invoker: warning',
      '',
    ].join('\n'),
  };
  const run = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod'), { files, emulatorHost: fake.host });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /NOTICE {3}public-access {2}openapi\.yaml:13\n/);
  assert.match(run.stdout, /excepted by policy, was error: Public status page, reviewed in SEC-1042/);
  assert.match(run.stdout, /WARNING {2}missing-invoker/);
  const missing = await runCli(check('openapi.yaml', '-s', SA, '-p', 'shop-prod', '--policy', 'nope.yml', '-f', 'json'), { files: PRIVATE, emulatorHost: fake.host });
  assert.equal(missing.code, 1, 'an explicit policy file that is missing is an error');
});

test('issue 16: a spec key carrying a workflow command prints no line a runner would run (text format)', async () => {
  const command = '::error file=README.md,line=1::Approved by security';
  const evil = [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    '  address: https://orders-abc123-uc.a.run.app',
    'paths:',
    `  ${JSON.stringify(`/a\n${command}`)}:`,
    '    get:',
    `      operationId: ${JSON.stringify(`op\r${command}`)}`,
    '      x-google-backend:',
    `        address: ${JSON.stringify(`https://x.example/\n${command}`)}`,
    '      responses: { "200": { description: ok } }',
    '',
  ].join('\n');
  const run = await runCli(check('openapi.yaml', '-s', SA, '--project', 'gw-host'), { files: { 'openapi.yaml': evil }, emulatorHost: fake.host });
  assert.ok(run.code === 0 || run.code === 1, run.stderr);
  const lines = (run.stdout + run.stderr).split(/\r\n|\r|\n/);
  assert.deepEqual(lines.filter((line) => line.trimStart().startsWith('::')), []);
  assert.ok(run.stdout.includes(`/a\\u{a}${command}`), run.stdout);
});
