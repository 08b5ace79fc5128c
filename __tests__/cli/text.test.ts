import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clean, renderText, shouldColor } from '../../src/cli/text.ts';
import { buildReport } from '../../src/report/verdict.ts';
import { backend, finding, run } from '../report/fixtures.ts';

test('shouldColor: flag, then FORCE_COLOR, then NO_COLOR, then the terminal', () => {
  const cases: Array<[boolean | undefined, Record<string, string>, boolean, boolean]> = [
    [undefined, {}, true, true],
    [undefined, {}, false, false],
    [undefined, { TERM: 'dumb' }, true, false],
    [undefined, { NO_COLOR: '1' }, true, false],
    [undefined, { NO_COLOR: '' }, true, true],
    [undefined, { FORCE_COLOR: '1' }, false, true],
    [undefined, { FORCE_COLOR: '0' }, true, false],
    [undefined, { FORCE_COLOR: 'false' }, true, false],
    [undefined, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    [false, { FORCE_COLOR: '1' }, true, false],
    [true, { NO_COLOR: '1' }, false, true],
  ];
  for (const [flag, env, tty, expected] of cases) {
    assert.equal(shouldColor(flag, env, tty), expected, JSON.stringify({ flag, env, tty }));
  }
});

test('renderText: one block per finding, then the backends and the verdict (exact lines, no colour)', () => {
  const report = buildReport(
    run({
      backends: [backend({ status: 'error' })],
      findings: [
        finding({ fix: 'gcloud run services add-iam-policy-binding orders \\\n  --role=roles/run.invoker' }),
        finding({ rule: 'iam-unreadable', file: undefined, line: undefined, address: undefined, resource: 'projects/p/locations/global/apis/a/configs/c', message: 'Could not read API config', fix: undefined }),
        finding({ rule: 'public-access', severity: 'warning', exception: { reason: 'Reviewed', expires: '2027-03-31' } }),
      ],
    }),
  );
  assert.equal(
    renderText(report, { color: false, callCount: 7 }),
    [
      'ERROR    missing-invoker  openapi.yaml:14',
      '  gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/proj/locations/us-central1/services/orders',
      '  address:  https://orders-abc123-uc.a.run.app',
      '  resource: projects/proj/locations/us-central1/services/orders',
      '  fix: gcloud run services add-iam-policy-binding orders --role=roles/run.invoker',
      '',
      'ERROR    iam-unreadable',
      '  Could not read API config',
      '  resource: projects/p/locations/global/apis/a/configs/c',
      '',
      'NOTICE   public-access  openapi.yaml:14',
      '  gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/proj/locations/us-central1/services/orders',
      '  address:  https://orders-abc123-uc.a.run.app',
      '  resource: projects/proj/locations/us-central1/services/orders',
      '  excepted by policy, was warning: Reviewed (until 2027-03-31)',
      '',
      'Backends',
      '  error   https://orders-abc123-uc.a.run.app (cloud-run) → projects/proj/locations/us-central1/services/orders  openapi.yaml:14',
      '          GET /orders',
      '',
      'FAIL 2 errors, 0 warnings, 1 notice — 1 backend in 1 spec file checked as gw@proj.iam.gserviceaccount.com, 7 Google API call(s) (fails on: error)',
      '',
    ].join('\n'),
  );
});

test('renderText colours severities and the verdict only when asked', () => {
  const report = buildReport(run());
  assert.ok(renderText(report, { color: true }).includes('\u001b[32m\u001b[1mPASS\u001b[22m\u001b[39m'));
  assert.ok(!renderText(report, { color: false }).includes('\u001b'));
});

test('text from specs or Google cannot drive the terminal', () => {
  assert.equal(clean('a\u001b[2Jb\u0007c\td\ne\u202eF'), 'a\\u{1b}[2Jb\\u{7}c\td\\u{a}e\\u{202e}F');
  // Bidirectional marks and zero-width characters: `ord\u200bers` must not look like `orders`.
  assert.equal(clean('ord\u200bers\u200e\u200f\u061c\ufeff'), 'ord\\u{200b}ers\\u{200e}\\u{200f}\\u{61c}\\u{feff}');
  const report = buildReport(run({ findings: [finding({ message: 'evil \u001b]8;;http://x\u0007link' })] }));
  assert.ok(!renderText(report, { color: false }).includes('\u001b'));
});

test('issue 16: no untrusted value can start a line a runner reads as a workflow command', () => {
  const command = '::error file=README.md,line=1::Approved by security';
  const evil = (sep: string) => `/a${sep}${command}`;
  for (const sep of ['\n', '\r', '\r\n', '\u2028', '\n   ']) {
    const report = buildReport(
      run({
        backends: [backend({ status: 'error', address: `https://x.example${evil(sep)}`, file: `specs/${evil(sep)}.yaml`, operations: [`GET ${evil(sep)}`] })],
        findings: [
          finding({
            message: `x-google-backend of GET ${evil(sep)} is wrong`,
            address: `https://x.example${evil(sep)}`,
            resource: `projects/p${evil(sep)}`,
            file: `specs/${evil(sep)}.yaml`,
            fix: `gcloud run services add-iam-policy-binding ${evil(sep)} \\\n  --role=roles/run.invoker`,
            exception: { reason: `Reviewed${evil(sep)}`, expires: `2027-03-31${evil(sep)}` },
          }),
        ],
        serviceAccount: `gw@p.iam.gserviceaccount.com${evil(sep)}`,
      }),
    );
    const text = renderText(report, { color: false });
    const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/);
    const commands = lines.filter((line) => line.trimStart().startsWith('::'));
    assert.deepEqual(commands, [], JSON.stringify(sep));
    // The value is still shown, its line break visible.
    assert.ok(text.includes(`\\u{${sep.charCodeAt(0).toString(16)}}`), text);
    assert.ok(text.includes('Approved by security'));
  }
});
