// parseSpecs (src/spec/off-thread.ts): spec texts parsed on a second core while the Google clients load, with
// the result of the parse on the main thread whatever the worker does.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parseInWorker, parseSpecs, type SpecText } from '../../src/spec/off-thread.ts';
import { parseSpec } from '../../src/spec/openapi.ts';

const SPECS = new URL('../fixtures/specs/', import.meta.url);
const HOSTILE = new URL('../fixtures/hostile/', import.meta.url);

async function texts(dir: URL): Promise<SpecText[]> {
  const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(new URL(file, dir), 'utf8') })));
}
const inline = (all: SpecText[]) => all.map(({ text, file }) => parseSpec(text, file));

test('the worker parses valid and hostile specs exactly as the main thread does, file for file', async () => {
  const all = [...(await texts(SPECS)), ...(await texts(HOSTILE))];
  assert.ok(all.length >= 10 && all.some((t) => t.text.includes('x-google-backend')));
  assert.deepEqual(await parseInWorker(all), inline(all));
});

test('specs that route to a backend: parsed off the main thread while `meanwhile` runs, with the same result', async () => {
  const all = await texts(SPECS);
  let started = 0;
  const results = await parseSpecs(all, () => started++);
  assert.equal(started, 1);
  assert.deepEqual(results, inline(all));
});

test('nothing routed to a backend: parsed here, and nothing is started meanwhile', async () => {
  const all: SpecText[] = [{ file: 'a.yaml', text: 'swagger: "2.0"\ninfo: { title: t, version: "1" }\npaths: {}\n' }];
  let started = 0;
  assert.deepEqual(await parseSpecs(all, () => started++), inline(all));
  assert.equal(started, 0);
});

test('a worker that fails, exits or answers short is no answer (never fewer files checked)', async () => {
  const all = (await texts(SPECS)).slice(0, 2);
  const worker = (code: string) => new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads';\n${code}`)}`);
  assert.equal(await parseInWorker(all, worker('throw new Error("boom");')), undefined);
  assert.equal(await parseInWorker(all, worker('process.exit(0);')), undefined);
  assert.equal(await parseInWorker(all, worker('parentPort.postMessage([{ backends: [], findings: [] }]);')), undefined);
  assert.equal(await parseInWorker(all, worker('parentPort.postMessage([{ backends: [] }, { backends: [], findings: [] }]);')), undefined);
  assert.equal(await parseInWorker(all, new URL('file:///nonexistent/parse-worker.js')), undefined);
  // The control: a worker that answers in full is taken.
  assert.deepEqual(await parseInWorker(all, worker('parentPort.postMessage([{ backends: [], findings: [] }, { backends: [], findings: [] }]);')), [
    { backends: [], findings: [] },
    { backends: [], findings: [] },
  ]);
});
