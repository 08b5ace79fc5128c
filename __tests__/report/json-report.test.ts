import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/verdict.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { backend, finding, run } from './fixtures.ts';

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
        exception: { reason: 'SEC-1', expires: '2027-03-31', originalSeverity: 'error' },
      },
    ],
  });
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['result', 'failOn', 'serviceAccount', 'specFiles', 'counts', 'backends', 'findings']);
  const findings = parsed.findings as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(findings[0] ?? {}), ['rule', 'severity', 'address', 'resource', 'file', 'line', 'message', 'fix', 'exception']);
  assert.ok(!text.includes('generatedAt'));
});
