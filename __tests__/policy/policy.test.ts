import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { policy as compiledPolicy } from '../../src/generated/policy-validator.ts';
import { applyPolicy, emptyPolicy, loadPolicy, searchProjects, serviceAccountFor } from '../../src/policy/index.ts';
import { parsePolicy } from '../../src/policy/parse.ts';

const validatePolicy = compiledPolicy as ValidateFunction;
import type { Policy } from '../../src/policy/index.ts';
import { POLICY_SCHEMA } from '../../src/policy/schema.ts';
import { buildReport } from '../../src/report/verdict.ts';
import { RULES } from '../../src/types.ts';
import type { Finding } from '../../src/types.ts';
import { SCHEMA_FILE, schemaText } from './generate-schema.ts';

const FILE = '.github/gateway-guard.yml';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const ORDERS_SERVICE = 'projects/proj/locations/us-central1/services/orders';
const NOW = new Date('2027-03-31T23:59:59Z');

/** `line: message` of every finding, for exact comparisons. */
function problems(source: string): string[] {
  const { policy, findings } = parsePolicy(source, FILE, validatePolicy);
  if (findings.length > 0) assert.deepEqual(policy, emptyPolicy(FILE), 'an invalid policy applies nothing');
  for (const f of findings) {
    assert.equal(f.rule, 'invalid-spec');
    assert.equal(f.severity, 'error');
    assert.equal(f.file, FILE);
  }
  return findings.map((f) => `${f.line}: ${f.message}`);
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return { rule: 'public-access', severity: 'error', message: 'allUsers can invoke', file: 'openapi.yaml', line: 14, address: ORDERS, resource: ORDERS_SERVICE, ...overrides };
}

function policy(source: string): Policy {
  const { policy, findings } = parsePolicy(source, FILE, validatePolicy);
  assert.deepEqual(findings, []);
  return policy;
}

test('the full example of SPEC.md is valid', () => {
  const p = policy(`# .github/gateway-guard.yml
exceptions:
  - rule: public-access
    address: https://status-abc123-uc.a.run.app
    reason: Public status page, reviewed in SEC-1042
    expires: 2027-03-31
  - rule: unsupported-backend
    resource: projects/p/locations/l/services/s
    reason: GKE backend validates the token itself
severity:
  audience-mismatch: error
  unsupported-backend: off
projects: [shop-prod, shop-data]
serviceAccounts:
  ./specs/internal.yaml: internal-gw@gw-host.iam.gserviceaccount.com
`);
  assert.deepEqual(p, {
    file: FILE,
    exceptions: [
      { rule: 'public-access', address: 'https://status-abc123-uc.a.run.app', reason: 'Public status page, reviewed in SEC-1042', expires: '2027-03-31', line: 3 },
      { rule: 'unsupported-backend', resource: 'projects/p/locations/l/services/s', reason: 'GKE backend validates the token itself', line: 7 },
    ],
    severity: { 'audience-mismatch': 'error', 'unsupported-backend': 'off' },
    projects: ['shop-prod', 'shop-data'],
    allowedProjects: [],
    serviceAccounts: { 'specs/internal.yaml': 'internal-gw@gw-host.iam.gserviceaccount.com' },
  });
  assert.equal(serviceAccountFor(p, 'specs/internal.yaml', 'gw@x.iam.gserviceaccount.com'), 'internal-gw@gw-host.iam.gserviceaccount.com');
  assert.equal(serviceAccountFor(p, 'openapi.yaml', 'gw@x.iam.gserviceaccount.com'), 'gw@x.iam.gserviceaccount.com');
  assert.deepEqual(searchProjects(['shop-data', 'other-proj'], p), ['shop-data', 'other-proj', 'shop-prod']);
});

test('empty file, comments only, and JSON are fine', () => {
  assert.deepEqual(policy(''), emptyPolicy(FILE));
  assert.deepEqual(policy('# nothing yet\n'), emptyPolicy(FILE));
  assert.deepEqual(policy('{"severity": {"conditional-grant": "error"}}').severity, { 'conditional-grant': 'error' });
});

test('every validation error is reported at its line, with what to fix', () => {
  assert.deepEqual(
    problems(`exception: []
exceptions:
  - rule: public-acess
    address: https://a
    reson: x
  - rule: public-access
    address: https://a
    resource: projects/p
    reason: ""
    expires: 2027-3-31
  - rule: missing-invoker
    reason: ok
    expires: 2027-02-30
  - rule: missing-invoker
    address: x
    reason: "  "
    expires: 20270101
severity:
  audience-mismatch: errror
  iam-unreadable: off
  public: off
projects: [Shop_Prod, ok-project, ok-project]
serviceAccounts:
  specs/a.yaml: nope
`),
    [
      '1: Policy file: unknown key "exception" in the top level (did you mean "exceptions"?); allowed keys: exceptions, severity, projects, allowedProjects, serviceAccounts',
      '3: Policy file: exceptions[0] has no "reason"; every exception needs one, e.g. reason: Public status page, reviewed in SEC-1042',
      `3: Policy file: unknown rule "public-acess" in exceptions[0].rule (did you mean "public-access"?); rules are ${RULES.join(', ')}`,
      '5: Policy file: unknown key "reson" in exceptions[0] (did you mean "reason"?); allowed keys: rule, address, resource, reason, expires',
      '6: Policy file: exceptions[1] names both "address" and "resource"; keep exactly one of them',
      '9: Policy file: exceptions[1].reason must be a non-empty text saying why the finding is accepted; got the string ""',
      '10: Policy file: exceptions[1].expires must be a date written YYYY-MM-DD, e.g. 2027-03-31; got the string "2027-3-31"',
      '11: Policy file: exceptions[2] names no backend; add "address" (the URL exactly as in the spec) or "resource" (e.g. projects/p/locations/us-central1/services/s)',
      '13: Policy file: exceptions[2].expires "2027-02-30" is not a calendar date; write an existing day as YYYY-MM-DD',
      '16: Policy file: exceptions[3].reason must be a non-empty text saying why the finding is accepted; got the string "  "',
      '17: Policy file: exceptions[3].expires must be a date written YYYY-MM-DD, e.g. 2027-03-31; got 20270101',
      '19: Policy file: severity.audience-mismatch must be one of error, warning, notice, off; got the string "errror"',
      '20: Policy file: severity.iam-unreadable cannot be overridden: iam-unreadable findings are always errors (the gate fails closed; nothing in a pull request may lower them); remove this line',
      `21: Policy file: unknown rule "public" in severity; rules are ${RULES.join(', ')}`,
      '22: Policy file: projects[0] must be a project ID (6-30 lowercase letters, digits and hyphens, e.g. shop-prod); got the string "Shop_Prod"',
      '22: Policy file: projects lists the string "ok-project" twice; remove one',
      '24: Policy file: serviceAccounts["specs/a.yaml"] must be a service account email (NAME@PROJECT.iam.gserviceaccount.com); got the string "nope"',
    ],
  );
});

test('missing reason, unknown rule, malformed date, unknown key: each alone, at its line', () => {
  assert.deepEqual(problems('exceptions:\n  - rule: public-access\n    address: https://a\n'), [
    '2: Policy file: exceptions[0] has no "reason"; every exception needs one, e.g. reason: Public status page, reviewed in SEC-1042',
  ]);
  assert.deepEqual(problems('severity:\n  invalid-spec: off\n'), [
    '2: Policy file: severity.invalid-spec cannot be overridden: invalid-spec findings are always errors (the gate fails closed; nothing in a pull request may lower them); remove this line',
  ]);
  assert.deepEqual(problems('exceptions:\n  - rule: public-access\n    address: https://a\n    reason: r\n    expires: 31/03/2027\n'), [
    '5: Policy file: exceptions[0].expires must be a date written YYYY-MM-DD, e.g. 2027-03-31; got the string "31/03/2027"',
  ]);
  assert.deepEqual(problems('\n\nprojets: [a]\n'), [
    '3: Policy file: unknown key "projets" in the top level (did you mean "projects"?); allowed keys: exceptions, severity, projects, allowedProjects, serviceAccounts',
  ]);
  assert.deepEqual(problems('exceptions:\n  rule: public-access\n'), ['1: Policy file: exceptions must be a list (- rule: ...), got a mapping']);
});

test('not a mapping, bad YAML, duplicate keys', () => {
  assert.deepEqual(problems('- rule: x\n'), ['1: Policy file: it must be a mapping with keys such as exceptions: and severity:, got a list']);
  assert.match(problems('severity:\n  a: [\n')[0] ?? '', /^3: Policy file: invalid YAML/);
  assert.match(problems('projects: []\nprojects: []\n')[0] ?? '', /^2: Policy file: duplicate key "projects" \(first at line 1\)/);
});

test('the shipped schema file is generated from src/policy/schema.ts and lists every rule', async () => {
  assert.equal(await readFile(SCHEMA_FILE, 'utf8'), schemaText(), 'regenerate: node __tests__/policy/generate-schema.ts');
  assert.deepEqual(POLICY_SCHEMA.properties.exceptions.items.properties.rule.enum, [...RULES]);
  assert.deepEqual(Object.keys(POLICY_SCHEMA.properties.severity.properties), [...RULES]);
  const strict = new Ajv({ strict: true, strictRequired: false });
  assert.ok(strict.validateSchema(POLICY_SCHEMA));
  assert.match(POLICY_SCHEMA.properties.severity.description, /iam-unreadable, invalid-spec, invalid-plan are always errors and cannot be overridden/);
});

test('loadPolicy: missing default file, missing explicit file, invalid file, valid file', async () => {
  const workspace = await mkdtemp(path.join(tmpdir(), 'gg-policy-'));
  assert.deepEqual(await loadPolicy('.github/gateway-guard.yml', workspace, false), { policy: emptyPolicy(), findings: [] });

  const missing = await loadPolicy('policies/gate.yml', workspace, true);
  assert.deepEqual(missing.policy.exceptions, []);
  assert.equal(missing.findings.length, 1);
  assert.equal(missing.findings[0]?.rule, 'invalid-spec');
  assert.equal(missing.findings[0]?.file, 'policies/gate.yml');
  assert.match(missing.findings[0]?.message ?? '', /does not exist; create it or correct the path/);

  await mkdir(path.join(workspace, '.github'));
  await writeFile(path.join(workspace, FILE), 'severity:\n  public-access: maybe\n');
  const invalid = await loadPolicy(path.join(workspace, FILE), workspace, false);
  assert.deepEqual(invalid.findings.map((f) => [f.file, f.line]), [[FILE, 2]]);

  await writeFile(path.join(workspace, FILE), 'projects: [shop-prod]\n');
  assert.deepEqual(await loadPolicy(FILE, workspace, false), { policy: { ...emptyPolicy(FILE), projects: ['shop-prod'] }, findings: [] });

  const directory = await loadPolicy('.github', workspace, true);
  assert.match(directory.findings[0]?.message ?? '', /is a directory/);
});

test('exceptions match by rule + exact address or exact resource; the finding stays, as a notice with the reason', () => {
  const p = policy(`exceptions:
  - rule: public-access
    address: ${ORDERS}
    reason: Public status page
  - rule: missing-invoker
    resource: ${ORDERS_SERVICE}
    reason: Called by another gateway
    expires: 2027-03-31
`);
  const findings = [
    finding(),
    finding({ rule: 'missing-invoker' }),
    finding({ rule: 'auth-disabled' }),
    finding({ address: `${ORDERS}/`, resource: 'projects/proj/locations/us-central1/services/other' }),
  ];
  const applied = applyPolicy(findings, p, NOW);
  assert.deepEqual(applied.map((f) => f.exception), [
    { reason: 'Public status page' },
    { reason: 'Called by another gateway', expires: '2027-03-31' },
    undefined,
    undefined,
  ]);
  assert.deepEqual(findings.map((f) => f.exception), [undefined, undefined, undefined, undefined], 'pure: inputs untouched');
  const report = buildReport({ serviceAccount: 'gw', specFiles: ['openapi.yaml'], backends: [], findings: applied, failOn: 'error' });
  assert.deepEqual(report.counts, { errors: 2, warnings: 0, notices: 2 });
});

test('an expired exception no longer applies and is a warning at its line in the policy file', () => {
  const p = policy(`exceptions:
  - rule: public-access
    address: ${ORDERS}
    reason: Launch week only
    expires: 2027-03-30
  - rule: auth-disabled
    address: ${ORDERS}
    reason: Expired but matches nothing
    expires: 2020-01-01
`);
  const applied = applyPolicy([finding(), finding({ line: 40 })], p, NOW);
  assert.equal(applied.length, 3);
  assert.equal(applied[0]?.exception, undefined);
  assert.equal(applied[0]?.severity, 'error');
  assert.deepEqual(applied[2], {
    rule: 'public-access',
    severity: 'warning',
    message: `Exception for public-access on ${ORDERS} expired on 2027-03-30: the finding counts again. Fix the finding, or renew the exception with a later "expires" in ${FILE} (reason was: Launch week only).`,
    file: FILE,
    line: 2,
    address: ORDERS,
  });
  // The expiry day itself still counts (UTC).
  assert.ok(applyPolicy([finding()], p, new Date('2027-03-30T23:59:59Z'))[0]?.exception);
});

test('fail-closed rules: every severity override of them is refused at its line, whatever the value', () => {
  for (const rule of ['iam-unreadable', 'invalid-spec', 'invalid-plan']) {
    for (const value of ['off', 'notice', 'warning', 'error']) {
      assert.deepEqual(problems(`# c\nseverity:\n  public-access: warning\n  ${rule}: ${value}\n`), [
        `4: Policy file: severity.${rule} cannot be overridden: ${rule} findings are always errors (the gate fails closed; nothing in a pull request may lower them); remove this line`,
      ]);
    }
  }
});

test('fail-closed rules: an exception must name one exact resource, never an address', () => {
  for (const rule of ['iam-unreadable', 'invalid-spec', 'invalid-plan']) {
    assert.deepEqual(problems(`exceptions:\n  - rule: ${rule}\n    reason: cannot be read\n    address: ${ORDERS}\n`), [
      `4: Policy file: exceptions[0] excepts ${rule} by address; ${rule} is fail-closed (iam-unreadable, invalid-spec, invalid-plan), so an exception may cover it only for one exact "resource" (e.g. projects/p/locations/us-central1/services/s), never a whole address`,
    ]);
  }
  const p = policy(`exceptions:\n  - rule: iam-unreadable\n    resource: ${ORDERS_SERVICE}\n    reason: SEC-7, read access pending\n`);
  const [covered, other] = applyPolicy([finding({ rule: 'iam-unreadable' }), finding({ rule: 'iam-unreadable', resource: `${ORDERS_SERVICE}-2` })], p, NOW);
  assert.deepEqual(covered?.exception, { reason: 'SEC-7, read access pending' });
  assert.equal(other?.exception, undefined);
});

test('applyPolicy holds the fail-closed line for a policy built by hand: no override, no address exception', () => {
  const byHand: Policy = {
    ...emptyPolicy(FILE),
    severity: { 'iam-unreadable': 'notice', 'invalid-spec': 'warning', 'invalid-plan': 'off' },
    exceptions: [
      { rule: 'iam-unreadable', address: ORDERS, reason: 'r', line: 2 },
      { rule: 'invalid-spec', address: ORDERS, reason: 'r', line: 5 },
    ],
  };
  const applied = applyPolicy([finding({ rule: 'iam-unreadable' }), finding({ rule: 'invalid-spec' }), finding({ rule: 'invalid-plan' })], byHand, NOW);
  assert.deepEqual(applied.map((f) => `${f.rule}:${f.severity}:${f.exception ? 'excepted' : 'counts'}`), [
    'iam-unreadable:error:counts',
    'invalid-spec:error:counts',
    'invalid-plan:error:counts',
  ]);
});

test('severity overrides, and off (never for iam-unreadable or invalid-spec)', () => {
  const p: Policy = {
    ...emptyPolicy(FILE),
    // Built by hand: the schema refuses `off` for fail-closed rules, applyPolicy must hold the line too.
    severity: { 'audience-mismatch': 'warning', 'unsupported-backend': 'off', 'iam-unreadable': 'off', 'invalid-spec': 'off', 'conditional-grant': 'error' },
  };
  const applied = applyPolicy(
    [
      finding({ rule: 'audience-mismatch' }),
      finding({ rule: 'unsupported-backend', severity: 'warning' }),
      finding({ rule: 'iam-unreadable' }),
      finding({ rule: 'invalid-spec' }),
      finding({ rule: 'conditional-grant', severity: 'warning' }),
      finding({ rule: 'missing-invoker' }),
    ],
    p,
    NOW,
  );
  assert.deepEqual(applied.map((f) => `${f.rule}:${f.severity}`), [
    'audience-mismatch:warning',
    'iam-unreadable:error',
    'invalid-spec:error',
    'conditional-grant:error',
    'missing-invoker:error',
  ]);
});

test('an exception applies after a severity override; the empty policy changes nothing', () => {
  const p = policy(`severity:\n  public-access: warning\nexceptions:\n  - rule: public-access\n    address: ${ORDERS}\n    reason: ok\n`);
  const [f] = applyPolicy([finding()], p, NOW);
  assert.equal(f?.severity, 'warning');
  assert.deepEqual(f?.exception, { reason: 'ok' });
  const findings = [finding(), finding({ rule: 'iam-unreadable' })];
  assert.deepEqual(applyPolicy(findings, emptyPolicy(), NOW), findings);
});
