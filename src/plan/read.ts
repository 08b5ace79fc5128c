/**
 * Reads `terraform-plan` files (JSON of `terraform show -json` / `tofu show -json`) and validates their
 * shape; every problem is an `invalid-plan` finding. Minimal first version: the hardened reader (safe paths,
 * bounded memory for 100 MB plans, globs) replaces it.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Finding } from '../types.ts';
import type { PlanFile, TerraformPlan } from './model.ts';

const MAX_BYTES = 256 * 1024 * 1024;

/** The plans read and the `invalid-plan` findings of those that cannot be used. */
export async function readPlanFiles(patterns: string[], workspace: string): Promise<{ plans: PlanFile[]; findings: Finding[] }> {
  const plans: PlanFile[] = [];
  const findings: Finding[] = [];
  const root = await realpath(path.resolve(workspace));
  for (const file of patterns) {
    const problem = (message: string) => findings.push({ rule: 'invalid-plan', severity: 'error', file, message: `${file}: ${message}` });
    try {
      const real = await realpath(path.resolve(root, file));
      const rel = path.relative(root, real);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        problem('the path resolves outside the workspace');
        continue;
      }
      const info = await stat(real);
      if (!info.isFile() || info.size > MAX_BYTES) {
        problem('not a regular file of at most 256 MiB');
        continue;
      }
      const json: unknown = JSON.parse(await readFile(real, 'utf8'));
      const shape = planProblem(json);
      if (shape) problem(shape);
      else plans.push({ file: rel.split(path.sep).join('/'), dir: path.dirname(real), plan: json as TerraformPlan });
    } catch (error) {
      problem(`cannot be read as JSON (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`);
    }
  }
  return { plans, findings };
}

/** Why a parsed JSON value is not a usable plan, or undefined. */
export function planProblem(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object; pass the output of `terraform show -json PLANFILE`';
  const plan = json as Record<string, unknown>;
  if (typeof plan.format_version !== 'string' || !/^1\.\d+$/.test(plan.format_version)) {
    return `format_version ${JSON.stringify(plan.format_version)} is not 1.x; pass the output of \`terraform show -json PLANFILE\``;
  }
  if (plan.errored === true) return 'the plan errored; fix the plan first';
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) return '`resource_changes` is not a list';
  return undefined;
}
