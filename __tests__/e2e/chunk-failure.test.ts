/**
 * The early lookup (src/gate.ts) loads the Google chunk (src/online.ts) before the spec is parsed. It is only a
 * head start: when the chunk cannot load, a spec that does not parse (and so needs no Google at all) is still
 * reported as invalid-spec at its line, not as the run's failure to load what it did not need.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './harness.ts';

test('a Google chunk that fails to load does not turn an invalid spec into an internal error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-dist-'));
  await cp(path.join(ROOT, 'dist'), dir, { recursive: true });
  // The chunks runGate's online() loads, as the bundle names them.
  const lib = await readFile(path.join(dir, 'lib/index.js'), 'utf8');
  const online = /online=\(\)=>Promise\.all\(\[([^\]]*)\]\)/.exec(lib)?.[1] ?? '';
  const chunks = [...online.matchAll(/n\.e\((\d+)\)/g)].map((m) => m[1]);
  assert.ok(chunks.length > 0, 'found the online chunks in dist/lib/index.js');
  const files = await readdir(path.join(dir, 'lib'));
  for (const c of chunks) if (files.includes(`${c}.index.js`)) await rm(path.join(dir, 'lib', `${c}.index.js`));
  process.env.GATEWAY_GUARD_ACTION = path.join(dir, 'index.js');
  // A second instance of the harness (its own URL), which reads GATEWAY_GUARD_ACTION when it loads.
  const { runAction, rulesOf, why } = (await import(new URL('./harness.ts?chunk', import.meta.url).href)) as typeof import('./harness.ts');
  const text = ['swagger: "2.0"', 'info:', '  title: shop', ' version: "1.0"', 'x-google-backend:', '  address: https://orders-abc123-uc.a.run.app', 'paths: {}', ''].join('\n');
  const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com' }, files: { 'openapi.yaml': text } });
  assert.deepEqual(rulesOf(run), ['invalid-spec:error'], why(run));
  // The spec's own finding, at the line of the bad indentation: not the run's failure to load its Google chunk.
  const f = run.report?.findings[0];
  assert.deepEqual([f?.file, f?.line], ['openapi.yaml', 4], why(run));
  assert.doesNotMatch(f?.message ?? '', /unexpected error/, why(run));
});
