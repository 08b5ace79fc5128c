#!/usr/bin/env node
/** Entry point of the `gateway-guard` command (package.json `bin`, bundled to dist/cli/index.js). */
import { runCli } from './cli/run.ts';

// `gateway-guard check ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
