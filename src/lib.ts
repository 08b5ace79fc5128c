/** Everything but the entry point (dist/lib/index.js): loaded by main.ts once there is work to do. */
export { runAction } from './action.ts';
/** The command line (its parser, help and text report load only when the process is the CLI). */
export async function runCliProcess(): Promise<void> {
  await (await import('./cli.ts')).runCliProcess();
}
