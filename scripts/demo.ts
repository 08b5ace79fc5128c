/**
 * `npm run demo`: the bundled action against the fake Google API with an example spec and world, so a
 * newcomer sees real annotations, a job summary and a JSON report without a Google account.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES, ROOT, runAction } from '../__tests__/e2e/harness.ts';

const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
const run = await runAction({
  inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod', 'github-token': '' },
  files: { 'openapi.yaml': spec },
  world: path.join(FIXTURES, 'worlds/demo.yaml'),
});

const rule = (title: string): void => console.log(`\n\x1b[1m── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\x1b[0m`);
rule('What the runner shows (annotations and log)');
console.log(run.stdout.trim());
rule('Job summary (markdown)');
console.log(run.summary.trim());
rule('Outputs');
for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}=${value}`);
rule(`Exit code ${run.code} (${run.code === 0 ? 'the gate passes' : 'the gate fails: a required check would block the merge'})`);
console.log(`Google API calls answered by the fake: ${run.requests.length}`);
