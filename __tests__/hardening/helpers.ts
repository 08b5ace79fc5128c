/**
 * Shared pieces of the hardening tests (issue 8): a passing world, spec builders, a runner that
 * prepares its own workspace (symlinks, directories, binary files), a local "backend" HTTP server
 * that must never be contacted, and checks that no output carries a secret or a stack trace.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, runWith, type ActionRun, type RunOptions } from '../e2e/harness.ts';
import type { FakeGoogle } from '../fake-google/server.ts';
import type { World } from '../fake-google/world.ts';

export const PROJECT = 'gg-proj';
export const SA = `gw@${PROJECT}.iam.gserviceaccount.com`;
export const RUN_URI = 'https://orders-abc123-uc.a.run.app';
export const SERVICE = `projects/${PROJECT}/locations/us-central1/services/orders`;
export const INPUTS = { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT, comment: 'false' };

/** A world in which the Swagger spec from {@link swagger} passes: the service account may invoke `orders`. */
export function passingWorld(extra: Partial<World> = {}): World {
  return {
    projects: [{ projectId: PROJECT, projectNumber: '111111111111' }],
    runServices: [
      {
        name: SERVICE,
        uri: RUN_URI,
        iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }] },
      },
    ],
    ...extra,
  } as World;
}

/** A Swagger 2.0 spec whose top-level backend is `address`; `/o` uses it, `/x` (when given) uses `other`. */
export function swagger(address: string, other?: string): string {
  return [
    'swagger: "2.0"',
    'info: { title: t, version: "1" }',
    'x-google-backend:',
    `  address: ${JSON.stringify(address)}`,
    'paths:',
    '  /o:',
    '    get:',
    '      operationId: o',
    '      responses: { "200": { description: ok } }',
    ...(other
      ? [
          '  /x:',
          '    get:',
          '      operationId: x',
          '      x-google-backend:',
          `        address: ${JSON.stringify(other)}`,
          '      responses: { "200": { description: ok } }',
        ]
      : []),
    '',
  ].join('\n');
}

/** Runs the action with the passing spec against `world`. */
export function runSpec(spec: string, world: World, extra: Partial<RunOptions> = {}): Promise<ActionRun> {
  return runAction({ inputs: { ...INPUTS, ...extra.inputs }, files: { 'openapi.yaml': spec, ...extra.files }, world, ...omit(extra, 'inputs', 'files') });
}

function omit<T extends object>(object: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([k]) => !keys.includes(k))) as Partial<T>;
}

/** A workspace this test prepares itself (binary files, symlinks, directories), outside the harness. */
export async function makeWorkspace(prepare: (dir: string) => Promise<void>): Promise<{ root: string; workspace: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'gg-hardening-'));
  const workspace = path.join(root, 'workspace');
  await mkdir(workspace, { recursive: true });
  await prepare(workspace);
  return { root, workspace };
}

/**
 * Runs the action with GITHUB_WORKSPACE pointing at a workspace prepared by the test (the harness's
 * own workspace stays the process's cwd, and empty). The harness itself is not changed.
 */
export async function runInWorkspace(workspace: string, options: RunOptions, fake?: FakeGoogle): Promise<ActionRun> {
  const env = { ...options.env, GITHUB_WORKSPACE: workspace };
  const run = fake ? await runWith({ ...options, env }, fake) : await runAction({ ...options, env });
  return { ...run, workspace };
}

export async function write(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Every text the action left behind that a person or another tool may see. */
export async function everyOutput(run: ActionRun, extraFiles: string[] = []): Promise<Record<string, string>> {
  const texts: Record<string, string> = {
    stdout: run.stdout,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
  };
  if (run.outputs['report-file']) texts.report = await readFile(run.outputs['report-file'], 'utf8');
  for (const file of extraFiles) texts[file] = await readFile(file, 'utf8');
  return texts;
}

/** Asserts that `secret` is in none of `texts` (stdout may carry it once, in the `::add-mask::` command). */
export function assertNoSecret(texts: Record<string, string>, secret: string): void {
  const leaks: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    const visible = where === 'stdout' ? text.split('\n').filter((line) => line !== `::add-mask::${secret}`).join('\n') : text;
    if (visible.includes(secret)) leaks.push(`${where}: …${excerpt(visible, secret)}…`);
  }
  assert.deepEqual(leaks, [], `the secret ${JSON.stringify(secret)} shows in ${leaks.length} output(s):\n${leaks.join('\n')}`);
}

function excerpt(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return text.slice(Math.max(0, at - 120), at + needle.length + 60).replace(/\s+/g, ' ');
}

/** No stack trace in stdout or stderr. */
export function assertNoStack(run: ActionRun): void {
  assert.ok(!(run.stdout + run.stderr).includes('\n    at '), `stack trace in output:\n${run.stdout}\n${run.stderr}`);
}

/** A local HTTP(S-less) server standing in for a backend: it records every request it gets. */
export interface Sentinel {
  port: number;
  requests: Array<{ method?: string; url?: string }>;
  connections: number;
  close(): Promise<void>;
}

export async function startSentinel(): Promise<Sentinel> {
  const requests: Sentinel['requests'] = [];
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method, url: req.url });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const sentinel = { port: 0, requests, connections: 0, close: async () => {} };
  // A TLS client (https://127.0.0.1:PORT) never completes an HTTP request here, so count raw connections too.
  server.on('connection', () => sentinel.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sentinel.port = (server.address() as AddressInfo).port;
  sentinel.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sentinel;
}

/** Findings of one rule. */
export function findingsOf(run: ActionRun, rule: string) {
  return (run.report?.findings ?? []).filter((f) => f.rule === rule);
}

export const NET_LOG_HOOK = path.join(path.dirname(new URL(import.meta.url).pathname), 'net-log-hook.mjs');

export interface NetEvent {
  type: 'connect' | 'lookup';
  host?: string;
  port?: number | string;
  path?: string;
}

/** Environment that makes the action log its outgoing connections and DNS lookups; `read()` returns them. */
export async function netLog(): Promise<{ env: Record<string, string>; read(): Promise<NetEvent[]> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-netlog-'));
  const file = path.join(dir, 'net.jsonl');
  await writeFile(file, '');
  return {
    env: { NODE_OPTIONS: `--import=${NET_LOG_HOOK}`, GG_NET_LOG: file },
    read: async () =>
      (await readFile(file, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as NetEvent),
  };
}
