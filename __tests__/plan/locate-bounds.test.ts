/** The locator's time is bounded by the bytes of `.tf`, not by bytes × instances of a resource. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { locateResources } from '../../src/plan/locate.ts';
import type { PlanFile } from '../../src/plan/model.ts';

test('10,000 for_each instances of a block at the end of a 3 MB file: the file is scanned once, not per instance', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-locate-bounds-'));
  const filler = '# padding line of a long generated file, nothing to see here\n'.repeat(50_000);
  await writeFile(path.join(dir, 'main.tf'), `${filler}resource "google_project_iam_member" "m" {\n  for_each = toset(var.members)\n}\n`);
  const plan: PlanFile = { file: 'tfplan.json', dir, plan: { format_version: '1.2', resource_changes: [] } };
  const addresses = Array.from({ length: 10_000 }, (_, i) => `google_project_iam_member.m["k${i}"]`);
  const started = performance.now();
  const places = await locateResources(plan, [...addresses, 'google_project_iam_member.absent[0]', 'google_project_iam_member.absent[1]'], dir);
  const ms = performance.now() - started;
  assert.equal(places.size, 10_000);
  assert.deepEqual(places.get('google_project_iam_member.m["k9999"]'), { file: 'main.tf', line: 50_001 });
  assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);
});

test('20,000 distinct blocks in one directory: each file is read into an index once', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-locate-bounds-'));
  const blocks = Array.from({ length: 20_000 }, (_, i) => `resource "google_project_iam_member" "m${i}" {\n  role = "r"\n}\n`).join('');
  await writeFile(path.join(dir, 'main.tf'), `/* resource "google_project_iam_member" "m5" {\n*/\n${blocks}`);
  const plan: PlanFile = { file: 'tfplan.json', dir, plan: { format_version: '1.2', resource_changes: [] } };
  const started = performance.now();
  const places = await locateResources(plan, Array.from({ length: 20_000 }, (_, i) => `google_project_iam_member.m${i}`), dir);
  const ms = performance.now() - started;
  assert.equal(places.size, 20_000);
  assert.deepEqual(places.get('google_project_iam_member.m5'), { file: 'main.tf', line: 3 + 5 * 3 }); // not the commented-out one
  assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);
});

test('.tf.json: 20,000 distinct blocks and a 2 MB line of escaped quotes are read in one linear pass', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-locate-bounds-'));
  const res: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) res[`m${i}`] = { role: 'r' };
  await writeFile(path.join(dir, 'main.tf.json'), JSON.stringify({ resource: { google_project_iam_member: res } }, null, 2));
  await writeFile(path.join(dir, 'x.tf.json'), `{"resource": {"google_cloud_run_v2_service": {"a": "${'\\"'.repeat(1_000_000)}"}}}`);
  const plan: PlanFile = { file: 'tfplan.json', dir, plan: { format_version: '1.2', resource_changes: [] } };
  const started = performance.now();
  const places = await locateResources(plan, [...Array.from({ length: 20_000 }, (_, i) => `google_project_iam_member.m${i}`), 'google_cloud_run_v2_service.b'], dir);
  const ms = performance.now() - started;
  assert.equal(places.size, 20_000);
  assert.deepEqual(places.get('google_project_iam_member.m7'), { file: 'main.tf.json', line: 4 + 7 * 3 });
  assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);
});
