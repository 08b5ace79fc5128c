// scripts/lint-workflows.ts (run by .ci/run as `npm run lint:workflows`): what it finds, and that actionlint's
// problems come back at the lines of the file that holds the workflow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT } from '../e2e/harness.ts';
import { actionInputs, lintWorkflows, loadActionlint, repositoryWorkflows, unknownInputs, unpinnedActions, workflowsInMarkdown } from '../../scripts/lint-workflows.ts';

const markdown = [
  '# Doc', // 1
  '```yaml', // 2
  'name: demo', // 3
  'on:', // 4
  '  merge_group:', // 5
  '  pull_requests:', // 6: no such event
  'jobs:', // 7
  '  a:', // 8
  '    runs-on: ubuntu-latest', // 9
  '    steps:', // 10
  '      - run: echo "${{ steps.nope.outputs.x }}"', // 11: no such step
  '```',
  '',
  '```yaml',
  '      - uses: actions/checkout@v5', // a fragment: skipped
  '```',
].join('\n');

test('complete workflows in markdown are found with their line; fragments are skipped', () => {
  const found = workflowsInMarkdown('doc.md', markdown);
  assert.equal(found.fragments, 1);
  assert.equal(found.workflows.length, 1);
  assert.equal(found.workflows[0]?.offset, 2);
});

test('actionlint problems are reported at the markdown lines; merge_group is known', async () => {
  const problems = await lintWorkflows(workflowsInMarkdown('doc.md', markdown).workflows, loadActionlint());
  const at = problems.map((p) => `${p.file}:${p.line}`).sort();
  assert.deepEqual(at, ['doc.md:11', 'doc.md:6'], JSON.stringify(problems));
  assert.match(problems.find((p) => p.line === 6)?.message ?? '', /unknown Webhook event "pull_requests"/);
});

test('a known gap of actionlint 1.7.7 (permission "models", newer than it) is not reported; other scopes are', async () => {
  const workflow = (scope: string) => ({
    file: 'w.yml',
    offset: 0,
    text: `on: push\npermissions:\n  ${scope}: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`,
  });
  assert.deepEqual(await lintWorkflows([workflow('models')], loadActionlint()), []);
  assert.match((await lintWorkflows([workflow('modelz')], loadActionlint()))[0]?.message ?? '', /unknown permission scope "modelz"/);
});

test('steps running this action may only use the inputs action.yml declares', async () => {
  const inputs = await actionInputs(ROOT);
  assert.ok(inputs.has('missing-credentials') && inputs.has('spec'));
  const text = [
    'on: pull_request', // 1
    'jobs:', // 2
    '  gate:', // 3
    '    runs-on: ubuntu-latest', // 4
    '    steps:', // 5
    '      - uses: OWNER/gateway-guard@<full commit SHA>  # v0.1.0', // 6
    '        with:', // 7
    '          spec: openapi.yaml', // 8
    '          missing-credential: neutral', // 9: typo
    '      - uses: actions/checkout@v5', // 10: another action, its inputs are not ours to judge
    '        with: { fetch-depth: 0 }',
  ].join('\n');
  const problems = unknownInputs({ file: 'README.md', offset: 10, text }, inputs);
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}`), ['README.md:19']);
  assert.match(problems[0]?.message ?? '', /input "missing-credential" is not declared in action\.yml/);
});

test('our workflows must pin actions by full commit SHA with a version comment', () => {
  const text = [
    'steps:',
    '  - uses: actions/checkout@v5',
    '  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
    '  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1',
    '  - uses: github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2',
    '  - uses: ./',
  ].join('\n');
  assert.deepEqual(
    unpinnedActions({ file: 'w.yml', offset: 0, text }).map((p) => p.line),
    [2, 4],
  );
});

test('the repository has workflow files and README/docs workflows for the linter to check', async () => {
  const { files, docs } = await repositoryWorkflows(ROOT);
  const names = files.map((f) => f.file);
  for (const f of ['ci.yml', 'self-test.yml', 'codeql.yml', 'release.yml']) assert.ok(names.includes(`.github/workflows/${f}`), names.join(', '));
  assert.ok(docs.some((d) => d.file === 'README.md'), 'the README\'s workflow is checked');
  assert.ok(docs.filter((d) => d.file === 'docs/workflows.md').length >= 3, 'docs/workflows.md\'s workflows are checked');
});
