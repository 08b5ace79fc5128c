import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySecondOpinion } from '../../src/checks/second-opinion.ts';
import { denyPermission, matchDenyPrincipal, whoIsDenied } from '../../src/iam/deny.ts';
import type { AccessFacts } from '../../src/iam/facts.ts';
import type { DenyRule } from '../../src/gcp/types.ts';
import type { Backend, Finding } from '../../src/types.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const ME = `principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`;
const PUBLIC_ALL = 'principalSet://goog/public:all';

function facts(rules: Array<Partial<DenyRule>>): AccessFacts {
  return {
    policies: [],
    roles: new Map(),
    denies: [
      {
        attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/p',
        policies: [
          {
            name: 'policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp/denypolicies/block',
            rules: rules.map((r) => ({ deniedPrincipals: [], exceptionPrincipals: [], deniedPermissions: [], exceptionPermissions: [], ...r })),
          },
        ],
      },
    ],
  };
}

test('denyPermission converts to the deny-policy format', () => {
  assert.equal(denyPermission('run.routes.invoke'), 'run.googleapis.com/routes.invoke');
  assert.equal(denyPermission('iap.webServiceVersions.accessViaIAP'), 'iap.googleapis.com/webServiceVersions.accessViaIAP');
});

test('matchDenyPrincipal', () => {
  assert.equal(matchDenyPrincipal(ME, SA), 'account');
  assert.equal(matchDenyPrincipal(ME.toUpperCase().replace('PRINCIPAL://IAM.GOOGLEAPIS.COM/PROJECTS/-/SERVICEACCOUNTS/', 'principal://iam.googleapis.com/projects/-/serviceAccounts/'), SA), 'account');
  assert.equal(matchDenyPrincipal('principalSet://goog/public:all', SA), 'everyone');
  assert.equal(matchDenyPrincipal('principalSet://goog/group/admins@example.com', SA), 'maybe');
  assert.equal(matchDenyPrincipal('principalSet://cloudresourcemanager.googleapis.com/projects/gw-host/type/ServiceAccount', SA), 'account');
  assert.equal(matchDenyPrincipal('principalSet://cloudresourcemanager.googleapis.com/projects/other/type/ServiceAccount', SA), 'maybe');
  assert.equal(matchDenyPrincipal('principal://iam.googleapis.com/projects/-/serviceAccounts/other@x.iam.gserviceaccount.com', SA), 'no');
});

const cases: Array<{ name: string; rule: Partial<DenyRule>; expect: 'denied' | 'mayBeDenied' | 'none' }> = [
  { name: 'exact permission', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'denied' },
  { name: 'service wildcard', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/*'] }, expect: 'denied' },
  { name: 'everyone', rule: { deniedPrincipals: ['principalSet://goog/public:all'], deniedPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'denied' },
  { name: 'other permission', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/services.delete'] }, expect: 'none' },
  { name: 'excepted permission', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/*'], exceptionPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'none' },
  { name: 'excepted principal', rule: { deniedPrincipals: ['principalSet://goog/public:all'], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: [ME] }, expect: 'none' },
  { name: 'maybe excepted through a group', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: ['principalSet://goog/group/g@example.com'] }, expect: 'mayBeDenied' },
  { name: 'through a group', rule: { deniedPrincipals: ['principalSet://goog/group/g@example.com'], deniedPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'mayBeDenied' },
  // Wildcard permissions (more than one shape each way).
  { name: 'resource-type wildcard', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.*'] }, expect: 'denied' },
  { name: 'wildcard of another resource type', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/services.*'] }, expect: 'none' },
  { name: 'wildcard of another service', rule: { deniedPrincipals: [ME], deniedPermissions: ['cloudfunctions.googleapis.com/*'] }, expect: 'none' },
  { name: 'a prefix that is not a wildcard', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.invok'] }, expect: 'none' },
  { name: 'excepted by a wildcard permission', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/*'], exceptionPermissions: ['run.googleapis.com/routes.*'] }, expect: 'none' },
  // Case-insensitive emails, in denied and in exception principals.
  { name: 'denied principal in capitals', rule: { deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA.toUpperCase()}`], deniedPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'denied' },
  { name: 'excepted principal in capitals', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${SA.toUpperCase()}`] }, expect: 'none' },
  { name: 'project of service accounts in capitals', rule: { deniedPrincipals: ['principalSet://cloudresourcemanager.googleapis.com/projects/GW-HOST/type/ServiceAccount'], deniedPermissions: ['run.googleapis.com/routes.invoke'] }, expect: 'denied' },
  // Exception principals: the account itself, its project's accounts, someone else.
  { name: 'excepted through its project\'s service accounts', rule: { deniedPrincipals: [PUBLIC_ALL], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: ['principalSet://cloudresourcemanager.googleapis.com/projects/gw-host/type/ServiceAccount'] }, expect: 'none' },
  { name: 'another account excepted: still denied', rule: { deniedPrincipals: [ME], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: ['principal://iam.googleapis.com/projects/-/serviceAccounts/other@x.iam.gserviceaccount.com'] }, expect: 'denied' },
  { name: 'maybe excepted through a folder\'s accounts', rule: { deniedPrincipals: [PUBLIC_ALL], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: ['principalSet://cloudresourcemanager.googleapis.com/folders/12/type/ServiceAccount'] }, expect: 'mayBeDenied' },
];

for (const c of cases) {
  test(`whoIsDenied: ${c.name}`, () => {
    const answer = whoIsDenied('run.routes.invoke', SA, facts([c.rule]));
    assert.equal(answer.denied.length, c.expect === 'denied' ? 1 : 0, 'denied');
    assert.equal(answer.mayBeDenied.length, c.expect === 'mayBeDenied' ? 1 : 0, 'mayBeDenied');
  });
}

const TAGS = [{ namespacedTagKey: 'x/y', namespacedTagValue: 'x/y/z', tagKey: 'tagKeys/1', tagValue: 'tagValues/2', inherited: true }];
const conditional = (expression: string, principals = [ME]): Partial<DenyRule> => ({
  deniedPrincipals: principals,
  deniedPermissions: ['run.googleapis.com/routes.invoke'],
  denialCondition: { title: 'c', expression },
});

test('whoIsDenied: a denial condition true on the resource tags denies for certain', () => {
  const answer = whoIsDenied('run.routes.invoke', SA, { ...facts([conditional("resource.matchTag('x/y', 'z')")]), attributes: { backend: 'cloud-run', tags: TAGS } });
  assert.equal(answer.denied.length, 1);
  assert.equal(answer.mayBeDenied.length, 0);
});

test('whoIsDenied: a denial condition false on the resource tags does not deny', () => {
  const answer = whoIsDenied('run.routes.invoke', SA, { ...facts([conditional("resource.matchTag('x/y', 'other')")]), attributes: { backend: 'cloud-run', tags: TAGS } });
  assert.deepEqual([answer.denied, answer.mayBeDenied, answer.unknown], [[], [], []]);
});

test('whoIsDenied: a denial condition on unreadable tags is unknown', () => {
  const answer = whoIsDenied('run.routes.invoke', SA, { ...facts([conditional("resource.matchTag('x/y', 'z')")]), attributes: { backend: 'cloud-run', tags: { error: 'tags denied' } } });
  assert.equal(answer.denied.length, 0);
  assert.match(answer.unknown[0] ?? '', /tags denied/);
});

test('whoIsDenied: a denial condition that cannot be evaluated applies (IAM), but never hides public access', () => {
  const answer = whoIsDenied('run.routes.invoke', SA, facts([conditional('resource.name.startsWith("projects/")', ['principalSet://goog/public:all'])]));
  assert.equal(answer.denied.length, 1);
  assert.match(answer.denied[0] ?? '', /cannot be evaluated applies/);
  assert.deepEqual(answer.deniedToEveryone, []);
});

test('whoIsDenied: a deny of everyone under a condition true on tags hides public access; false does not', () => {
  const on = whoIsDenied('run.routes.invoke', SA, { ...facts([conditional("resource.matchTag('x/y', 'z')", ['principalSet://goog/public:all'])]), attributes: { backend: 'cloud-run', tags: TAGS } });
  assert.equal(on.deniedToEveryone.length, 1);
  const off = whoIsDenied('run.routes.invoke', SA, { ...facts([conditional("resource.matchTag('x/y', 'no')", ['principalSet://goog/public:all'])]), attributes: { backend: 'cloud-run', tags: TAGS } });
  assert.equal(off.deniedToEveryone.length, 0);
});

test('whoIsDenied: deniedToEveryone only for an unconditional deny of everyone without exceptions', () => {
  const rule = { deniedPrincipals: [PUBLIC_ALL], deniedPermissions: ['run.googleapis.com/routes.invoke'] };
  const everyone = (r: Partial<DenyRule>) => whoIsDenied('run.routes.invoke', SA, facts([r])).deniedToEveryone.length;
  assert.equal(everyone(rule), 1);
  assert.equal(everyone({ ...rule, deniedPermissions: ['run.googleapis.com/*'] }), 1);
  assert.equal(everyone({ ...rule, denialCondition: { title: 'tagged', expression: "resource.matchTag('1/env', 'prod')" } }), 0, 'conditional');
  assert.equal(everyone({ ...rule, exceptionPrincipals: ['principalSet://goog/group/partners@example.com'] }), 0, 'with exceptions');
  assert.equal(everyone({ ...rule, deniedPrincipals: [ME] }), 0, 'only the account');
  assert.equal(everyone({ ...rule, deniedPermissions: ['run.googleapis.com/services.get'] }), 0, 'another permission');
});

test('whoIsDenied: unreadable deny policies are unknown', () => {
  const answer = whoIsDenied('run.routes.invoke', SA, { policies: [], roles: new Map(), denies: [{ attachmentPoint: 'x', error: 'denied' }] });
  assert.deepEqual(answer.unknown, ['denied']);
});

const backend: Backend = { address: 'https://a-x-uc.a.run.app', file: 'o.yaml', line: 3, operations: [] };
const tuple = { fullResourceName: '//run.googleapis.com/projects/p/locations/l/services/a', permission: 'run.routes.invoke', missingRule: 'missing-invoker' as const };
const unverified: Finding = { rule: 'unverified-grant', severity: 'warning', message: 'group', permission: 'run.routes.invoke', resource: 'projects/p/locations/l/services/a' };
const publicAccess: Finding = { rule: 'public-access', severity: 'error', message: 'public' };

test('second opinion: CAN_ACCESS confirms an unverified grant', () => {
  assert.deepEqual(applySecondOpinion(backend, [unverified, publicAccess], tuple, SA, { state: 'CAN_ACCESS' }), [publicAccess]);
});

test('second opinion: CANNOT_ACCESS overturns it into missing-invoker', () => {
  const out = applySecondOpinion(backend, [unverified], tuple, SA, { state: 'CANNOT_ACCESS' });
  assert.deepEqual(out.map((f) => `${f.rule}:${f.severity}`), ['missing-invoker:error']);
});

test('second opinion: disagreeing with our grant is a warning showing both', () => {
  const out = applySecondOpinion(backend, [], tuple, SA, { state: 'CANNOT_ACCESS', allowState: 'ALLOW_ACCESS_STATE_GRANTED', denyState: 'DENY_ACCESS_STATE_DENIED' });
  assert.equal(out.length, 1);
  assert.equal(out[0]?.rule, 'unverified-grant');
  assert.match(out[0]?.message ?? '', /CANNOT_ACCESS .*DENY_ACCESS_STATE_DENIED.*gateway-guard found a grant/);
});

test('second opinion: unknown answers and failures keep our verdict', () => {
  assert.deepEqual(applySecondOpinion(backend, [unverified], tuple, SA, { state: 'UNKNOWN_INFO' }), [unverified]);
  const failed = applySecondOpinion(backend, [unverified], tuple, SA, { error: 'PERMISSION_DENIED' });
  assert.deepEqual(failed.map((f) => `${f.rule}:${f.severity}`), ['unverified-grant:warning', 'iam-unreadable:warning']);
});
