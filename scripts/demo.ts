/**
 * `npm run demo`: the bundled action against the fake Google API with an example spec and world, so a
 * newcomer sees real annotations, a job summary and a JSON report without a Google account. Then the same
 * spec judged with a Terraform plan (examples/terraform): the state after apply, not the present.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES, ROOT, runAction, type ActionRun } from '../__tests__/e2e/harness.ts';
import { plannedChanges } from '../src/plan/changes.ts';
import { locateResources } from '../src/plan/locate.ts';
import type { PlanFile, TerraformPlan } from '../src/plan/model.ts';

const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
const world = path.join(FIXTURES, 'worlds/demo.yaml');
const inputs = { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod', 'github-token': '' };
const run = await runAction({ inputs, files: { 'openapi.yaml': spec }, world });

const rule = (title: string): void => console.log(`\n\x1b[1m── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\x1b[0m`);
rule('What the runner shows (annotations and log)');
console.log(run.stdout.trim());
rule('Job summary (markdown)');
console.log(run.summary.trim());
rule('Outputs');
for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`);
rule(`Exit code ${run.code} (${run.code === 0 ? 'the gate passes' : 'the gate fails: a required check would block the merge'})`);
console.log(`Google API calls answered by the fake: ${run.requests.length}`);

// Planned state: a pull request that grants the gateway billing (fixing one finding) and opens orders to
// allUsers (introducing another), judged from its plan before anything is applied.
const terraform = path.join(ROOT, 'examples/terraform');
const planned = await runAction({
  inputs: { ...inputs, 'terraform-plan': 'infra/tfplan.json' },
  files: {
    'openapi.yaml': spec,
    'infra/main.tf': await readFile(path.join(terraform, 'main.tf'), 'utf8'),
    'infra/tfplan.json': await readFile(path.join(terraform, 'tfplan.json'), 'utf8'),
  },
  world,
});
rule('Planned state: the same spec with terraform-plan (examples/terraform)');
console.log('The plan grants the gateway roles/run.invoker on billing and grants it to allUsers on orders.\n');
console.log(planned.stdout.trim());
type ReportFinding = NonNullable<ActionRun['report']>['findings'][number] & {
  planned?: Array<{ address: string; action: string; file: string | null; line: number | null }>;
  fixes?: { terraform: string | null; gcloudRevertedBy: unknown } | null;
};
const key = (f: { rule: string; severity: string; address?: string }): string => `${f.rule} (${f.severity}) ${f.address ?? ''}`.trim();
const failing = (r: ActionRun): ReportFinding[] => (r.report?.findings ?? []).filter((f) => f.severity !== 'notice');
const after = new Map(failing(planned).map((f) => [key(f), f]));
const before = new Map(failing(run).map((f) => [key(f), f]));
const where = (p: { address: string; action: string; file?: string | null; line?: number | null }): string =>
  `${p.address} (${p.action})${p.file ? `, ${p.file}${p.line ? `:${p.line}` : ''}` : ''}`;
// What fixed a live finding: the planned grant to the gateway on its resource (the report names only what a finding rests on).
const planFile: PlanFile = { file: 'infra/tfplan.json', dir: path.join(planned.workspace, 'infra'), plan: JSON.parse(await readFile(path.join(terraform, 'tfplan.json'), 'utf8')) as TerraformPlan };
const changes = plannedChanges([planFile]);
const places = await locateResources(planFile, changes.map((c) => c.provenance.address), planned.workspace);
const fixedBy = (f: ReportFinding): string[] =>
  changes
    .filter((c) => c.kind === 'iam' && c.resource === f.resource && c.add.some((b) => b.members.includes(`serviceAccount:${inputs['service-account']}`)))
    .map((c) => where({ ...c.provenance, ...places.get(c.provenance.address) }));
rule('Live vs planned');
for (const [k, f] of before) if (!after.has(k)) console.log(`\x1b[32mfixed by the plan:\x1b[0m      ${k}\n    by ${fixedBy(f).join('; ') || '(no planned grant found)'}`);
for (const [k, f] of after) if (!before.has(k)) console.log(`\x1b[31mintroduced by the plan:\x1b[0m ${k}\n    by ${(f.planned ?? []).map(where).join('; ') || '(no planned change named)'}`);
if ([...before.keys()].every((k) => after.has(k)) && [...after.keys()].every((k) => before.has(k))) console.log('The plan changes no finding.');
console.log(`Exit code ${planned.code}; Google API calls: ${planned.requests.length} (${run.requests.length} without the plan)`);
// The repository writes IAM in Terraform: the fixes follow its plan's style (family, where the block goes).
const status = failing(planned).find((f) => f.rule === 'missing-invoker' && f.fixes?.terraform);
if (status?.fixes?.terraform) {
  rule('A Terraform fix in the style of the plan');
  console.log(`${key(status)}:\n\n${status.fixes.terraform}`);
}
