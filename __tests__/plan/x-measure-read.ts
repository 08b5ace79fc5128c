/**
 * Child process for the memory budget: reads the plan(s) given as arguments (relative to the workspace in
 * argv[2]) and prints one JSON line: time, peak RSS, what was kept, findings, and whether `argv[3]` (a planted
 * secret) appears anywhere in the result.
 */
import { readPlanFiles } from '../../src/plan/read.ts';

const [workspace, secret, ...patterns] = process.argv.slice(2);
const started = performance.now();
const { plans, findings } = await readPlanFiles(patterns, workspace!);
const ms = performance.now() - started;
// Peak RSS of the read itself, before the leak check below builds a copy of the result.
const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const text = JSON.stringify({ plans, findings });
console.log(
  JSON.stringify({
    ms: Math.round(ms),
    maxRssMiB,
    plans: plans.length,
    kept: plans.reduce((n, p) => n + (p.plan.resource_changes?.length ?? 0), 0),
    findings: findings.map((f) => `${f.rule}:${f.severity}: ${f.message}`),
    leaked: Boolean(secret) && text.includes(secret!),
  }),
);
