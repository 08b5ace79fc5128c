/**
 * `npm run demo`: the bundled action against the fake Google API with an example spec and world, so a
 * newcomer sees real annotations, a job summary and a JSON report without a Google account. Then the same
 * spec judged with a Terraform plan (examples/terraform): the state after apply, not the present.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES, ROOT, runAction, type ActionRun } from '../__tests__/e2e/harness.ts';

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
const key = (f: { rule: string; severity: string; address?: string }): string => `${f.rule} (${f.severity}) ${f.address ?? ''}`.trim();
const findings = (r: ActionRun): string[] => (r.report?.findings ?? []).filter((f) => f.severity !== 'notice').map(key);
const before = new Set(findings(run));
const after = new Set(findings(planned));
rule('Live vs planned');
for (const f of before) if (!after.has(f)) console.log(`\x1b[32mfixed by the plan:\x1b[0m      ${f}`);
for (const f of after) if (!before.has(f)) console.log(`\x1b[31mintroduced by the plan:\x1b[0m ${f}`);
if ([...before].every((f) => after.has(f)) && [...after].every((f) => before.has(f))) console.log('The plan changes no finding.');
console.log(`Exit code ${planned.code}; Google API calls: ${planned.requests.length}`);
