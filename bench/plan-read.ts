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

/** Measures the reader on generated 100 MB plans (typical, and every change kept): a few seconds, peak RSS < 1 GiB. */
export async function planReadRows(): Promise<PlanRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gg-bench-plan-'));
  try {
    const secret = 'PLANTED-bench-secret-4d1f';
    const rows: PlanRow[] = [];
    const run = (args: string[]) => {
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
      try {
        return JSON.parse(child.stdout) as { ms: number; maxRssMiB: number; kept?: number; findings?: string[]; leaked?: boolean };
      } catch {
        return undefined;
      }
    };
    for (const allKept of [false, true]) {
      const file = path.join(dir, allKept ? 'kept.json' : 'tfplan.json');
      const written = await writeBigPlan(file, 100 * 1024 * 1024, secret, allKept);
      const ours = run([MEASURE, dir, secret, path.basename(file)]);
      const naive = run(['-e', NAIVE, file]);
      const base = naive ? `JSON.parse: ${(naive.ms / 1000).toFixed(1)} s, ${naive.maxRssMiB} MiB` : 'JSON.parse failed';
      const figure = `Plan read: ${(written.bytes / 1024 / 1024).toFixed(0)} MiB, ${written.resources} changes, ${allKept ? 'all' : `${written.kept}`} kept`;
      // Every change kept is the worst case for memory; its time is reported against JSON.parse only.
      const target = allKept ? '< 1 GiB' : '≤ 5 s, < 1 GiB';
      if (!ours) {
        rows.push({ figure, value: 'the reader failed', target, baseline: base, ok: false });
        continue;
      }
      const clean = (ours.findings ?? []).length === 0 && ours.kept === written.kept && ours.leaked === false;
      rows.push({
        figure,
        value: `${(ours.ms / 1000).toFixed(1)} s, ${ours.maxRssMiB} MiB${clean ? '' : ' (wrong result or leak)'}`,
        target,
        baseline: base,
        ok: clean && ours.maxRssMiB < 1024 && (allKept || ours.ms <= 5000),
      });
      await rm(file, { force: true });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
