/**
 * Runs the bundled action (dist/index.js) the way the GitHub runner does: inputs as INPUT_* variables
 * (with action.yml's defaults), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, an event file, a workspace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { startFakeGoogle, type FakeGoogle, type FakeGoogleOptions, type RequestLogEntry } from '../fake-google/server.ts';
import type { World } from '../fake-google/world.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, '__tests__/fixtures');
export const PLANTED_TOKEN = 'ghs_plantedTokenThatMustNeverBeShown0123456789';
/** The action under test: the bundle, as the runner runs it; GATEWAY_GUARD_ACTION overrides (e.g. src/main.ts in mutation runs). */
const ACTION_ENTRY = path.resolve(ROOT, process.env.GATEWAY_GUARD_ACTION || 'dist/index.js');

/** A workflow command the action printed (`::error file=..,line=..,title=..::message`). */
export interface Annotation {
  level: string;
  file?: string;
  line?: number;
  title?: string;
  message: string;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** The JSON report, parsed, when it was written. */
  report?: JsonReport;
  requests: RequestLogEntry[];
  workspace: string;
}

export interface JsonReport {
  result: string;
  serviceAccount: string;
  specFiles?: string[];
  backends: Array<{ address: string; kind: string; resource?: string; operations: string[]; status: string }>;
  findings: Array<{ rule: string; severity: string; address?: string; resource?: string; file?: string; line?: number; message: string; fix?: string }>;
}

export interface RunOptions {
  /** action inputs by name, e.g. `{ spec: 'openapi.yaml', 'service-account': '...' }` */
  inputs: Record<string, string>;
  /** Files to write into the workspace: path → content. */
  files?: Record<string, string>;
  /** World fixture (object or path); when absent no fake Google is started and no emulator is set. */
  world?: World | string;
  fake?: FakeGoogleOptions;
  /** Extra environment for the action. */
  env?: Record<string, string>;
  eventName?: string;
  event?: unknown;
}

let defaults: Record<string, string> | undefined;

/** Input defaults from action.yml, as the runner sets them. */
async function actionDefaults(): Promise<Record<string, string>> {
  if (!defaults) {
    const action = load(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
    defaults = {};
    for (const [name, input] of Object.entries(action.inputs)) {
      if (input.default !== undefined) defaults[name] = input.default === '${{ github.token }}' ? PLANTED_TOKEN : input.default;
    }
  }
  return defaults;
}

/** Starts a fake Google for `world` (if any), runs dist/index.js, and collects what it left behind. */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  const fake: FakeGoogle | undefined = options.world ? await startFakeGoogle(options.world, options.fake) : undefined;
  try {
    return await runWith(options, fake);
  } finally {
    await fake?.close();
  }
}

/** Runs dist/index.js against an already running fake (or none). */
export async function runWith(options: RunOptions, fake: FakeGoogle | undefined): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-e2e-'));
  const workspace = path.join(dir, 'workspace');
  const runnerTemp = path.join(dir, 'runner-temp');
  await mkdir(workspace, { recursive: true });
  await mkdir(runnerTemp, { recursive: true });
  for (const [file, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(workspace, file)), { recursive: true });
    await writeFile(path.join(workspace, file), content);
  }
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary.md');
  const eventFile = path.join(dir, 'event.json');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  await writeFile(eventFile, JSON.stringify(options.event ?? {}));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTION: 'gateway-guard',
    GITHUB_RUN_ID: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: runnerTemp,
    ...(fake ? { GATEWAY_GUARD_EMULATOR_HOST: fake.host } : {}),
    ...options.env,
  };
  const inputs = { ...(await actionDefaults()), ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const child = spawn(process.execPath, [ACTION_ENTRY], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

  const outputs = parseOutputs(await readFile(outputFile, 'utf8'));
  let report: JsonReport | undefined;
  if (outputs['report-file']) {
    try {
      report = JSON.parse(await readFile(outputs['report-file'], 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
  }
  return {
    code,
    stdout,
    stderr,
    outputs,
    summary: await readFile(summaryFile, 'utf8'),
    annotations: parseAnnotations(stdout),
    ...(report ? { report } : {}),
    requests: fake ? [...fake.requests] : [],
    workspace,
  };
}

/** Parses the GITHUB_OUTPUT file's `name<<delimiter` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name = '', delimiter] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    outputs[name] = value.join('\n');
  }
  return outputs;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Parses `::error file=a,line=3,title=t::message` workflow commands from stdout. */
export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      props[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    annotations.push({
      level: m[1] ?? '',
      message: unescapeData(m[3] ?? ''),
      ...(props.file ? { file: props.file } : {}),
      ...(props.line ? { line: Number(props.line) } : {}),
      ...(props.title ? { title: props.title } : {}),
    });
  }
  return annotations;
}

/** Rules of the findings, sorted, for compact assertions. */
export function rulesOf(run: ActionRun): string[] {
  return (run.report?.findings ?? []).map((f) => `${f.rule}:${f.severity}`).sort();
}

/** Everything a failed assertion should show about a run. */
export const why = (run: ActionRun): string => `exit ${run.code}\n${run.stdout}\n${run.stderr}\n${JSON.stringify(run.report?.findings, null, 1)}`;

/** Asserts the verdict of a run (exit code, `result`, counts, report) and that no stack trace leaked. */
export function verdict(run: ActionRun, code: number, result: 'pass' | 'fail', errors: number, warnings: number): void {
  assert.equal(run.code, code, why(run));
  assert.equal(run.outputs.result, result, why(run));
  assert.equal(run.outputs.errors, String(errors), why(run));
  assert.equal(run.outputs.warnings, String(warnings), why(run));
  assert.equal(run.report?.result, result, why(run));
  assert.ok(!/^\s{4}at /m.test(run.stdout + run.stderr), `stack trace:\n${run.stdout}\n${run.stderr}`);
}

/** Asserts that every finding is at `file`:`line` (on `resource`), each with an annotation of its severity there. */
export function findingsAt(run: ActionRun, line: number, resource?: string, file = 'openapi.yaml'): void {
  assert.ok(run.report && run.report.findings.length > 0, why(run));
  for (const f of run.report.findings) {
    assert.equal(f.file, file, JSON.stringify(f));
    assert.equal(f.line, line, JSON.stringify(f));
    if (resource !== undefined) assert.equal(f.resource, resource, JSON.stringify(f));
    const ann = run.annotations.find((a) => a.level === f.severity && a.file === file && a.line === line && (a.title ?? '').includes(f.rule));
    assert.ok(ann, `annotation for ${f.rule}:${f.severity} at ${file}:${line} in\n${run.stdout}`);
  }
}
