/** Pure parts of the project allow-list (patterns, narrowing) and of member masking in public output. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allows, globMatch, invalidProjectPatterns, patternWithin, projectScope } from '../../src/resolve/allowed.ts';
import { hideMembers, maskMembers } from '../../src/report/members.ts';
import type { Report } from '../../src/report/model.ts';

test('globMatch: * is any run, everything else literal; bounded time on adversarial patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['shop-*', 'shop-prod', true],
    ['shop-*', 'shop-', true],
    ['shop-*', 'shopx-prod', false],
    ['*-prod', 'shop-prod', true],
    ['*-prod', 'shop-prod2', false],
    ['shop-*-eu', 'shop-data-eu', true],
    ['shop-*-eu', 'shop-data-us', false],
    ['shop-prod', 'shop-prod', true],
    ['shop-prod', 'shop-prod-2', false],
    ['shop.prod', 'shopxprod', false],
    ['*', 'anything', true],
  ];
  for (const [pattern, text, expected] of cases) assert.equal(globMatch(pattern, text), expected, `${pattern} ~ ${text}`);
  const started = performance.now();
  assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(10_000)), false);
  assert.ok(performance.now() - started < 2000);
});

test('patternWithin: a file entry must lie inside an input pattern', () => {
  assert.equal(patternWithin('shop-prod', 'shop-*'), true);
  assert.equal(patternWithin('shop-eu-*', 'shop-*'), true);
  assert.equal(patternWithin('shop-*', 'shop-*'), true);
  assert.equal(patternWithin('*', 'shop-*'), false);
  assert.equal(patternWithin('sh*', 'shop-*'), false);
  assert.equal(patternWithin('shop-*', 'shop-prod'), false);
  assert.equal(patternWithin('other', 'shop-*'), false);
  assert.equal(patternWithin('shop-prod', 'shop-prod'), true);
});

test('projectScope: intersection of input and file; entries outside the input are errors at their line', () => {
  assert.equal(projectScope([], [], undefined).scope, undefined);
  const { scope, findings } = projectScope(['shop-*'], [{ pattern: 'shop-prod', line: 2 }, { pattern: 'other-*', line: 3 }], '.github/gateway-guard.yml');
  assert.deepEqual(findings.map((f) => `${f.rule}:${f.file}:${f.line}`), ['invalid-spec:.github/gateway-guard.yml:3']);
  assert.equal(allows(scope, 'shop-prod'), true);
  assert.equal(allows(scope, 'shop-dev'), false, 'the file narrows');
  assert.equal(allows(scope, 'other-x'), false, 'the file cannot widen');
  assert.equal(allows(projectScope([], [{ pattern: 'shop-prod', line: 1 }], undefined).scope, 'shop-dev'), false);
  assert.equal(allows(undefined, 'anything'), true);
  assert.deepEqual(invalidProjectPatterns(['shop-prod', 'shop-*', 'Shop', 'a b', '', 'example.com:p']), ['Shop', 'a b', '']);
});

test('hideMembers: group/user/domain (and deleted:, v2 group/subject) are hidden; service accounts and the public are not', () => {
  assert.equal(
    hideMembers('group:payments-admins@example.com holds roles/run.invoker; user:alice@example.com, domain:example.com, deleted:user:bob@example.com?uid=1'),
    'group:(name hidden) holds roles/run.invoker; user:(name hidden), domain:(name hidden), user:(name hidden)',
  );
  assert.equal(hideMembers('deny principalSet://goog/group/ops@example.com and principal://goog/subject/eve@example.com'), 'deny group:(name hidden) and user:(name hidden)');
  const untouched = 'serviceAccount:gw@gw-host.iam.gserviceaccount.com, allUsers, principalSet://goog/public:all, --member=serviceAccount:x@p.iam.gserviceaccount.com';
  assert.equal(hideMembers(untouched), untouched);
});

test('maskMembers: messages and fixes lose the names and say how many; other findings are the same objects', () => {
  const plain = { rule: 'missing-invoker' as const, severity: 'error' as const, message: 'gw@p.iam.gserviceaccount.com lacks run.routes.invoke' };
  const report = {
    result: 'fail',
    failOn: 'error',
    serviceAccount: 'gw@p.iam.gserviceaccount.com',
    specFiles: [],
    counts: { errors: 1, warnings: 1, notices: 0 },
    backends: [],
    findings: [
      plain,
      {
        rule: 'unverified-grant',
        severity: 'warning',
        message: 'holds it only if it is a member of group:a@example.com (group:a@example.com holds roles/run.invoker), or user:b@example.com',
        fix: 'gcloud run services remove-iam-policy-binding s --member=group:a@example.com --role=roles/run.invoker',
      },
    ],
  } satisfies Report;
  const masked = maskMembers(report);
  assert.equal(masked.findings[0], plain);
  assert.equal(
    masked.findings[1]?.message,
    'holds it only if it is a member of group:(name hidden) (group:(name hidden) holds roles/run.invoker), or user:(name hidden) (2 group/user/domain members not named in public output: see the JSON report, or set show-members: true)',
  );
  assert.equal(masked.findings[1]?.fix, 'gcloud run services remove-iam-policy-binding s --member=group:(name hidden) --role=roles/run.invoker');
  assert.ok(report.findings[1]?.message.includes('group:a@example.com'), 'the full report is not changed');
});
