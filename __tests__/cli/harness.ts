/** Runs the `gateway-guard` command as a user would: a child process in a directory holding the specs. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI under test: the bundle (dist/index.js with arguments is the command line); GATEWAY_GUARD_CLI overrides. */
export const CLI = path.resolve(ROOT, process.env.GATEWAY_GUARD_CLI || 'dist/index.js');
export const DEPLOYED_WORLD = path.join(ROOT, '__tests__/fixtures/worlds/deployed-configs.yaml');
export const SA = 'gw@gw-host.iam.gserviceaccount.com';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  dir: string;
}

/** Writes `files` into a fresh directory and runs the CLI there with a minimal environment (stdout piped). */
export async function runCli(
  args: string[],
  options: { files?: Record<string, string>; emulatorHost?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  const dir = options.cwd ?? (await mkdtemp(path.join(tmpdir(), 'gg-cli-')));
  for (const [file, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CLOUDSDK_CONFIG: path.join(dir, '.gcloud'),
    METADATA_SERVER_DETECTION: 'none',
    ...(options.emulatorHost ? { GATEWAY_GUARD_EMULATOR_HOST: options.emulatorHost } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr, dir };
}

/** A Swagger 2.0 spec: `orders` as the default backend (line 4: address, line 3: x-google-backend), optionally `status` on GET /status (line 13). */
export function spec(withStatus: boolean): string {
  return [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    '  address: https://orders-abc123-uc.a.run.app',
    'paths:',
    '  /orders:',
    '    get:',
    '      operationId: listOrders',
    '      responses: { "200": { description: ok } }',
    ...(withStatus
      ? [
          '  /status:',
          '    get:',
          '      operationId: status',
          '      x-google-backend:',
          '        address: https://status-abc123-uc.a.run.app',
          '      responses: { "200": { description: ok } }',
        ]
      : []),
    '',
  ].join('\n');
}
