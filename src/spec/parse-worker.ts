/** Entry of the spec-parsing worker (src/spec/off-thread.ts): parses the texts it is given, posts the results. */
import { parentPort, workerData } from 'node:worker_threads';
import type { SpecText } from './off-thread.ts';
import { parseSpec } from './openapi.ts';

parentPort?.postMessage((workerData as SpecText[]).map(({ text, file }) => parseSpec(text, file)));
