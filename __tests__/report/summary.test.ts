import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/verdict.ts';
import { renderSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/summary.ts';
import { backend, finding, run } from './fixtures.ts';

test('small report, exact markdown', () => {
  const report = buildReport(
    run({
      backends: [backend({ operations: ['GET /orders', 'POST /orders'] })],
      findings: [
        finding({
          fix: 'gcloud run services add-iam-policy-binding orders \\\n  --member=serviceAccount:gw@proj.iam.gserviceaccount.com',
        }),
        finding({ rule: 'public-access', message: 'allUsers can invoke', exception: { reason: 'Status page' } }),
      ],
    }),
  );
  assert.equal(
    renderSummary(report),
    [
      '## ❌ gateway-guard: fail',
      '',
      '**1 error**, **0 warnings**, 1 notice in 1 backend; fails on errors.',
      '',
      'Service account: `gw@proj.iam.gserviceaccount.com`  ',
      'Spec: `openapi.yaml`',
      '',
      '### Findings',
      '',
      '|  | Rule | Resource | Spec |',
      '| --- | --- | --- | --- |',
      '| ❌ 1 | `missing-invoker` | `orders` · cloud-run · us-central1 | `openapi.yaml:14` |',
      '| ℹ️ 2 | `public-access` | `orders` · cloud-run · us-central1 | `openapi.yaml:14` |',
      '',
      '**1. ❌ `missing-invoker` · `orders`**',
      '',
      'gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on orders',
      '',
      '```sh',
      'gcloud run services add-iam-policy-binding orders \\',
      '    --member=serviceAccount:gw@proj.iam.gserviceaccount.com',
      '```',
      '',
      '**2. ℹ️ `public-access` · `orders`**',
      '',
      'allUsers can invoke',
      '',
      '**Excepted by policy:** Status page (error before the exception)',
      '',
      '### Backends',
      '',
      '| Address | Resource | Operations | Status |',
      '| --- | --- | --- | --- |',
      '| `https://orders-abc123-uc.a.run.app` | `orders` · cloud-run · us-central1 | 2 | ❌ error |',
      '',
    ].join('\n'),
  );
});

test('passing report with nothing to show', () => {
  const summary = renderSummary(buildReport(run({ backends: [], specFiles: [], failOn: 'never' })));
  assert.equal(
    summary,
    [
      '## ✅ gateway-guard: pass',
      '',
      '**0 errors**, **0 warnings**, 0 notices in 0 backends; never fails (`fail-on: never`).',
      '',
      'Service account: `gw@proj.iam.gserviceaccount.com`  ',
      'Spec: —',
      '',
      '### Findings',
      '',
      'No findings.',
      '',
      '### Backends',
      '',
      'No `x-google-backend` found.',
      '',
    ].join('\n'),
  );
});

test('hostile text from the spec is escaped', () => {
  const hostile = '| <script> @org/team `x`\n| --- |';
  const report = buildReport(
    run({
      backends: [backend({ address: hostile, operations: [hostile] })],
      findings: [finding({ address: hostile, resource: hostile, file: hostile, message: hostile, fix: hostile })],
    }),
  );
  const summary = renderSummary(report);
  const lines = summary.split('\n');
  const row = lines.find((l) => l.startsWith('| ❌ 1'));
  assert.equal(row, '| ❌ 1 | `missing-invoker` | ``team `x` \\| --- \\|`` · cloud-run | ``\\| <script> @org/team `x` \\| --- \\|:14`` |');
  const backendRow = lines.find((l) => l.includes('❌ error |'));
  assert.equal(backendRow, '| ``\\| <script> @org/team `x` \\| --- \\|`` | `orders` · cloud-run · us-central1 | 1 | ❌ error |');
  // The explanation is escaped text; the fix is in a fence nothing inside can close.
  assert.ok(lines.includes('team &#96;x&#96; &#124; --- &#124;'), summary);
  const fence = lines.indexOf('```sh');
  assert.equal(lines[fence + 2], '```');
  // Every table row keeps its 4 cells: no unescaped pipe outside the delimiters.
  const outsideFences = lines.filter((_, i) => i < fence || i > fence + 2);
  assert.ok(!outsideFences.some((l) => l.startsWith('| <script>')), 'a newline in the spec cannot start a row');
  for (const line of outsideFences.filter((l) => l.startsWith('| '))) {
    const cells = line.replace(/\\\|/g, '').split('|').length - 2;
    assert.equal(cells, 4, line);
  }
});

test('20,000 findings stay under 1 MiB and say how many were left out', () => {
  const findings = Array.from({ length: 20_000 }, (_, i) =>
    finding({
      line: i + 1,
      message: `Finding number ${i + 1} with a fairly long message that explains what went wrong and why it matters`,
      fix: `gcloud run services add-iam-policy-binding orders-${i} --region=us-central1 --member=serviceAccount:gw@proj.iam.gserviceaccount.com --role=roles/run.invoker`,
    }),
  );
  const backends = Array.from({ length: 3_000 }, (_, i) => backend({ address: `https://svc-${i}-abc-uc.a.run.app` }));
  const summary = renderSummary(buildReport(run({ findings, backends })));
  const bytes = Buffer.byteLength(summary, 'utf8');
  assert.ok(bytes < SUMMARY_LIMIT_BYTES, `${bytes} bytes`);
  assert.ok(bytes > 900_000, `uses the room it has: ${bytes} bytes`);

  const findingRows = summary.split('\n').filter((l) => /^\| ❌ \d+ \| `missing-invoker`/.test(l)).length;
  const match = /_(\d+) findings left out to stay under GitHub's size limit; the JSON report \(`report-file` output\) lists them all\._/.exec(summary);
  assert.ok(match, 'says how many findings were left out');
  assert.equal(findingRows + Number(match[1]), 20_000);
  assert.ok(summary.includes('Finding number 1 with'), 'the first findings are kept');
  // Each shown finding past the first few is folded; the entries past the budget are counted.
  const entries = (summary.match(/^<details><summary>\d+\. ❌ missing-invoker · orders<\/summary>$/gm) ?? []).length;
  assert.ok(entries > 100 && entries <= findingRows, `${entries} entries`);
  if (entries < findingRows) assert.match(summary, new RegExp(`^_The details of ${findingRows - entries} more findings were left out`, 'm'));
  assert.ok(summary.includes('| `https://svc-0-abc-uc.a.run.app` |'), 'backends keep some room');
  assert.match(summary, /_\d+ backends left out/);
});

test('a custom budget is respected', () => {
  const findings = Array.from({ length: 200 }, (_, i) => finding({ line: i + 1 }));
  const summary = renderSummary(buildReport(run({ findings })), { maxBytes: 10_000 });
  assert.ok(Buffer.byteLength(summary) <= 10_000);
  assert.match(summary, /_\d+ findings left out/);
});

test('many spec files are listed up to 20', () => {
  const specFiles = Array.from({ length: 23 }, (_, i) => `specs/${i}.yaml`);
  const summary = renderSummary(buildReport(run({ specFiles })));
  assert.match(summary, /^Spec: `specs\/0\.yaml`, .*, `specs\/19\.yaml`, and 3 more$/m);
});
