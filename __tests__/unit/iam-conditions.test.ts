/** IAM Conditions as IAM evaluates them (issue 17): conformance-style tables for the evaluator. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { judgeCondition, usesTags, type ConditionBackend, type ConditionFacts, type ConditionVerdict } from '../../src/iam/conditions.ts';
import { extract, parseRfc3339 } from '../../src/iam/cel.ts';
import { whoHolds } from '../../src/iam/evaluate.ts';
import type { EffectiveTag } from '../../src/gcp/types.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const NOW = new Date('2026-12-05T17:00:00Z'); // a Saturday
const TAGS: EffectiveTag[] = [
  { namespacedTagKey: '1000/env', namespacedTagValue: '1000/env/staging', tagKey: 'tagKeys/11', tagValue: 'tagValues/12', inherited: true },
  { namespacedTagKey: 'shop-prod/team', namespacedTagValue: 'shop-prod/team/payments', tagKey: 'tagKeys/21', tagValue: 'tagValues/22', inherited: false },
];

function judge(expression: string, at: Date | string = NOW, facts: Partial<ConditionFacts> = {}): ConditionVerdict {
  return judgeCondition({ title: 't', expression }, { backend: 'cloud-run', tags: TAGS, ...facts }, typeof at === 'string' ? new Date(at) : at);
}

/** `true`/`false` of a condition with no time dependence, or the verdict's kind otherwise. */
function value(expression: string, at: Date | string = NOW, facts: Partial<ConditionFacts> = {}): boolean | string {
  const v = judge(expression, at, facts);
  if (v.holds === 'always') return true;
  if (v.holds === 'no' && v.evaluable) return false;
  return v.holds === 'no' ? 'error' : v.holds;
}

/** Runs `body` with the host's time zone set to each of several zones: results must not change. */
function inZones(body: () => void): void {
  const before = process.env.TZ;
  try {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Europe/Berlin']) {
      process.env.TZ = tz;
      body();
    }
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

test('the host time zone really changes between runs of inZones', () => {
  const offsets = new Set<number>();
  inZones(() => offsets.add(new Date('2026-07-01T00:00:00Z').getTimezoneOffset()));
  assert.ok(offsets.size >= 4, [...offsets].join());
});

const strings: Array<[string, boolean]> = [
  ['"abc" == \'abc\'', true],
  ['\'"\'.size() == 1', true],
  ['"\'".size() == 1', true],
  ['"a\\"b" == \'a"b\'', true],
  ["'a\\'b' == \"a'b\"", true],
  ['r"a\\nb".size() == 4', true],
  ["R'a\\'.size() == 2", true],
  ['"""a"b""" == \'a"b\'', true],
  ["'''x'y''' == \"x'y\"", true],
  ['"""line1\nline2""".size() == 11', true],
  ['"\\x41\\101\\u0041\\U00000041" == "AAAA"', true],
  ['"\\u00e9" == "é"', true],
  ['"\\t\\n".size() == 2', true],
  ['"||" == "||" && "&&" == "&&"', true],
  ['"a" + "b" == "ab"', true],
  ['"projects/p/services/orders".endsWith("/services/orders")', true],
  ['"projects/p/services/orders".startsWith("projects/q")', false],
  ['"a/b/c".extract("a/{x}/c") == "b"', true],
  ['"projects/p/buckets/b/objects/o".extract("/buckets/{name}/") == "b"', true],
  ['"nothing".extract("/buckets/{name}/") == ""', true],
  ['["a", "b"].hasOnly(["a", "b", "c"])', true],
  ['["a", "d"].hasOnly(["a", "b", "c"])', false],
  // Values of another type are not equal (a string "1" is not the int 1); numbers compare across types.
  ['[1].hasOnly(["1"])', false],
  ['["true"].hasOnly([true])', false],
  ['[1, 2u].hasOnly([2, 1.0])', true],
  ['[1, 2].exists(x, x == 2)', true],
];

test('strings in both quote kinds, raw and triple-quoted, with escapes; IAM string and list functions', () => {
  for (const [expression, expected] of strings) assert.equal(value(expression), expected, expression);
});

test('a quote inside a string never hides an operator (issue 16 item 7)', () => {
  assert.equal(value(`request.time < timestamp("2000-01-01T00:00:00Z") && '"'.size() == 1 || '"'.size() == 1`), true);
  assert.equal(value(`request.time < timestamp("2000-01-01T00:00:00Z") && "'".size() == 1 || "'".size() == 1`), true);
  assert.equal(value(`request.time < timestamp("2000-01-01T00:00:00Z") && r"\\" == r"\\" || true`), true);
  assert.equal(value(`request.time < timestamp("2000-01-01T00:00:00Z") && """ || """ == " || "`), false);
});

/** Instant, getter expression, expected value. */
const zoned: Array<[string, string, number]> = [
  ['2026-12-05T23:30:00Z', 'getHours("Europe/Berlin")', 0],
  ['2026-12-05T23:30:00Z', 'getDayOfMonth("Europe/Berlin")', 5], // 6 December, 0-based
  ['2026-12-05T23:30:00Z', 'getDate("Europe/Berlin")', 6],
  ['2026-12-05T23:30:00Z', 'getDayOfWeek("Europe/Berlin")', 0], // Sunday
  ['2026-12-05T23:30:00Z', 'getDayOfWeek()', 6], // Saturday in UTC
  ['2026-12-31T23:30:00Z', 'getFullYear("Europe/Berlin")', 2027],
  ['2026-12-31T23:30:00Z', 'getMonth("Europe/Berlin")', 0],
  ['2026-12-31T23:30:00Z', 'getDayOfYear("Europe/Berlin")', 0],
  ['2026-12-31T23:30:00Z', 'getDayOfYear()', 364],
  ['2024-12-31T12:00:00Z', 'getDayOfYear("UTC")', 365],
  ['2026-12-06T04:30:00Z', 'getDayOfMonth("America/New_York")', 4], // 23:30 on 5 December, 0-based
  ['2026-12-06T04:30:00Z', 'getHours("America/New_York")', 23],
  ['2026-12-05T20:00:00Z', 'getHours("+05:30")', 1],
  ['2026-12-05T20:00:00Z', 'getMinutes("+05:30")', 30],
  ['2026-12-05T20:00:00Z', 'getDate("+05:30")', 6],
  ['2026-12-05T02:00:00Z', 'getHours("-08:00")', 18],
  ['2026-12-05T02:00:00Z', 'getDayOfWeek("-08:00")', 5],
  ['2026-12-05T17:04:05.678Z', 'getHours()', 17],
  ['2026-12-05T17:04:05.678Z', 'getMinutes("UTC")', 4],
  ['2026-12-05T17:04:05.678Z', 'getSeconds("Asia/Kolkata")', 5],
  ['2026-12-05T17:04:05.678Z', 'getMilliseconds("Asia/Kolkata")', 678],
  ['2026-12-05T17:00:00Z', 'getHours("Asia/Kathmandu")', 22],
  ['2026-12-05T17:00:00Z', 'getMinutes("Asia/Kathmandu")', 45],
  // DST: Berlin springs forward at 01:00Z on 29 March 2026 (02:00 → 03:00) and falls back at 01:00Z on 25 October.
  ['2026-03-29T00:59:59Z', 'getHours("Europe/Berlin")', 1],
  ['2026-03-29T01:00:00Z', 'getHours("Europe/Berlin")', 3],
  ['2026-10-25T00:59:59Z', 'getHours("Europe/Berlin")', 2],
  ['2026-10-25T01:00:00Z', 'getHours("Europe/Berlin")', 2],
  ['2026-10-25T01:00:00Z', 'getMinutes("Europe/Berlin")', 0],
  // New York springs forward at 07:00Z on 8 March 2026.
  ['2026-03-08T06:59:59Z', 'getHours("America/New_York")', 1],
  ['2026-03-08T07:00:00Z', 'getHours("America/New_York")', 3],
  ['2026-03-08T04:30:00Z', 'getDayOfMonth("America/New_York")', 6],
  // Lord Howe moves by half an hour.
  ['2026-04-04T14:59:59Z', 'getHours("Australia/Lord_Howe")', 1],
  ['2026-04-04T15:00:00Z', 'getMinutes("Australia/Lord_Howe")', 30],
];

test('time-zone getters with zone names and offsets, across midnight and DST edges, whatever the host TZ', () => {
  inZones(() => {
    for (const [at, getter, expected] of zoned) {
      // Compared with a value, the getter is evaluated at `at`; true now only by the time, so `now`. The zone
      // in the text keeps each host zone's verdict apart from the evaluator's memory of earlier ones.
      const verdict = judge(`request.time.${getter} == ${expected} && "${process.env.TZ}" != ""`, at);
      assert.equal(verdict.holds, 'now', `${process.env.TZ}: ${getter} at ${at} should be ${expected}: ${JSON.stringify(verdict)}`);
    }
  });
});

test('an unknown time zone or a malformed offset cannot be evaluated: never grants', () => {
  assert.equal(value('request.time.getHours("Mars/Olympus") >= 0'), 'error');
  assert.equal(value('request.time.getHours("+25:00") >= 0'), 'error');
});

const timestamps: Array<[string, boolean | string]> = [
  ['timestamp("2026-01-01T00:00:00Z") < timestamp("2026-01-01T00:00:01Z")', true],
  ['timestamp("2026-01-01T01:00:00+01:00") == timestamp("2026-01-01T00:00:00Z")', true],
  ['timestamp("2026-01-01T00:00:00.5Z") > timestamp("2026-01-01T00:00:00Z")', true],
  ['timestamp("2024-02-29T00:00:00Z") < timestamp("2024-03-01T00:00:00Z")', true],
  ['timestamp("2026-01-01T00:00:00Z") + duration("3600s") == timestamp("2026-01-01T01:00:00Z")', true],
  ['timestamp("2026-01-01T00:00:00Z") - timestamp("2025-12-31T00:00:00Z") == duration("86400s")', true],
  ['date("2026-01-02") == timestamp("2026-01-02T00:00:00Z")', true],
  ['timestamp("2026-13-01T00:00:00Z") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['timestamp("2026-02-30T00:00:00Z") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['timestamp("2025-02-29T00:00:00Z") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['timestamp("2026-01-01") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['timestamp("2026-01-01T24:00:00Z") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['timestamp("tomorrow") < timestamp("2027-01-01T00:00:00Z")', 'error'],
  ['date("2026-02-30") < timestamp("2027-01-01T00:00:00Z")', 'error'],
];

test('timestamps are strict RFC 3339; an invalid one never grants', () => {
  for (const [expression, expected] of timestamps) assert.equal(value(expression), expected, expression);
  assert.equal(parseRfc3339('2026-01-01T00:00:00-05:30'), Date.parse('2026-01-01T05:30:00Z'));
  assert.equal(parseRfc3339('2026-02-29T00:00:00Z'), undefined);
  assert.equal(value('request.time < timestamp("2099-02-30T00:00:00Z")'), 'error');
});

test('attributes per backend kind: resource.name never provided; resource.type/service only for IAP; errors absorbed by || and &&', () => {
  const cases: Array<[string, ConditionBackend, boolean | string]> = [
    ['resource.name.endsWith("/services/orders")', 'cloud-run', 'error'],
    ['resource.name.endsWith("/functions/f")', 'cloud-functions', 'error'],
    ['resource.name.startsWith("projects/")', 'app-engine', 'error'],
    ['resource.type == "run.googleapis.com/Service"', 'cloud-run', 'error'],
    ['resource.service == "iap.googleapis.com"', 'app-engine', true],
    ['resource.type == "iap.googleapis.com/WebServiceVersion"', 'app-engine', true],
    ['resource.name.endsWith("x") || true', 'cloud-run', true],
    ['resource.name.endsWith("x") && false', 'cloud-run', false],
    ['false || resource.name.endsWith("x")', 'cloud-run', 'error'],
    ['!resource.name.endsWith("x")', 'cloud-run', 'error'],
    ['resource.name.endsWith("x") ? true : true', 'cloud-run', 'error'],
    ['request.path.startsWith("/admin")', 'cloud-run', 'error'],
    ['request.path.startsWith("/admin")', 'app-engine', 'per-request'],
    ['request.host == "a.example.com" || resource.name == "x"', 'app-engine', 'per-request'],
    ['request.host == "a.example.com" && resource.name == "x"', 'app-engine', 'error'],
    ['api.getAttribute("x", "") == "y"', 'cloud-run', 'error'],
    ['unknownVariable', 'cloud-run', 'error'],
    ['"not a boolean"', 'cloud-run', 'error'],
  ];
  for (const [expression, backend, expected] of cases) assert.equal(value(expression, NOW, { backend }), expected, `${backend}: ${expression}`);
  // The SPEC's example: the resource.type part never holds on Cloud Run, the time part grants (until its end).
  assert.equal(value('resource.type != "x" || request.time < timestamp("2099-01-01T00:00:00Z")'), 'now');
});

test('the message of a condition on resource.name teaches what to do', () => {
  const v = judge('resource.name.endsWith("/services/orders")');
  assert.equal(v.holds, 'no');
  assert.match(v.holds === 'no' ? v.why : '', /`resource\.name` is not provided by IAM for Cloud Run services, so `resource\.name\.endsWith\("\/services\/orders"\)` never holds: grant on the resource itself, or use a tag condition/);
});

test('tags: matchTag, matchTagId, hasTagKey, hasTagKeyId on effective tags; messages name the value and inheritance', () => {
  assert.equal(value('resource.matchTag("1000/env", "staging")'), true);
  assert.equal(value('resource.matchTag("1000/env", "prod")'), false);
  assert.equal(value("resource.matchTag('shop-prod/team', 'payments')"), true);
  assert.equal(value('resource.matchTagId("tagKeys/11", "tagValues/12")'), true);
  assert.equal(value('resource.matchTagId("tagKeys/11", "tagValues/99")'), false);
  assert.equal(value('resource.hasTagKey("1000/env")'), true);
  assert.equal(value('resource.hasTagKey("1000/other")'), false);
  assert.equal(value('resource.hasTagKeyId("tagKeys/21")'), true);
  assert.equal(value('resource.hasTagKeyId("tagKeys/99")'), false);
  assert.equal(value('resource.matchTag("1000/env", "prod")', NOW, { tags: [] }), false);
  const v = judge('resource.matchTag("1000/env", "prod")');
  assert.match(v.holds === 'no' ? v.why : '', /effective tag 1000\/env=staging \(inherited from an ancestor/);
  assert.equal(judge('resource.matchTag("1000/env", "prod")', NOW, { tags: { error: 'denied' } }).holds, 'unreadable');
  assert.equal(judge('resource.matchTag("1000/env", "prod")', NOW, { tags: undefined }).holds, 'unreadable');
  // A tag part that is false decides an && whatever the other part; unreadable tags do not decide a true ||.
  assert.equal(value('true || resource.matchTag("1000/env", "prod")', NOW, { tags: { error: 'denied' } }), true);
  assert.equal(usesTags({ expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' }), false);
  assert.equal(usesTags({ expression: 'resource.hasTagKey("1/x") || true' }), true);
  assert.equal(usesTags({ expression: '"resource.matchTag(1)" == ""' }), false);
});

test('time: an end date grants with its end; a schedule says when it is next false; false now never grants', () => {
  const soon = judge('request.time < timestamp("2026-12-10T00:00:00Z")');
  assert.deepEqual(soon.holds === 'now' ? [soon.endsAt, soon.endsSoon] : soon, ['2026-12-10T00:00:00.000Z', true]);
  const later = judge('request.time < timestamp("2027-06-01T00:00:00Z")');
  assert.deepEqual(later.holds === 'now' ? [later.endsAt, later.endsSoon] : later, ['2027-06-01T00:00:00.000Z', false]);
  const computed = judge('request.time < timestamp("2026-12-01T00:00:00Z") + duration("864000s")');
  assert.equal(computed.holds === 'now' ? computed.endsAt : '', '2026-12-11T00:00:00.000Z');
  const hours = judge('request.time.getHours("Europe/Berlin") >= 8 && request.time.getHours("Europe/Berlin") < 20');
  assert.equal(hours.holds, 'now');
  assert.match(hours.holds === 'now' ? hours.schedule : '', /next false from 2026-12-05T19:00:00\.000Z .* until 2026-12-06T07:00:00\.000Z/);
  const WEEKDAYS = 'request.time.getDayOfWeek("Europe/Berlin") >= 1 && request.time.getDayOfWeek("Europe/Berlin") <= 5';
  const weekdays = judge(WEEKDAYS, '2026-12-04T12:00:00Z'); // a Friday
  assert.match(weekdays.holds === 'now' ? weekdays.schedule : '', /next false from 2026-12-04T23:00:00\.000Z .* until 2026-12-06T23:00:00\.000Z/);
  assert.equal(value(WEEKDAYS), false); // a Saturday
  assert.equal(value('request.time < timestamp("2020-01-01T00:00:00Z")'), false);
  assert.equal(value('request.time > timestamp("2027-01-01T00:00:00Z")'), false);
  // Started in the past, no end: still depends on the time (never a plain pass).
  assert.equal(value('request.time > timestamp("2020-01-01T00:00:00Z")'), 'now');
  // The time part does not matter when another part holds by itself.
  assert.equal(value('resource.matchTag("1000/env", "staging") || request.time < timestamp("2020-01-01T00:00:00Z")'), true);
  assert.equal(value('resource.matchTag("1000/env", "staging") || request.time < timestamp("2030-01-01T00:00:00Z")'), true);
  assert.equal(value('request.time < timestamp("2020-01-01T00:00:00Z") || resource.name.endsWith("/services/billing")'), 'error');
});

test('hostile conditions are refused quickly and never grant', () => {
  const started = Date.now();
  // Beyond this checker's limits: unknown (iam-unreadable), never "does not grant", which would drop a public grant.
  assert.equal(value(`${'('.repeat(3000)}true${')'.repeat(3000)}`), 'unreadable');
  assert.equal(value(`true ${'&& true '.repeat(2000)}`), 'unreadable'); // longer than IAM's 12,800 characters
  assert.equal(value('[1,2].all(a, [1,2].all(b, [1,2].all(c, true)))'), 'unreadable');
  assert.equal(value(`1 ${'+ 1 '.repeat(600)}> 0`), 'unreadable');
  assert.equal(value('[1,2].all(a, [1,2].all(b, true))'), true);
  assert.equal(value(''), 'error');
  const many = judge(Array.from({ length: 400 }, (_, i) => `resource.name == "s${i}"`).join(' || '));
  assert.equal(many.holds, 'no');
  assert.ok(many.holds === 'no' && many.why.length < 1500 && /and 397 more parts/.test(many.why), JSON.stringify(many).slice(0, 300));
  assert.equal(value('request.time <'), 'error');
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('extract needs exactly one {name}', () => {
  assert.equal(extract('a/b/c', 'a/{x}/c'), 'b');
  assert.equal(extract('a/b', 'a/{x}'), 'b');
  assert.throws(() => extract('a', 'a'));
  assert.throws(() => extract('a', '{x}{y}'));
});

/** Conditions made only of request.time comparisons, combined with &&, || and !. */
const timeOnly: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(fc.constantFrom('<', '<=', '>', '>=', '==', '!='), fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }))
      .map(([op, d]) => `request.time ${op} timestamp("${d.toISOString()}")`),
    fc
      .tuple(
        fc.constantFrom('getHours', 'getDayOfWeek', 'getDayOfMonth', 'getMonth', 'getMinutes'),
        fc.constantFrom('', '"Europe/Berlin"', '"America/New_York"', '"+05:30"', '"UTC"'),
        fc.constantFrom('<', '<=', '>', '>=', '==', '!='),
        fc.integer({ min: 0, max: 30 }),
      )
      .map(([getter, zone, op, n]) => `request.time.${getter}(${zone}) ${op} ${n}`),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a} && ${b})`),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a} || ${b})`),
    tie('node').map((a) => `!(${a})`),
  ),
})).node;

test('property: a condition made only of request.time comparisons is never a plain pass', () => {
  const SA = 'gw@p.iam.gserviceaccount.com';
  fc.assert(
    fc.property(timeOnly, fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }), (expression, now) => {
      assert.notEqual(judgeCondition({ expression }, { backend: 'cloud-run' }, now).holds, 'always', expression);
      const answer = whoHolds(
        'run.routes.invoke',
        SA,
        {
          policies: [{ resource: 'r', level: 'resource', policy: { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`], condition: { expression } }] } }],
          roles: new Map([['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }]]),
        },
        now,
      );
      assert.equal(answer.direct.length, 0, expression);
      assert.equal(answer.conditional.length + answer.refused.length, 1, expression);
    }),
    { numRuns: 80 },
  );
});
