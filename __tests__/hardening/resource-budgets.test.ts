/**
 * Issue 16, items 2, 3 and 5: inputs a pull request controls that once took minutes or gigabytes. Each
 * runs in its own process under a time and a memory budget (bounded.ts) and must end in an
 * `invalid-spec` finding that says why. The budgets leave room for a loaded machine (alone each case takes
 * about a second); before the fixes the cases took 20 s to minutes, or gigabytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBounded } from './bounded.ts';

const CASES: Array<{ name: string; message: RegExp; timeMs: number; memoryMb: number; line?: number }> = [
  { name: 'merge-bomb-items', message: /merge keys \(<<\) expand to more than 1,000,000 nodes/, timeMs: 10_000, memoryMb: 400 },
  { name: 'merge-bomb-list', message: /merge keys \(<<\) expand to more than 1,000,000 nodes/, timeMs: 10_000, memoryMb: 400, line: 6 },
  { name: 'ref-chain', message: /path "\/p0" goes through more than 16 chained \$refs/, timeMs: 15_000, memoryMb: 400, line: 6 },
  { name: 'policy-dev-zero', message: /leads outside the workspace/, timeMs: 10_000, memoryMb: 300 },
  { name: 'policy-fifo', message: /is not a regular file/, timeMs: 10_000, memoryMb: 300 },
];

for (const c of CASES) {
  test(`${c.name}: invalid-spec within ${c.timeMs / 1000} s and ${c.memoryMb} MB`, { timeout: 60_000, skip: process.platform !== 'linux' && 'needs /proc for the memory watchdog' }, async () => {
    const run = await runBounded(c.name, { timeMs: c.timeMs, memoryMb: c.memoryMb });
    assert.equal(run.stopped, undefined, `stopped over its ${run.stopped} budget after ${run.elapsedMs} ms at ${run.peakRssMb.toFixed(0)} MB`);
    assert.ok(run.result, `no result: ${run.stderr.slice(0, 2000)}`);
    const findings = run.result.findings.filter((f) => f.rule === 'invalid-spec');
    assert.equal(findings.length, 1, JSON.stringify(run.result.findings).slice(0, 1000));
    assert.match(findings[0]!.message, c.message);
    if (c.line !== undefined) assert.equal(findings[0]!.line, c.line);
    assert.ok(run.peakRssMb < c.memoryMb, `${run.peakRssMb.toFixed(0)} MB`);
  });
}
