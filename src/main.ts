#!/usr/bin/env node
/**
 * Entry of dist/index.js. Run by the GitHub runner (`node dist/index.js`, no arguments) it is the action;
 * run with arguments (`gateway-guard check ...`) it is the command line. This file is bundled on its own and
 * kept tiny: bad action inputs are refused before the rest (dist/lib/index.js, built from lib.ts) is loaded.
 */
import { InputError, parseInputs } from './inputs.ts';
import { failStep } from './workflow-command.ts';

type Lib = typeof import('./lib.ts');
// Beside this file: lib.ts in the source tree, lib/index.js in dist/. Not bundled here (webpackIgnore).
const here = import.meta.url.replace(/[^/]*$/, '');
const libUrl = here + (import.meta.url.endsWith('.ts') ? 'lib.ts' : 'lib/index.js');
const loadLib = (): Promise<Lib> => import(/* webpackIgnore: true */ libUrl) as Promise<Lib>;

if (process.argv.length > 2 || process.env.GITHUB_ACTIONS !== 'true') {
  await (await loadLib()).runCliProcess();
} else {
  try {
    const inputs = parseInputs((name) => process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '');
    await (await loadLib()).runAction(inputs);
  } catch (err) {
    failStep(err instanceof InputError ? err.message : `gateway-guard stopped on an unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
