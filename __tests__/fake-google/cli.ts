/**
 * Runs the fake Google APIs until killed:
 *   node __tests__/fake-google/cli.ts WORLD_FILE [--port N] [--latency MS] [--quota N] [--log]
 * Prints `GATEWAY_GUARD_EMULATOR_HOST=127.0.0.1:PORT` on stdout once listening.
 */
import { startFakeGoogle } from './server.ts';
import type { FakeGoogleOptions } from './server.ts';

const USAGE = 'usage: node __tests__/fake-google/cli.ts WORLD_FILE [--port N] [--latency MS] [--quota N] [--log]';

function parseArgs(argv: string[]): { world: string; options: FakeGoogleOptions; log: boolean } {
  let world: string | undefined;
  const options: FakeGoogleOptions = {};
  let log = false;
  const num = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--port') options.port = num(arg, argv[++i]);
    else if (arg === '--latency') options.latencyMs = num(arg, argv[++i]);
    else if (arg === '--quota') options.quotaPerMinute = num(arg, argv[++i]);
    else if (arg === '--log') log = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('-') || world !== undefined) throw new Error(`unexpected argument '${arg}'\n${USAGE}`);
    else world = arg;
  }
  if (!world) throw new Error(USAGE);
  return { world, options, log };
}

try {
  const { world, options, log } = parseArgs(process.argv.slice(2));
  const fake = await startFakeGoogle(world, options);
  process.stdout.write(`GATEWAY_GUARD_EMULATOR_HOST=${fake.host}\n`);
  if (log) {
    let seen = 0;
    setInterval(() => {
      for (const e of fake.requests.slice(seen)) process.stderr.write(`${e.status} ${e.method} ${e.path}${Object.keys(e.query).length ? '?' + new URLSearchParams(e.query as Record<string, string>).toString() : ''}\n`);
      seen = fake.requests.length;
    }, 200).unref();
  }
  const stop = (): void => {
    fake.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
