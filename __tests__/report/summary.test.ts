import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/verdict.ts';
import { renderSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/summary.ts';
import { backend, finding, run } from './fixtures.ts';

const ZWSP = '\u200b';

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
      '| Severity | Rule | Backend | Resource | Location | Message | Fix |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| ❌ error | `missing-invoker` | `https://orders-abc123-uc.a.run.app` | `projects/proj/locations/us-central1/services/orders` | `openapi.yaml:14` | gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/proj/locations/us-central1/services/orders | `gcloud run services add-iam-policy-binding orders --member=serviceAccount:gw@proj.iam.gserviceaccount.com` |',
      '| ℹ️ notice (excepted) | `public-access` | `https://orders-abc123-uc.a.run.app` | `projects/proj/locations/us-central1/services/orders` | `openapi.yaml:14` | allUsers can invoke<br>**Excepted by policy:** Status page |  |',
      '',
      '### Backends',
      '',
      '| Address | Kind | Resource | Operations | Status |',
      '| --- | --- | --- | --- | --- |',
      '| `https://orders-abc123-uc.a.run.app` | cloud-run | `projects/proj/locations/us-central1/services/orders` | 2 | ❌ error |',
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
  const lines = renderSummary(report).split('\n');
  const row = lines.find((l) => l.startsWith('| ❌ error'));
  assert.equal(
    row,
    '| ❌ error | `missing-invoker` | ``\\| <script> @org/team `x` \\| --- \\|`` | ``\\| <script> @org/team `x` \\| --- \\|`` | ' +
      '``\\| <script> @org/team `x` \\| --- \\|:14`` | ' +
      `&#124; &lt;script&gt; @${ZWSP}org/team &#96;x&#96; &#124; --- &#124; | ` +
      '``\\| <script> @org/team `x` \\| --- \\|`` |',
  );
  const backendRow = lines.find((l) => l.includes('| cloud-run |'));
  assert.equal(backendRow, '| ``\\| <script> @org/team `x` \\| --- \\|`` | cloud-run | `projects/proj/locations/us-central1/services/orders` | 1 | ❌ error |');
  // Every table row keeps its 7 (or 5) cells: no unescaped pipe outside the delimiters.
  for (const line of lines.filter((l) => l.startsWith('| '))) {
    const cells = line.replace(/\\\|/g, '').split('|').length - 2;
    assert.ok(cells === 7 || cells === 5, line);
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

  const findingRows = summary.split('\n').filter((l) => l.startsWith('| ❌ error | `missing-invoker`')).length;
  const match = /_(\d+) findings left out to stay under GitHub's size limit; the JSON report \(`report-file` output\) lists them all\._/.exec(summary);
  assert.ok(match, 'says how many findings were left out');
  assert.equal(findingRows + Number(match[1]), 20_000);
  assert.ok(summary.includes('Finding number 1 with'), 'the first findings are kept');
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
