/**
 * End-to-end tests of the `sarif-file` input: dist/index.js against the fake Google API (demo world),
 * the log validated with ajv against a restatement of the official SARIF 2.1.0 schema
 * (__tests__/fixtures/sarif/, see its README for why it is not the downloaded file).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { FIXTURES, ROOT, runAction, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const DEMO = path.join(FIXTURES, 'worlds/demo.yaml');
const SPEC = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
/** SPEC.md's rule table, in its order. */
const RULE_IDS = [
  'public-access',
  'missing-invoker',
  'missing-iap-access',
  'missing-app-engine-permissions',
  'auth-disabled',
  'audience-mismatch',
  'unreachable-backend',
  'conditional-grant',
  'unverified-grant',
  'backend-not-found',
  'unsupported-backend',
  'iam-unreadable',
  'invalid-spec',
  'invalid-plan',
];

const schema = JSON.parse(await readFile(path.join(FIXTURES, 'sarif/sarif-2.1.0-subset.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
ajv.addFormat('uri', (s: string) => URL.canParse(s));
ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'https://base.invalid/') && !/[\s\\]/.test(s));
const validateSarif = ajv.compile(schema);

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations?: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }>;
  partialFingerprints?: Record<string, string>;
  suppressions?: Array<{ kind: string; status?: string; justification?: string }>;
}
interface SarifRule {
  id: string;
  shortDescription?: { text: string };
  fullDescription?: { text: string };
  help?: { text: string; markdown?: string };
  defaultConfiguration?: { level: string };
  properties?: { 'security-severity'?: string; tags?: string[] };
}
interface SarifLog {
  version: string;
  runs: Array<{ tool: { driver: { name: string; rules: SarifRule[] } }; results: SarifResult[] }>;
}

const why = (run: ActionRun): string => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

async function sarifRun(spec: string, options: { file?: string; sarif?: string; policy?: string } = {}): Promise<{ run: ActionRun; log: SarifLog; text: string }> {
  const file = options.file ?? 'openapi.yaml';
  const sarif = options.sarif ?? 'results/gateway-guard.sarif';
  const files: Record<string, string> = { [file]: spec };
  if (options.policy) files['.github/gateway-guard.yml'] = options.policy;
  const run = await runAction({
    inputs: { spec: file, 'service-account': SA, project: 'shop-prod', 'sarif-file': sarif },
    files,
    world: DEMO,
  });
  const text = await readFile(path.join(run.workspace, sarif), 'utf8').catch((error: unknown) => {
    throw new Error(`no SARIF file at ${sarif}: ${String(error)}\n${why(run)}`);
  });
  return { run, log: JSON.parse(text) as SarifLog, text };
}

const fingerprints = (log: SarifLog) =>
  log.runs[0]!.results.map((r) => `${r.ruleId} ${JSON.stringify(r.partialFingerprints)}`).sort();

describe('SARIF output (sarif-file)', { concurrency: 4 }, () => {
  test('the schema restatement rejects what the official schema rejects (the validator can fail)', () => {
    const minimal = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'error' }] }] };
    assert.ok(validateSarif(minimal), JSON.stringify(validateSarif.errors));
    const bad = [
      { ...minimal, version: '2.0.0' },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'notice' }] }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: {} }] }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ name: 'no id' }] } } }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }] }] }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, partialFingerprints: { k: 1 } }] }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, suppressions: [{ status: 'accepted' }] }] }] },
      { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, severity: 'error' }] }] },
    ];
    for (const log of bad) assert.equal(validateSarif(log), false, JSON.stringify(log));
  });

  test('writes a SARIF 2.1.0 log, valid against the schema, with one result per finding at the spec line', async () => {
    const { run, log } = await sarifRun(SPEC);
    assert.equal(run.code, 1, why(run));
    assert.ok(validateSarif(log), `invalid SARIF: ${ajv.errorsText(validateSarif.errors, { separator: '\n' })}`);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const results = log.runs[0]!.results;
    const findings = run.report!.findings;
    assert.equal(results.length, findings.length);
    assert.equal(findings.length, 4, JSON.stringify(findings));
    // Same findings, same places: rule, file and line of each.
    const located = results.map((r) => {
      assert.equal(r.locations?.length, 1, JSON.stringify(r));
      const loc = r.locations![0]!.physicalLocation;
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      return `${r.ruleId}@${loc.artifactLocation.uri}:${loc.region.startLine}`;
    });
    assert.deepEqual(located.sort(), findings.map((f) => `${f.rule}@${f.file}:${f.line}`).sort());
    // The lines are the x-google-backend keys of the spec (examples/openapi.yaml).
    const lines = SPEC.split('\n');
    for (const r of results) {
      const line = r.locations![0]!.physicalLocation.region.startLine;
      assert.match(lines[line - 1] ?? '', /x-google-backend:|address:/, `line ${line} of the spec for ${r.ruleId}`);
    }
    assert.deepEqual(
      results.map((r) => `${r.ruleId}:${r.locations![0]!.physicalLocation.region.startLine}`).sort(),
      ['missing-invoker:22', 'missing-invoker:28', 'missing-invoker:40', 'public-access:22'],
    );
    for (const r of results) {
      assert.equal(r.level, 'error');
      assert.ok(r.message.text.length > 20, r.message.text);
    }
  });

  test('one rule per rule ID, with help text and security-severity; ruleIndex points at it', async () => {
    const { log } = await sarifRun(SPEC);
    const rules = log.runs[0]!.tool.driver.rules;
    assert.equal(log.runs[0]!.tool.driver.name, 'gateway-guard');
    assert.deepEqual(rules.map((r) => r.id).sort(), [...RULE_IDS].sort());
    for (const rule of rules) {
      assert.ok((rule.shortDescription?.text ?? '').length > 5, `${rule.id} shortDescription`);
      assert.ok((rule.help?.text ?? '').length > 20, `${rule.id} help`);
      assert.ok(['error', 'warning'].includes(rule.defaultConfiguration?.level ?? ''), `${rule.id} defaultConfiguration`);
      const sev = Number(rule.properties?.['security-severity']);
      assert.ok(Number.isFinite(sev) && sev >= 0 && sev <= 10, `${rule.id} security-severity ${rule.properties?.['security-severity']}`);
      assert.ok(rule.properties?.tags?.includes('security'), `${rule.id} tags`);
    }
    for (const r of log.runs[0]!.results) {
      assert.ok(r.ruleIndex !== undefined && r.ruleIndex >= 0, JSON.stringify(r));
      assert.equal(rules[r.ruleIndex]!.id, r.ruleId);
    }
    // Severity by the SPEC's table: public-access is an error, unsupported-backend a warning.
    assert.equal(rules.find((r) => r.id === 'public-access')!.defaultConfiguration!.level, 'error');
    assert.equal(rules.find((r) => r.id === 'unsupported-backend')!.defaultConfiguration!.level, 'warning');
  });

  test('fingerprints are stable across runs and across a change that only shifts lines', async () => {
    const first = await sarifRun(SPEC);
    const second = await sarifRun(SPEC);
    const shiftedSpec = SPEC.replace('paths:\n', 'paths:\n  /health:\n    get:\n      operationId: health\n      responses: { "200": { description: OK } }\n').replace(/^/, '# a comment\n# another\n');
    const shifted = await sarifRun(shiftedSpec);
    for (const { log } of [first, second, shifted]) {
      for (const r of log.runs[0]!.results) {
        const values = Object.values(r.partialFingerprints ?? {});
        assert.ok(values.length > 0 && values.every((v) => typeof v === 'string' && v.length >= 16), JSON.stringify(r.partialFingerprints));
      }
    }
    assert.deepEqual(fingerprints(second.log), fingerprints(first.log));
    // The shift is real: every result moved down.
    const startLines = (log: SarifLog) => log.runs[0]!.results.map((r) => r.locations![0]!.physicalLocation.region.startLine).sort((a, b) => a - b);
    assert.deepEqual(startLines(shifted.log), startLines(first.log).map((l) => l + 2 + 4));
    assert.deepEqual(fingerprints(shifted.log), fingerprints(first.log));
    // Distinct findings keep distinct fingerprints.
    const all = first.log.runs[0]!.results.map((r) => JSON.stringify(r.partialFingerprints));
    assert.equal(new Set(all).size, all.length, all.join('\n'));
  });

  test('levels follow severity: a warning is "warning", an excepted finding is "note" and says why; the file is in a subfolder with an encoded URI', async () => {
    const spec = [
      'swagger: "2.0"',
      'info: { title: t, version: "1" }',
      'x-google-backend:',
      '  address: https://orders-abc123-uc.a.run.app',
      'paths:',
      '  /ext:',
      '    get:',
      '      x-google-backend:',
      '        address: https://api.example.com/v1',
      '      responses: { "200": { description: OK } }',
      '  /status:',
      '    get:',
      '      x-google-backend:',
      '        address: https://status-abc123-uc.a.run.app',
      '      responses: { "200": { description: OK } }',
      '',
    ].join('\n');
    const policy = [
      'exceptions:',
      '  - rule: public-access',
      '    address: https://status-abc123-uc.a.run.app',
      '    reason: Public status page, reviewed in SEC-1042',
      '',
    ].join('\n');
    const { run, log } = await sarifRun(spec, { file: 'specs/api gateway.yaml', sarif: 'out/gg.sarif', policy });
    assert.ok(validateSarif(log), `invalid SARIF: ${ajv.errorsText(validateSarif.errors, { separator: '\n' })}`);
    const byRule = new Map(log.runs[0]!.results.map((r) => [r.ruleId, r]));
    assert.equal(byRule.get('unsupported-backend')?.level, 'warning', why(run));
    assert.equal(byRule.get('missing-invoker')?.level, 'error');
    const excepted = byRule.get('public-access');
    assert.equal(excepted?.level, 'note');
    assert.match(excepted!.message.text, /SEC-1042/);
    assert.equal(excepted!.suppressions?.[0]?.justification, 'Public status page, reviewed in SEC-1042');
    for (const r of log.runs[0]!.results) {
      assert.equal(r.locations![0]!.physicalLocation.artifactLocation.uri, 'specs/api%20gateway.yaml');
    }
    assert.equal(byRule.get('unsupported-backend')!.locations![0]!.physicalLocation.region.startLine, 8);
    assert.equal(byRule.get('public-access')!.locations![0]!.physicalLocation.region.startLine, 13);
  });

  test('two declarations of one failing backend (different operations) keep distinct fingerprints', async () => {
    const spec = [
      'swagger: "2.0"',
      'info: { title: t, version: "1" }',
      'paths:',
      '  /a:',
      '    get:',
      '      x-google-backend:',
      '        address: https://billing-def456-ew.a.run.app',
      '      responses: { "200": { description: OK } }',
      '  /b:',
      '    get:',
      '      x-google-backend:',
      '        address: https://billing-def456-ew.a.run.app',
      '      responses: { "200": { description: OK } }',
      '',
    ].join('\n');
    const { log } = await sarifRun(spec);
    const results = log.runs[0]!.results;
    assert.deepEqual(results.map((r) => `${r.ruleId}:${r.locations![0]!.physicalLocation.region.startLine}`).sort(), ['missing-invoker:11', 'missing-invoker:6']);
    const prints = results.map((r) => JSON.stringify(r.partialFingerprints));
    assert.equal(new Set(prints).size, 2, prints.join('\n'));
  });

  test('no sarif-file input: no SARIF file is written', async () => {
    const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod' }, files: { 'openapi.yaml': SPEC }, world: DEMO });
    assert.equal(run.code, 1, why(run));
    const { readdir } = await import('node:fs/promises');
    const found = (await readdir(run.workspace, { recursive: true })).filter((f) => String(f).endsWith('.sarif'));
    assert.deepEqual(found, []);
  });
});

describe('a report channel that cannot be written does not change the verdict', { concurrency: 2 }, () => {
  const baseline = (run: ActionRun) => ({ result: run.outputs.result, errors: run.outputs.errors, findings: run.report?.findings.map((f) => `${f.rule}:${f.severity}@${f.line}`) });

  test('an unwritable job summary: a warning ahead of the findings, same report, outputs and exit code', async () => {
    const inputs = { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod' };
    const normal = await runAction({ inputs, files: { 'openapi.yaml': SPEC }, world: DEMO });
    const run = await runAction({ inputs, files: { 'openapi.yaml': SPEC }, world: DEMO, env: { GITHUB_STEP_SUMMARY: '/nonexistent/dir/summary.md' } });
    assert.equal(run.code, normal.code, why(run));
    assert.deepEqual(baseline(run), baseline(normal));
    assert.equal(run.report?.findings.length, 4, why(run));
    const first = run.annotations.find((a) => a.level === 'warning');
    assert.match(first?.message ?? '', /Could not write the job summary/);
    assert.ok(!/unexpected error/.test(run.stdout), why(run));
  });

  test('a JSON report that cannot be written (RUNNER_TEMP is a file): an error first, and every finding still annotated and summarised', async () => {
    const temp = await mkdtemp(path.join(os.tmpdir(), 'gg-not-a-dir-'));
    const notADirectory = path.join(temp, 'file');
    await writeFile(notADirectory, '');
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod', 'fail-on': 'never' },
      files: { 'openapi.yaml': SPEC },
      world: DEMO,
      env: { RUNNER_TEMP: notADirectory },
    });
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'pass');
    const errors = run.annotations.filter((a) => a.level === 'error');
    assert.match(errors[0]?.message ?? '', /Could not write the JSON report .* \(output report-file; RUNNER_TEMP must be a writable directory\)/);
    assert.equal(errors.filter((a) => a.file === 'openapi.yaml').length, 4, why(run));
    assert.match(run.summary, /gateway-guard: (pass|fail)/);
    assert.ok(!/unexpected error/.test(run.stdout), why(run));
  });

  test('a sarif-file that cannot be written: an error and a failed step, the report itself intact', async () => {
    // The SARIF path runs through a regular file: no directory can be made there.
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod', 'sarif-file': 'openapi.yaml/out.sarif', 'fail-on': 'never' },
      files: { 'openapi.yaml': SPEC },
      world: DEMO,
    });
    assert.equal(run.code, 1, why(run));
    assert.equal(run.outputs.result, 'pass');
    assert.equal(run.report?.findings.length, 4, why(run));
    assert.match(run.annotations.find((a) => a.level === 'error')?.message ?? '', /Could not write the SARIF file openapi\.yaml\/out\.sarif \(input sarif-file\)/);
  });
});
