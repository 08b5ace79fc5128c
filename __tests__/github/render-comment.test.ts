import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMENT_LIMIT_CHARS, COMMENT_MARKER, commentMarker, renderComment } from '../../src/report/comment.ts';
import type { CommentOptions } from '../../src/report/comment.ts';
import { buildReport } from '../../src/report/verdict.ts';
import { backend, finding, run } from '../report/fixtures.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const KEY = commentMarker(['openapi.yaml']);
const OPTIONS: CommentOptions = { marker: KEY, repoUrl: 'https://github.com/acme/shop', headSha: SHA };
const BLOB = `https://github.com/acme/shop/blob/${SHA}`;
const STATUS = 'https://status-abc123-uc.a.run.app';
const STATUS_SERVICE = 'projects/proj/locations/us-central1/services/status';

test('commentMarker: one key per spec set, whatever the order', () => {
  assert.match(KEY, /^<!-- gateway-guard:spec=[0-9a-f]{12} -->$/);
  assert.equal(commentMarker(['b.yaml', 'a.yaml']), commentMarker(['a.yaml', 'b.yaml']));
  assert.notEqual(commentMarker(['a.yaml']), commentMarker(['b.yaml']));
  assert.throws(() => renderComment(buildReport(run()), { ...OPTIONS, marker: '<!-- something else -->' }));
});

test('failing report, exact markdown', () => {
  const report = buildReport(
    run({
      backends: [
        backend({ operations: ['GET /orders', 'POST /orders'] }),
        backend({ address: STATUS, resource: STATUS_SERVICE, line: 30, operations: ['GET /status'] }),
      ],
      findings: [
        finding({
          fix: 'gcloud run services add-iam-policy-binding orders \\\n  --region=us-central1 \\\n  --member=serviceAccount:gw@proj.iam.gserviceaccount.com \\\n  --role=roles/run.invoker',
          permission: 'run.routes.invoke',
          account: 'gw@proj.iam.gserviceaccount.com',
        }),
        finding({ rule: 'unreachable-backend', severity: 'warning', message: 'Ingress is internal only; set --ingress=all' }),
        finding({ rule: 'public-access', address: STATUS, resource: STATUS_SERVICE, line: 30, message: 'allUsers can invoke', exception: { reason: 'Status page, SEC-1042', expires: '2027-03-31' } }),
      ],
    }),
  );
  assert.equal(
    renderComment(report, { ...OPTIONS, runUrl: 'https://github.com/acme/shop/actions/runs/42' }),
    [
      COMMENT_MARKER,
      KEY,
      '### ❌ gateway-guard: fail, 1 error, 1 warning',
      '',
      '1 of 2 backends pass. 1 notice (see below).',
      '',
      '|  | Rule | Resource | Spec |',
      '| --- | --- | --- | --- |',
      `| ❌ 1 | \`missing-invoker\` | \`orders\` · cloud-run · us-central1 | [openapi.yaml:14](${BLOB}/openapi.yaml#L14) |`,
      `| ⚠️ 2 | \`unreachable-backend\` | \`orders\` · cloud-run · us-central1 | [openapi.yaml:14](${BLOB}/openapi.yaml#L14) |`,
      '',
      '**1. ❌ `missing-invoker` · `orders`**',
      '',
      'gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on orders',
      '',
      '```sh',
      'gcloud run services add-iam-policy-binding orders --region=us-central1 \\',
      '    --member=serviceAccount:gw@proj.iam.gserviceaccount.com \\',
      '    --role=roles/run.invoker',
      '```',
      '',
      '<details><summary>Terraform</summary>',
      '',
      '```hcl',
      'resource "google_cloud_run_v2_service_iam_member" "orders_gateway_invoker" {',
      '  project  = "proj"',
      '  location = "us-central1"',
      '  name     = "orders"',
      '  role     = "roles/run.invoker"',
      '  member   = "serviceAccount:gw@proj.iam.gserviceaccount.com"',
      '}',
      '```',
      '',
      '</details>',
      '',
      '**2. ⚠️ `unreachable-backend` · `orders`**',
      '',
      'Ingress is internal only; set --ingress=all',
      '',
      '<details><summary>ℹ️ 1 notice (excepted by policy or lowered to notice)</summary>',
      '',
      `- \`public-access\` · \`status\` · cloud-run · us-central1 · [openapi.yaml:30](${BLOB}/openapi.yaml#L30): Status page, SEC-1042 (until 2027-03-31) (error before the exception)`,
      '',
      '</details>',
      '',
      '<details><summary>✅ 1 passing backend</summary>',
      '',
      '| Resource | Operations | Spec |',
      '| --- | --- | --- |',
      `| \`status\` · cloud-run · us-central1 | \`GET /status\` | [openapi.yaml:30](${BLOB}/openapi.yaml#L30) |`,
      '',
      '</details>',
      '',
      '<sub>Service account `gw@proj.iam.gserviceaccount.com` · spec `openapi.yaml` · commit 0123456 · [run](https://github.com/acme/shop/actions/runs/42)</sub>',
      '',
    ].join('\n'),
  );
});

test('everything passes (after a failure the comment is kept and says so)', () => {
  const report = buildReport(run({ backends: [backend({ operations: ['GET /orders', 'POST /orders', 'PUT /orders/{id}', 'DELETE /orders/{id}'] })] }));
  assert.equal(
    renderComment(report, OPTIONS),
    [
      COMMENT_MARKER,
      KEY,
      '### ✅ gateway-guard: all backends pass',
      '',
      '1 backend checked; nothing blocks this gateway config.',
      '',
      '<details><summary>✅ 1 passing backend</summary>',
      '',
      '| Resource | Operations | Spec |',
      '| --- | --- | --- |',
      `| \`orders\` · cloud-run · us-central1 | \`GET /orders\`, \`POST /orders\`, +2 | [openapi.yaml:14](${BLOB}/openapi.yaml#L14) |`,
      '',
      '</details>',
      '',
      '<sub>Service account `gw@proj.iam.gserviceaccount.com` · spec `openapi.yaml` · commit 0123456</sub>',
      '',
    ].join('\n'),
  );
});

test('pass with warnings, no backends, and no links without a commit', () => {
  const warned = renderComment(
    buildReport(run({ findings: [finding({ rule: 'conditional-grant', severity: 'warning', message: 'only under a condition' })] })),
    { ...OPTIONS, headSha: '' },
  );
  assert.match(warned, /^### ✅ gateway-guard: pass, with 1 warning$/m);
  assert.match(warned, /^0 of 1 backend pass\. The gate fails on errors only\.$/m);
  assert.match(warned, /\| `openapi\.yaml:14` \|$/m);
  assert.doesNotMatch(warned, /\]\(/);
  const empty = renderComment(buildReport(run({ backends: [] })), { ...OPTIONS, marker: COMMENT_MARKER });
  assert.match(empty, /^<!-- gateway-guard -->\n### ✅ gateway-guard: pass, no `x-google-backend` found\n/);
});

test('500 findings stay under 65,536 characters, the rest counted for the job summary', () => {
  const findings = Array.from({ length: 500 }, (_, i) =>
    finding({
      address: `https://svc-${i}-abc123-uc.a.run.app`,
      resource: `projects/proj/locations/us-central1/services/svc-${i}`,
      line: i + 1,
      message: `gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/proj/locations/us-central1/services/svc-${i}: grant roles/run.invoker. ${'|<>'.repeat(100)}`,
      fix: `gcloud run services add-iam-policy-binding svc-${i} --region=us-central1 --member=serviceAccount:gw@proj.iam.gserviceaccount.com --role=roles/run.invoker`,
    }),
  );
  const backends = Array.from({ length: 700 }, (_, i) => backend({ address: `https://svc-${i}-abc123-uc.a.run.app`, resource: `projects/proj/locations/us-central1/services/svc-${i}`, line: i + 1 }));
  const body = renderComment(buildReport(run({ findings, backends })), { ...OPTIONS, runUrl: 'https://github.com/acme/shop/actions/runs/42' });
  assert.ok(body.length < COMMENT_LIMIT_CHARS, `${body.length} chars`);
  assert.ok([...body].length < COMMENT_LIMIT_CHARS);
  assert.match(body, /^### ❌ gateway-guard: fail, 500 errors$/m);
  const shown = body.split('\n').filter((l) => l.startsWith('| ❌ ')).length;
  assert.ok(shown > 20 && shown < 500, `${shown} rows`);
  assert.match(body, new RegExp(`^_${500 - shown} more findings in the \\[job summary\\]\\(https://github\\.com/acme/shop/actions/runs/42\\)\\._$`, 'm'));
  // Many findings: each entry is folded, and entries past the budget are counted too.
  const entries = body.split('\n').filter((l) => /^<details><summary>\d+\. ❌ missing-invoker · svc-\d+<\/summary>$/.test(l)).length;
  assert.ok(entries > 10 && entries <= shown, `${entries} entries`);
  if (entries < shown) assert.match(body, new RegExp(`^_What to do about ${shown - entries} more findings is in the \\[job summary\\]`, 'm'));
  assert.match(body, /<\/sub>\n$/, 'the footer survives');
  // Tiny budgets still hold.
  for (const maxChars of [2000, 5000, 20_000]) {
    const small = renderComment(buildReport(run({ findings, backends })), { ...OPTIONS, maxChars });
    assert.ok(small.length <= maxChars, `${small.length} > ${maxChars}`);
    assert.ok(small.startsWith(`${COMMENT_MARKER}\n${KEY}\n`));
  }
});

test('hostile spec text cannot break the table, inject HTML, mention anyone, or fake the marker', () => {
  const evil = 'a|b <img src=x onerror=alert(1)> @acme/admins <!-- gateway-guard --> <!-- gateway-guard:spec=000000000000 --> `tick` ``` ](javascript:x) \n| injected | row |';
  const file = `specs/${evil}.yaml`;
  const report = buildReport(
    run({
      specFiles: [file],
      backends: [
        backend({ address: `https://x.example.com/${evil}`, resource: undefined, kind: 'unknown', file, operations: [`GET /${evil}`] }),
        backend({ address: `https://y.example.com/${evil}`, resource: undefined, kind: 'unknown', file, line: 99, operations: [`GET /${evil}`] }),
      ],
      findings: [
        finding({ file, address: `https://x.example.com/${evil}`, resource: `projects/${evil}`, message: `message ${evil}`, fix: `gcloud run ${evil}\n\`\`\`\n@acme/admins` }),
        finding({ rule: 'public-access', file, address: `https://x.example.com/${evil}`, resource: `projects/${evil}`, message: 'public', exception: { reason: `reason ${evil}`, expires: `2027-01-01 ${evil}` } }),
      ],
    }),
  );
  const body = renderComment(report, { ...OPTIONS, marker: commentMarker(report.specFiles) });

  // Only our two markers are HTML comments.
  assert.equal(body.split('<!--').length - 1, 2);
  assert.ok(body.startsWith(`${COMMENT_MARKER}\n${commentMarker(report.specFiles)}\n`));
  assert.ok(!body.includes('<!-- gateway-guard:spec=000000000000 -->'));

  // Every table row keeps its columns: unescaped pipes are cell borders only.
  const lines = body.split('\n');
  const tables = [
    { header: '|  | Rule | Resource | Spec |', columns: 4 },
    { header: '| Resource | Operations | Spec |', columns: 3 },
  ];
  for (const { header, columns } of tables) {
    let i = lines.indexOf(header);
    assert.ok(i >= 0, header);
    for (i += 2; lines[i]?.startsWith('|'); i++) {
      const borders = (lines[i] ?? '').match(/(?<!\\)\|/g)?.length;
      assert.equal(borders, columns + 1, lines[i]);
    }
  }

  // The fix commands stay inside their fence (longer than any backtick run in them).
  const fence = lines.findIndex((l) => /^`{3,}sh$/.test(l));
  const fenceMark = lines[fence]!.slice(0, -2);
  assert.ok(fenceMark.length > 3);
  const close = lines.indexOf(fenceMark, fence + 1);
  assert.ok(close > fence);
  const outside = [...lines.slice(0, fence), ...lines.slice(close + 1)];
  assert.ok(!outside.some((l) => l.startsWith('| injected')), 'a newline cannot start a row');

  // Outside code, no raw HTML, no @mention, and the only link targets are GitHub blob URLs.
  const prose = outside.join('\n').replace(/(`+)[\s\S]*?\1/g, '');
  assert.doesNotMatch(prose, /<img/);
  assert.doesNotMatch(prose, /(^|[^\w])@acme/);
  assert.doesNotMatch(prose, /\]\(javascript:/i);
  for (const [, url] of prose.matchAll(/\]\(([^)]*)\)/g)) assert.match(url ?? '', /^https:\/\/github\.com\/acme\/shop\/blob\/[0-9a-f]{40}\/[^\s()<>|]+#L\d+$/);
});
