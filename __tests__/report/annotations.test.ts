import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, Severity } from '../../src/types.ts';
import { selectAnnotations, toAnnotation } from '../../src/report/annotations.ts';
import { finding } from './fixtures.ts';

function many(count: number, severity: Severity): Finding[] {
  return Array.from({ length: count }, (_, i) => finding({ severity, line: i + 1, message: `${severity} ${i + 1}` }));
}

function levels(findings: Finding[], perLevel?: number): string[] {
  return selectAnnotations(findings, perLevel).map((a) => `${a.level}: ${a.message}`);
}

test('limits per level, most severe first', async (t) => {
  const cases: Array<{ name: string; findings: Finding[]; counts: Record<Severity, number>; more?: string }> = [
    { name: 'nothing', findings: [], counts: { error: 0, warning: 0, notice: 0 } },
    { name: 'all fit', findings: [...many(10, 'error'), ...many(10, 'warning'), ...many(9, 'notice')], counts: { error: 10, warning: 10, notice: 9 } },
    {
      name: '25 errors + 3 warnings',
      findings: [...many(3, 'warning'), ...many(25, 'error')],
      counts: { error: 10, warning: 3, notice: 1 },
      more: '15 more findings in the job summary',
    },
    {
      name: '11 warnings',
      findings: many(11, 'warning'),
      counts: { error: 0, warning: 10, notice: 1 },
      more: '1 more finding in the job summary',
    },
    {
      name: 'overflow with 10 notices gives up one notice slot',
      findings: [...many(12, 'error'), ...many(10, 'notice')],
      counts: { error: 10, warning: 0, notice: 10 },
      more: '3 more findings in the job summary',
    },
    {
      name: '30 notices',
      findings: many(30, 'notice'),
      counts: { error: 0, warning: 0, notice: 10 },
      more: '21 more findings in the job summary',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const annotations = selectAnnotations(c.findings);
      const counts = { error: 0, warning: 0, notice: 0 };
      for (const a of annotations) counts[a.level]++;
      assert.deepEqual(counts, c.counts);
      const last = annotations.at(-1);
      if (c.more) assert.deepEqual(last, { level: 'notice', title: 'gateway-guard', message: c.more });
      else assert.ok(!last || last.title !== 'gateway-guard');
    });
  }
});

test('exact order and content with perLevel 2', () => {
  assert.deepEqual(levels([...many(1, 'notice'), ...many(3, 'warning'), ...many(3, 'error')], 2), [
    'error: error 1',
    'error: error 2',
    'warning: warning 1',
    'warning: warning 2',
    'notice: notice 1',
    'notice: 2 more findings in the job summary',
  ]);
});

test('one finding as an annotation', async (t) => {
  const cases: Array<{ name: string; finding: Finding; expected: ReturnType<typeof toAnnotation> }> = [
    {
      name: 'with fix',
      finding: finding({ rule: 'public-access', message: 'allUsers can invoke', fix: 'gcloud run services remove-iam-policy-binding orders' }),
      expected: {
        level: 'error',
        title: 'gateway-guard: public-access',
        message: 'allUsers can invoke\ngcloud run services remove-iam-policy-binding orders',
        file: 'openapi.yaml',
        line: 14,
      },
    },
    {
      name: 'excepted',
      finding: finding({ rule: 'public-access', message: 'allUsers can invoke', fix: 'x', exception: { reason: 'Status page, SEC-1042', expires: '2027-03-31' } }),
      expected: {
        level: 'notice',
        title: 'gateway-guard: public-access',
        message: 'allUsers can invoke\nExcepted by policy: Status page, SEC-1042 (until 2027-03-31)',
        file: 'openapi.yaml',
        line: 14,
      },
    },
    {
      name: 'without location',
      finding: finding({ rule: 'iam-unreadable', message: 'cannot read', file: undefined, line: undefined }),
      expected: { level: 'error', title: 'gateway-guard: iam-unreadable', message: 'cannot read' },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(toAnnotation(c.finding), c.expected));
  }
});

test("slots reserved for the action's own messages are taken from that level; what is left out is counted", () => {
  const annotations = selectAnnotations([...many(12, 'warning'), ...many(12, 'error')], 10, { warning: 1, error: 2 });
  const count = (level: Severity) => annotations.filter((a) => a.level === level).length;
  assert.equal(count('error'), 8);
  assert.equal(count('warning'), 9);
  assert.equal(annotations.at(-1)?.message, '7 more findings in the job summary');
});

test('the "more" notice says where the rest are', () => {
  const annotations = selectAnnotations(many(11, 'error'), 10, {}, 'the JSON report (output report-file)');
  assert.equal(annotations.at(-1)?.message, '1 more finding in the JSON report (output report-file)');
});

test('a finding resting on a located planned change is also annotated on its .tf block, within the level’s slots', () => {
  const planned = finding({
    rule: 'public-access',
    severity: 'error',
    line: 3,
    message: 'Anyone can call this backend (planned: google_cloud_run_v2_service_iam_member.public (create)).',
  });
  planned.planned = [
    { address: 'google_cloud_run_v2_service_iam_member.public', action: 'create', file: 'infra/iam.tf', line: 12 },
    { address: 'google_project_iam_member.unlocated', action: 'create' },
  ];
  const out = selectAnnotations([planned]);
  assert.deepEqual(
    out.map((a) => [a.level, a.file, a.line, a.title]),
    [
      ['error', planned.file, 3, 'gateway-guard: public-access'],
      ['error', 'infra/iam.tf', 12, 'gateway-guard: public-access (google_cloud_run_v2_service_iam_member.public create)'],
    ],
  );
  const full = [...many(10, 'error'), planned];
  assert.equal(selectAnnotations(full).filter((a) => a.file === 'infra/iam.tf').length, 0, 'no slot left: the summary has it');
});
