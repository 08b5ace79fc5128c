/** The `gateway-guard` command on the real process (started by main.ts when given arguments). */
import { runCli } from './cli/run.ts';

/** Runs the command line of this process and sets its exit code. */
export async function runCliProcess(): Promise<void> {
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
}
