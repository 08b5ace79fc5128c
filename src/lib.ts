/** Everything but the entry point (dist/lib/index.js): loaded by main.ts once there is work to do. */
export { runAction } from './action.ts';
export { runCliProcess } from './cli.ts';
