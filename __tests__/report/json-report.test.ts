import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/verdict.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { reportWithFixes } from '../../src/report/fixes.ts';
import { backend, finding, run, SA } from './fixtures.ts';

test('JSON report has the SPEC.md shape, fixed key order and null for unknowns', () => {
  const report = buildReport(
    run({
      backends: [backend({ operations: ['GET /orders'] }), backend({ operations: ['POST /orders'], line: 30 })],
      findings: [
        finding({ rule: 'iam-unreadable', message: 'cannot read', file: undefined, line: undefined, address: undefined, resource: undefined }),
        finding({ rule: 'public-access', message: 'allUsers', fix: 'gcloud x', exception: { reason: 'SEC-1', expires: '2027-03-31' } }),
      ],
    }),
  );
  const text = renderJsonReport(report);
  assert.ok(text.endsWith('}\n'));
  assert.equal(text, renderJsonReport(report), 'deterministic');
  assert.deepEqual(JSON.parse(text), {
    result: 'fail',
    failOn: 'error',
    serviceAccount: 'gw@proj.iam.gserviceaccount.com',
    specFiles: ['openapi.yaml'],
    counts: { errors: 1, warnings: 0, notices: 1 },
    backends: [
      {
        address: 'https://orders-abc123-uc.a.run.app',
        kind: 'cloud-run',
        resource: 'projects/proj/locations/us-central1/services/orders',
        operations: ['GET /orders', 'POST /orders'],
        status: 'notice',
        file: 'openapi.yaml',
        line: 14,
      },
    ],
    findings: [
      {
        rule: 'iam-unreadable',
        severity: 'error',
        address: null,
        resource: null,
        file: null,
        line: null,
        message: 'cannot read',
        fix: null,
        fixes: null,
        exception: null,
      },
      {
        rule: 'public-access',
        severity: 'notice',
        address: 'https://orders-abc123-uc.a.run.app',
        resource: 'projects/proj/locations/us-central1/services/orders',
        file: 'openapi.yaml',
        line: 14,
        message: 'allUsers',
        fix: 'gcloud x',
        fixes: { gcloud: 'gcloud x', gcloudRevertedBy: null, terraform: null, spec: null },
        exception: { reason: 'SEC-1', expires: '2027-03-31', originalSeverity: 'error' },
      },
    ],
  });
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['result', 'failOn', 'serviceAccount', 'specFiles', 'counts', 'backends', 'findings']);
  const findings = parsed.findings as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(findings[0] ?? {}), ['rule', 'severity', 'address', 'resource', 'file', 'line', 'message', 'fix', 'fixes', 'exception']);
  assert.ok(!text.includes('generatedAt'));
});

test('each finding\'s fixes in every medium it has: gcloud (wrapped), Terraform, and the spec line change', () => {
  const spec = ['paths:', '  /orders:', '    get:', '      x-google-backend:', '        address: https://orders-abc123-uc.a.run.app', '        disable_auth: true', ''].join('\n');
  const report = reportWithFixes(
    buildReport(
      run({
        findings: [
          finding({ line: 4, permission: 'run.routes.invoke', account: SA, fix: `gcloud run services add-iam-policy-binding orders --project=proj --region=us-central1 --member=serviceAccount:${SA} --role=roles/run.invoker` }),
          finding({ rule: 'auth-disabled', line: 4, message: 'disable_auth is true', specEdit: { field: 'disableAuth' } }),
        ],
      }),
    ),
    new Map([['openapi.yaml', spec]]),
  );
  const findings = (JSON.parse(renderJsonReport(report)) as { findings: Array<{ rule: string; fixes: unknown }> }).findings;
  assert.deepEqual(findings.find((f) => f.rule === 'missing-invoker')!.fixes, {
    gcloud: `gcloud run services add-iam-policy-binding orders --project=proj \\\n    --region=us-central1 \\\n    --member=serviceAccount:${SA} \\\n    --role=roles/run.invoker`,
    gcloudRevertedBy: null,
    terraform: [
      'resource "google_cloud_run_v2_service_iam_member" "orders_gateway_invoker" {',
      '  project  = "proj"',
      '  location = "us-central1"',
      '  name     = "orders"',
      '  role     = "roles/run.invoker"',
      `  member   = "serviceAccount:${SA}"`,
      '}',
    ].join('\n'),
    spec: null,
  });
  assert.deepEqual(findings.find((f) => f.rule === 'auth-disabled')!.fixes, { gcloud: null, gcloudRevertedBy: null, terraform: null, spec: { file: 'openapi.yaml', line: 6, replacement: '' } });
});
