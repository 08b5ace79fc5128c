/**
 * The runner's workflow commands (annotations, masks, outputs, job summary), written as @actions/core writes
 * them, without loading it: its HTTP client (for OIDC, which this action never asks for) would cost more
 * start-up than the whole check of a spec with nothing to look up.
 */
import { appendFile, appendFileSync, existsSync, writeSync } from 'node:fs';
import { EOL, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { longestBacktickRun } from './report/markdown.ts';
import { writeOutputFile } from './workspace-files.ts';

/** Where an annotation points, as the runner's `file`, `line` and `title` properties. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
}

const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Writes `::command props::message` on stdout (empty properties are left out, as @actions/core does). */
export function issueCommand(command: string, properties: Record<string, string | number | undefined>, message: string): void {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '' && value !== 0)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  stdout(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/**
 * Writes to the step log. Straight to descriptor 1 while `process.stdout` is untouched: setting up that
 * stream loads Node's socket and stream modules, a tenth of the start-up of a run with nothing to check.
 */
function stdout(text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch {
    // A non-blocking descriptor that is full (EAGAIN): the stream queues the rest.
    process.stdout.write(bytes.subarray(written));
  }
}

/** An error, warning or notice annotation. */
export function annotate(level: 'error' | 'warning' | 'notice', message: string, props: AnnotationProperties = {}): void {
  issueCommand(level, { title: props.title, file: props.file, line: props.startLine }, message);
}

/** A plain log line. */
export function info(message: string): void {
  stdout(message + EOL);
}

/** Asks the runner to mask `value` in the log. */
export function setSecret(value: string): void {
  issueCommand('add-mask', {}, value);
}

/** Sets a step output (GITHUB_OUTPUT file, else the old `set-output` command). */
export function setOutput(name: string, value: string): void {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) {
    stdout(EOL);
    issueCommand('set-output', { name }, value);
    return;
  }
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  appendFileSync(file, keyValue(name, value) + EOL, 'utf8');
}

/** Appends markdown to the job summary (GITHUB_STEP_SUMMARY); throws when there is none to write. */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
  await promisify(appendFile)(file, markdown + EOL, 'utf8');
}

/** `name<<DELIMITER`, the value, `DELIMITER`: the multi-line form of the runner's file commands. */
function keyValue(name: string, value: string): string {
  // Not node:crypto (loading it costs a tenth of Node's start-up): the value is checked against it anyway.
  const delimiter = `ghadelimiter_${process.pid}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`Unexpected input: a value contains the delimiter "${delimiter}"`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

/** Where the JSON report of this step goes (under RUNNER_TEMP, or the OS temp dir). */
export function reportFilePath(): string {
  return path.join(process.env.RUNNER_TEMP || tmpdir(), 'gateway-guard', `report-${process.env.GITHUB_ACTION || 'local'}.json`);
}

/**
 * Fails the step on bad inputs before the rest of the action is loaded, so refusing them stays as cheap
 * as starting Node, and still leaves what SPEC promises: an error, the outputs, and a
 * JSON report that says why (and the job summary says it too).
 */
export function failStep(message: string): void {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  stdout(`::error::${data}\n`);
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
