// The self-test workflow (.github/workflows/self-test.yml), played locally: each `uses: ./` step runs dist/index.js
// with that step's own inputs (e2e harness), then the step after it runs scripts/check-self-test.ts with that step's
// own arguments and environment. Keeps the workflow's expectations true before a runner ever sees them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { FIXTURES, ROOT, runAction, type ActionRun } from '../e2e/harness.ts';

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
}

const workflow = load(await readFile(path.join(ROOT, '.github/workflows/self-test.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
const example = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');

/** Shell words of a `node scripts/check-self-test.ts ...` line: plain words and "double-quoted" ones. */
function words(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Values of the check step's env: `${{ steps.ID.outcome }}`, `${{ steps.ID.outputs.NAME }}` or literals. */
function stepEnv(env: Record<string, string>, runs: Map<string, ActionRun>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^\$\{\{ steps\.([\w-]+)\.(outcome|outputs\.([\w-]+)) \}\}$/.exec(value);
    const run = m ? runs.get(m[1] ?? '') : undefined;
    if (m && !run) assert.fail(`${name} refers to step ${m[1]}, which is not a uses: ./ step before it`);
    out[name] = !m || !run ? value : m[2] === 'outcome' ? (run.code === 0 ? 'success' : 'failure') : (run.outputs[m[3] ?? ''] ?? '');
  }
  return out;
}

/** Plays one job: the action steps through the harness, the check steps through the real script. */
async function playJob(job: string, credentials: 'emulator' | 'none'): Promise<number> {
  const runs = new Map<string, ActionRun>();
  let checks = 0;
  for (const step of workflow.jobs[job]?.steps ?? []) {
    if (step.uses === './') {
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, String(v)]));
      const home = await mkdtemp(path.join(tmpdir(), 'gg-home-'));
      const run = await runAction({
        inputs,
        files: { 'examples/openapi.yaml': example },
        ...(credentials === 'emulator'
          ? { world: path.join(FIXTURES, 'worlds/demo.yaml') }
          : { env: { HOME: home, METADATA_SERVER_DETECTION: 'none', GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: path.join(home, 'gcloud') } }),
        eventName: 'pull_request',
        event: { pull_request: { number: 1, head: { sha: 'a'.repeat(40), repo: { fork: false, full_name: 'acme/shop' } }, base: { repo: { full_name: 'acme/shop' } } } },
      });
      runs.set(step.id ?? '', run);
    } else if (step.run?.includes('scripts/check-self-test.ts')) {
      const [, script = '', ...args] = words(step.run.replace(/\s+/g, ' ').trim());
      const checked = spawnSync(process.execPath, [path.join(ROOT, script), ...args], {
        cwd: [...runs.values()].at(-1)?.workspace ?? ROOT,
        env: { PATH: process.env.PATH ?? '', ...stepEnv(step.env ?? {}, runs) },
        encoding: 'utf8',
      });
      assert.equal(checked.status, 0, `${job}: ${step.run}\n${checked.stdout}${checked.stderr}`);
      checks++;
    }
  }
  return checks;
}

test('self-test job "emulator": the action on examples/ against the fake Google API does what the workflow asserts', async () => {
  assert.equal(await playJob('emulator', 'emulator'), 1);
});

test('self-test job "no-credentials": fails with the clear message, passes with missing-credentials neutral', async () => {
  assert.equal(await playJob('no-credentials', 'none'), 2);
});

test('check-self-test.ts fails on a step that did otherwise than expected', async () => {
  const run = await runAction({
    inputs: { spec: 'examples/openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod', comment: 'false' },
    files: { 'examples/openapi.yaml': example },
    world: path.join(FIXTURES, 'worlds/demo.yaml'),
  });
  const env = { OUTCOME: run.code === 0 ? 'success' : 'failure', RESULT: run.outputs.result, ERRORS: run.outputs.errors, WARNINGS: run.outputs.warnings, REPORT_FILE: run.outputs['report-file'] };
  const check = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-self-test.ts'), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  const wrong = check('--outcome', 'success', '--result', 'pass', '--errors', '0', '--warnings', '0', '--rules', 'public-access:error');
  assert.equal(wrong.status, 1);
  for (const what of ['step outcome', 'output result', 'output errors', 'report counts.errors', 'report findings']) assert.match(wrong.stdout, new RegExp(`::error title=self-test::${what}`));
  assert.equal(check('--outcome', 'failure').status, 2, 'missing expectations are a usage error');
});
