/**
 * The planned-state stage as the gate uses it, in one module so that it loads (as its own chunk) only when a
 * `terraform-plan` is given: reading plans, their changes located in the workspace's `.tf` files, a planned
 * API config as the source of backends, and the style of Terraform fixes.
 */
import { plannedChanges, standingIam, type IamChange, type PlannedChange } from './changes.ts';
import { locateResources } from './locate.ts';
import type { PlanFile } from './model.ts';

export { planBackends } from './api-config.ts';
export { readPlanFiles } from './read.ts';
export { terraformStyles } from './style.ts';

/**
 * The planned changes of every plan, and the IAM resources standing after apply (for fixes in the
 * repository's style), each with the `.tf` file and line of its `resource` block where found.
 */
export async function locatedChanges(plans: PlanFile[], workspace: string): Promise<{ changes: PlannedChange[]; standing: IamChange[] }> {
  const all: { changes: PlannedChange[]; standing: IamChange[] } = { changes: [], standing: [] };
  for (const plan of plans) {
    const changes = plannedChanges([plan]);
    const standing = standingIam([plan]);
    const places = await locateResources(plan, [...changes, ...standing].map((c) => c.provenance.address), workspace);
    for (const change of [...changes, ...standing]) {
      const place = places.get(change.provenance.address);
      if (place) Object.assign(change.provenance, { file: place.file, line: place.line });
    }
    all.changes.push(...changes);
    all.standing.push(...standing);
  }
  return all;
}
