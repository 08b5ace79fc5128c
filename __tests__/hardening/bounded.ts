/**
 * Runs one adversarial case of bounded-case.ts in a child process under a time and a memory budget: a
 * watchdog kills the child as soon as it goes over either, so a regression fails the test instead of
 * taking the machine down.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const CASE_SCRIPT = path.join(path.dirname(new URL(import.meta.url).pathname), 'bounded-case.ts');

/** What the child reported, or why it was stopped. */
export interface BoundedRun {
  /** The child's JSON result (undefined when it was stopped or failed). */
  result?: { findings: Array<{ rule: string; message: string; line?: number; file?: string }>; elapsedMs: number; maxRssMb: number; [key: string]: unknown };
  stopped?: 'time' | 'memory';
  elapsedMs: number;
  peakRssMb: number;
  stderr: string;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs case `name` of bounded-case.ts; kills it past `timeMs` or past `memoryMb` of resident memory. */
export function runBounded(name: string, budget: { timeMs: number; memoryMb: number }): Promise<BoundedRun> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--max-old-space-size=1024', CASE_SCRIPT, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopped: BoundedRun['stopped'];
  let peak = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const watchdog = setInterval(() => {
    const rss = child.pid ? rssMb(child.pid) : 0;
    peak = Math.max(peak, rss);
    if (rss > budget.memoryMb) stopped ??= 'memory';
    else if (Date.now() - started > budget.timeMs) stopped ??= 'time';
    if (stopped) child.kill('SIGKILL');
  }, 25);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(watchdog);
      let result: BoundedRun['result'];
      try {
        result = stopped ? undefined : JSON.parse(stdout);
      } catch {
        result = undefined;
      }
      resolve({ result, stopped, elapsedMs: Date.now() - started, peakRssMb: Math.max(peak, result?.maxRssMb ?? 0), stderr });
    });
  });
}
