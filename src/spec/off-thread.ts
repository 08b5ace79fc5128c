import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { parseSpec, type SpecResult } from './openapi.ts';

/** A spec file's text, read and checked (workspace, size, UTF-8), not yet parsed. */
export interface SpecText {
  file: string;
  text: string;
}

// Beside this module: parse-worker.ts in the source tree; in dist/, its own bundle (dist/parse-worker/),
// beside dist/lib/ where this code is bundled. Built from a string so that the bundler leaves it alone.
const here = import.meta.url.replace(/[^/]*$/, '');
const WORKER = here + (import.meta.url.endsWith('.ts') ? 'parse-worker.ts' : '../parse-worker/index.js');

/**
 * Parses spec texts, in the order given. When some text routes operations to a backend, the Google clients
 * are about to load on the main thread (`meanwhile` starts them): the texts are then parsed on a second
 * core, at the same time, when the machine has one. A worker that fails in any way is replaced by the parse
 * here, whose result is the same.
 */
export async function parseSpecs(texts: SpecText[], meanwhile?: () => void): Promise<SpecResult[]> {
  const inline = (): SpecResult[] => texts.map(({ text, file }) => parseSpec(text, file));
  if (!meanwhile || !texts.some(({ text }) => text.includes('x-google-backend'))) return inline();
  const parsed = availableParallelism() > 1 ? parseInWorker(texts) : undefined;
  meanwhile();
  return (await parsed) ?? inline();
}

/** The results of a worker (`worker`: its script), one per text; undefined when it fails in any way. */
export async function parseInWorker(texts: SpecText[], worker: URL = new URL(WORKER)): Promise<SpecResult[] | undefined> {
  // Loaded here, not with this module: a run without a backend never starts a worker.
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve) => {
    let thread: Worker;
    try {
      thread = new Worker(worker, { workerData: texts });
    } catch {
      resolve(undefined);
      return;
    }
    // One result per text, each with its lists, or the parse is done here (never fewer files checked).
    thread.once('message', (results: unknown) => {
      const whole = Array.isArray(results) && results.length === texts.length && results.every((r: Partial<SpecResult> | null) => Array.isArray(r?.backends) && Array.isArray(r?.findings));
      resolve(whole ? (results as SpecResult[]) : undefined);
    });
    thread.once('error', () => resolve(undefined));
    thread.once('exit', () => resolve(undefined));
  });
}
