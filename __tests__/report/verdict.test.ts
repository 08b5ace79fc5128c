import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Severity } from '../../src/types.ts';
import type { FailOn } from '../../src/report/model.ts';
import { buildReport } from '../../src/report/verdict.ts';
import { backend, finding, run } from './fixtures.ts';

test('result by fail-on', async (t) => {
  const cases: Array<{ failOn: FailOn; severities: Severity[]; result: 'pass' | 'fail' }> = [
    { failOn: 'error', severities: [], result: 'pass' },
    { failOn: 'error', severities: ['error'], result: 'fail' },
    { failOn: 'error', severities: ['warning', 'notice'], result: 'pass' },
    { failOn: 'warning', severities: ['warning'], result: 'fail' },
    { failOn: 'warning', severities: ['error'], result: 'fail' },
    { failOn: 'warning', severities: ['notice'], result: 'pass' },
    { failOn: 'never', severities: ['error', 'warning'], result: 'pass' },
  ];
  for (const c of cases) {
    await t.test(`${c.failOn} with [${c.severities.join(', ')}]`, () => {
      const report = buildReport(run({ failOn: c.failOn, findings: c.severities.map((severity) => finding({ severity })) }));
      assert.equal(report.result, c.result);
    });
  }
});

test('an excepted error counts as a notice and does not fail', () => {
  const report = buildReport(run({ findings: [finding({ exception: { reason: 'SEC-1' } }), finding({ severity: 'warning' })] }));
  assert.equal(report.result, 'pass');
  assert.deepEqual(report.counts, { errors: 0, warnings: 1, notices: 1 });
  assert.equal(report.findings[1]?.severity, 'notice');
  assert.equal(report.findings[1]?.originalSeverity, 'error');
});

test('findings sorted by severity, file, line, rule, message; missing file last', () => {
  const input = [
    finding({ severity: 'notice', rule: 'public-access', message: 'n' }),
    finding({ severity: 'warning', file: 'b.yaml', line: 1, rule: 'conditional-grant', message: 'w2' }),
    finding({ severity: 'error', file: undefined, line: undefined, rule: 'iam-unreadable', message: 'e-nofile' }),
    finding({ severity: 'error', file: 'a.yaml', line: 9, rule: 'public-access', message: 'e3' }),
    finding({ severity: 'error', file: 'a.yaml', line: 9, rule: 'missing-invoker', message: 'e2b' }),
    finding({ severity: 'error', file: 'a.yaml', line: 9, rule: 'missing-invoker', message: 'e2a' }),
    finding({ severity: 'error', file: 'a.yaml', line: 2, rule: 'public-access', message: 'e1' }),
    finding({ severity: 'warning', file: 'a.yaml', line: 30, rule: 'conditional-grant', message: 'w1' }),
  ];
  const report = buildReport(run({ findings: input }));
  assert.deepEqual(
    report.findings.map((f) => f.message),
    ['e1', 'e2a', 'e2b', 'e3', 'e-nofile', 'w1', 'w2', 'n'],
  );
  assert.equal(input[0]?.message, 'n', 'input is not reordered');
});

test('backends grouped by address with every operation and the worst status', () => {
  const other = 'https://legacy-xyz.a.run.app';
  const report = buildReport(
    run({
      backends: [
        backend({ operations: ['GET /orders'], file: 'b.yaml', line: 5 }),
        backend({ address: other, kind: 'unknown', resource: undefined, operations: ['GET /legacy'], file: 'a.yaml', line: 3 }),
        backend({ operations: ['POST /orders', 'GET /orders'], file: 'b.yaml', line: 40 }),
        backend({ address: other, kind: 'cloud-run', resource: 'projects/p/locations/l/services/legacy', operations: ['PUT /legacy'], file: 'a.yaml', line: 20 }),
      ],
      findings: [
        finding({ severity: 'warning', rule: 'conditional-grant' }),
        finding({ severity: 'error', exception: { reason: 'ok' } }),
        finding({ address: other, severity: 'warning', rule: 'unreachable-backend' }),
        finding({ address: other, severity: 'error', rule: 'public-access' }),
      ],
    }),
  );
  assert.deepEqual(report.backends, [
    {
      address: other,
      kind: 'cloud-run',
      resource: 'projects/p/locations/l/services/legacy',
      operations: ['GET /legacy', 'PUT /legacy'],
      file: 'a.yaml',
      line: 3,
      status: 'error',
    },
    {
      address: 'https://orders-abc123-uc.a.run.app',
      kind: 'cloud-run',
      resource: 'projects/proj/locations/us-central1/services/orders',
      operations: ['GET /orders', 'POST /orders'],
      file: 'b.yaml',
      line: 5,
      status: 'warning',
    },
  ]);
});

test('a backend without findings passes', () => {
  assert.equal(buildReport(run()).backends[0]?.status, 'pass');
});
