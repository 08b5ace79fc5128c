import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { longestBacktickRun } from './report/markdown.ts';
import { writeOutputFile } from './workspace-files.ts';

/** Where the JSON report of this step goes (under RUNNER_TEMP, or the OS temp dir). */
export function reportFilePath(): string {
  return path.join(process.env.RUNNER_TEMP || tmpdir(), 'gateway-guard', `report-${process.env.GITHUB_ACTION || 'local'}.json`);
}

/**
 * Fails the step on bad inputs before @actions/core (and its HTTP client) is loaded, so refusing them
 * stays as cheap as starting Node, and still leaves what SPEC promises: an error, the outputs, and a
 * JSON report that says why (and the job summary says it too).
 */
export function failStep(message: string): void {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::error::${data}\n`);
  process.exitCode = 1;
  // Each part on its own: one that cannot be written (no temp dir, say) does not cost the others.
  const reportFile = reportFilePath();
  attempt(() => {
    const report = { result: 'fail', serviceAccount: '', backends: [], findings: [{ rule: 'invalid-spec', severity: 'error', message }] };
    writeOutputFile(process.env.GITHUB_WORKSPACE || process.cwd(), reportFile, JSON.stringify(report, null, 2) + '\n');
  });
  attempt(() => {
    if (!process.env.GITHUB_OUTPUT) return;
    const outputs = { result: 'fail', errors: '1', warnings: '0', 'report-file': reportFile };
    const delimiter = `ghadelimiter_${process.pid}_${Math.random().toString(36).slice(2)}`;
    const lines = Object.entries(outputs).map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
    appendFileSync(process.env.GITHUB_OUTPUT, lines.join(''));
  });
  attempt(() => {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    // In a code block longer than any run of backticks in the message: nothing in it renders as markdown.
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(message) + 1));
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### gateway-guard: fail\n\nThe check did not run:\n\n${fence}text\n${message}\n${fence}\n`);
  });
}

/** Runs `write`; a failure is dropped, as the ::error:: line already says what matters. */
function attempt(write: () => void): void {
  try {
    write();
  } catch {
    // The error line above is what matters; a runner without a writable file still gets it.
  }
}
