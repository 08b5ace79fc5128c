/**
 * Asserts what a step of the action left behind, for the self-test workflow (.github/workflows/self-test.yml) and
 * its local twin (__tests__/package/self-test.test.ts). What the step did comes from the environment (so no
 * workflow expression is ever pasted into a shell line): OUTCOME (`steps.X.outcome`), RESULT, ERRORS, WARNINGS,
 * REPORT_FILE (its outputs), SARIF_FILE (optional). What it should have done comes from the arguments:
 *   node scripts/check-self-test.ts --outcome success|failure --result pass|fail --errors N --warnings N
 *     [--rules rule:severity,...] [--message REGEX] [--file PATH]
 * Needs only Node 24 (no npm install). Exit status: 0 as expected, 1 not (each difference printed), 2 usage.
 */
import { readFileSync } from 'node:fs';

interface Report {
  result?: string;
  counts?: { errors?: number; warnings?: number };
  findings?: Array<{ rule?: string; severity?: string; message?: string; file?: string; line?: number }>;
}

interface Sarif {
  version?: string;
  runs?: Array<{
    tool?: { driver?: { name?: string } };
    results?: Array<{ ruleId?: string; level?: string; locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string } } }> }>;
  }>;
}

const USAGE =
  'usage: node scripts/check-self-test.ts --outcome success|failure --result pass|fail --errors N --warnings N [--rules r:s,...] [--message REGEX] [--file PATH]';

/** Differences between what a step did (`env`) and what `args` expect; empty when it did as expected. */
export function selfTestProblems(args: string[], env: Record<string, string | undefined>): string[] {
  const expect: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i] ?? '';
    const value = args[i + 1];
    if (!/^--(outcome|result|errors|warnings|rules|message|file)$/.test(key) || value === undefined) throw new Error(USAGE);
    expect[key.slice(2)] = value;
  }
  for (const required of ['outcome', 'result', 'errors', 'warnings']) if (expect[required] === undefined) throw new Error(USAGE);
  const problems: string[] = [];
  const same = (what: string, actual: unknown, expected: unknown): void => {
    if (String(actual) !== String(expected)) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  same('step outcome (exit status)', env.OUTCOME, expect.outcome);
  same('output result', env.RESULT, expect.result);
  same('output errors', env.ERRORS, expect.errors);
  same('output warnings', env.WARNINGS, expect.warnings);

  let report: Report | undefined;
  try {
    report = JSON.parse(readFileSync(env.REPORT_FILE ?? '', 'utf8')) as Report;
  } catch (err) {
    problems.push(`report-file ${JSON.stringify(env.REPORT_FILE)} cannot be read as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (report) {
    same('report result', report.result, expect.result);
    same('report counts.errors', report.counts?.errors, expect.errors);
    same('report counts.warnings', report.counts?.warnings, expect.warnings);
    const findings = report.findings ?? [];
    if (expect.rules !== undefined) {
      same('report findings (rule:severity)', findings.map((f) => `${f.rule}:${f.severity}`).sort().join(','), expect.rules.split(',').sort().join(','));
    }
    if (expect.message !== undefined && !findings.some((f) => new RegExp(expect.message ?? '').test(f.message ?? ''))) {
      problems.push(`no finding's message matches /${expect.message}/: ${JSON.stringify(findings.map((f) => f.message))}`);
    }
    if (expect.file !== undefined) {
      for (const f of findings) if (f.file !== expect.file || !(Number(f.line) > 0)) problems.push(`finding ${f.rule} is at ${f.file}:${f.line}, not at a line of ${expect.file}`);
    }
  }

  if (env.SARIF_FILE) {
    let sarif: Sarif | undefined;
    try {
      sarif = JSON.parse(readFileSync(env.SARIF_FILE, 'utf8')) as Sarif;
    } catch (err) {
      problems.push(`SARIF file ${JSON.stringify(env.SARIF_FILE)} cannot be read as JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (sarif) {
      same('SARIF version', sarif.version, '2.1.0');
      same('SARIF tool', sarif.runs?.[0]?.tool?.driver?.name, 'gateway-guard');
      const results = sarif.runs?.[0]?.results ?? [];
      same('SARIF results at level error', results.filter((r) => r.level === 'error').length, expect.errors);
      same('SARIF results at level warning', results.filter((r) => r.level === 'warning').length, expect.warnings);
      if (expect.file !== undefined) {
        for (const r of results) {
          const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
          if (uri !== expect.file) problems.push(`SARIF result ${r.ruleId} is located at ${JSON.stringify(uri)}, not ${expect.file}`);
        }
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const problems = selfTestProblems(process.argv.slice(2), process.env);
    for (const p of problems) console.log(`::error title=self-test::${p}`);
    if (problems.length === 0) console.log(`self-test: as expected (${process.argv.slice(2).join(' ')})`);
    process.exitCode = problems.length > 0 ? 1 : 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  }
}
