/**
 * Bench section `plan`: reading a 100 MB Terraform plan (`terraform-plan`), in a child process so peak RSS
 * is the reader's own. Baseline: the naive `JSON.parse(readFileSync(plan))` of the whole file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigPlan } from '../__tests__/plan/x-big-plan.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEASURE = path.join(ROOT, '__tests__/plan/x-measure-read.ts');
const NAIVE =
  "const t=performance.now();const p=JSON.parse(require('node:fs').readFileSync(process.argv[1],'utf8'));" +
  "console.log(JSON.stringify({ms:Math.round(performance.now()-t),maxRssMiB:Math.round(process.resourceUsage().maxRSS/1024),n:p.resource_changes.length}))";

/** One row of the bench table. */
export interface PlanRow {
  figure: string;
  value: string;
  target: string;
  baseline: string;
  ok: boolean;
}

/** Measures the reader on a generated 100 MB plan against the targets: a few seconds, peak RSS < 1 GiB. */
export async function planReadRows(): Promise<PlanRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gg-bench-plan-'));
  try {
    const secret = 'PLANTED-bench-secret-4d1f';
    const written = await writeBigPlan(path.join(dir, 'tfplan.json'), 100 * 1024 * 1024, secret);
    const run = (args: string[]) => {
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
      try {
        return JSON.parse(child.stdout) as { ms: number; maxRssMiB: number; kept?: number; findings?: string[]; leaked?: boolean };
      } catch {
        return undefined;
      }
    };
    const ours = run([MEASURE, dir, secret, 'tfplan.json']);
    const naive = run(['-e', NAIVE, path.join(dir, 'tfplan.json')]);
    const base = naive ? `JSON.parse: ${(naive.ms / 1000).toFixed(1)} s, ${naive.maxRssMiB} MiB` : 'JSON.parse failed';
    const size = `${(written.bytes / 1024 / 1024).toFixed(0)} MiB, ${written.resources} changes`;
    if (!ours) return [{ figure: `Plan read: ${size}`, value: 'the reader failed', target: '≤ 5 s, < 1 GiB', baseline: base, ok: false }];
    const clean = (ours.findings ?? []).length === 0 && ours.kept === written.kept && ours.leaked === false;
    return [
      {
        figure: `Plan read: ${size} (time, peak RSS)`,
        value: `${(ours.ms / 1000).toFixed(1)} s, ${ours.maxRssMiB} MiB${clean ? '' : ' (wrong result or leak)'}`,
        target: '≤ 5 s, < 1 GiB',
        baseline: base,
        ok: clean && ours.ms <= 5000 && ours.maxRssMiB < 1024,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
