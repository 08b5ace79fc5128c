/** Conditions at this checker's limits (an audit after issue 17): unknown, never a dropped public grant; time-bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeCondition } from '../../src/iam/conditions.ts';
import { whoHolds } from '../../src/iam/evaluate.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const SA = 'gw@p.iam.gserviceaccount.com';
const NOW = new Date('2026-12-05T17:00:00Z');
const list = (n: number): string => `[${Array(n).fill('0').join(',')}]`;

function publicUnder(expression: string) {
  return whoHolds(
    'run.routes.invoke',
    SA,
    {
      policies: [
        {
          resource: 'r',
          level: 'resource',
          policy: { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }, { role: 'roles/run.invoker', members: ['allUsers'], condition: { expression } }] },
        },
      ],
      roles: new Map([['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }]]),
    },
    NOW,
  );
}

test('a public grant under a condition beyond the checker (nested macros, too long) is unknown, not dropped', () => {
  for (const expression of ['[1].all(a, [1].all(b, [1].all(c, true)))', `true ${'&& true '.repeat(2000)}`]) {
    const answer = publicUnder(expression);
    assert.equal(answer.public.length, 0, expression);
    assert.equal(answer.unknownForPublic.length, 1, expression);
    assert.match(answer.unknownForPublic[0] ?? '', /could not be evaluated here/);
  }
});

test('a costly time-bound condition is judged within a time budget: conditional, its schedule not worked out', () => {
  const started = performance.now();
  const expression = `${list(300)}.all(x, ${list(300)}.all(y, request.time < timestamp("2099-01-01T00:00:00Z")))`;
  const verdict = judgeCondition({ expression }, { backend: 'cloud-run' }, NOW);
  assert.equal(verdict.holds, 'now');
  assert.match(verdict.holds === 'now' ? verdict.schedule : '', /too costly to evaluate/);
  assert.ok(performance.now() - started < 8000, `took ${Math.round(performance.now() - started)} ms`);
});

test('a costly public grant false now but true later is public-access, found within the time budget', () => {
  const started = performance.now();
  const answer = publicUnder(`${list(300)}.all(x, ${list(300)}.all(y, request.time > timestamp("2027-06-01T00:00:00Z")))`);
  assert.equal(answer.public.length, 1);
  assert.match(answer.public[0]?.schedule ?? '', /false now, but holds from 2027-06-01T00:00:00\.001Z/);
  assert.ok(performance.now() - started < 8000, `took ${Math.round(performance.now() - started)} ms`);
});

test('a costly public grant false now is unknown (iam-unreadable) when its future cannot be probed in time', () => {
  const started = performance.now();
  // Every probe runs 90,000 iterations: the two years of probes do not fit in the budget.
  const answer = publicUnder(`${list(300)}.all(x, ${list(300)}.all(y, request.time.getHours("UTC") >= 0)) && request.time > timestamp("2028-06-01T00:00:00Z")`);
  assert.equal(answer.public.length, 0);
  assert.match(answer.unknownForPublic.join(' '), /too costly to evaluate to tell whether it holds later/);
  assert.ok(performance.now() - started < 8000, `took ${Math.round(performance.now() - started)} ms`);
});

test('a public grant that holds only some minutes, seconds or milliseconds, false now, is public', () => {
  const at = (minute: number, second: number, ms: number) => new Date(Date.UTC(2026, 11, 5, 17, minute, second, ms));
  for (const [expression, now] of [
    ['request.time.getMinutes() == 30', at(0, 0, 0)],
    ['request.time.getSeconds() == 7', at(0, 0, 0)],
    ['request.time.getMilliseconds() == 500', at(0, 0, 0)],
  ] as Array<[string, Date]>) {
    const answer = whoHolds(
      'run.routes.invoke',
      SA,
      {
        policies: [{ resource: 'r', level: 'resource', policy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'], condition: { expression } }] } }],
        roles: new Map([['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }]]),
      },
      now,
    );
    assert.equal(answer.public.length, 1, expression);
  }
});

test('a public grant at one minute of one hour (false now, between the probes) is public; one that ended is not', () => {
  const publicNow = (expression: string, now: Date) =>
    whoHolds(
      'run.routes.invoke',
      SA,
      {
        policies: [{ resource: 'r', level: 'resource', policy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'], condition: { expression } }] } }],
        roles: new Map([['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }]]),
      },
      now,
    ).public;
  const at0405 = new Date('2026-12-05T04:05:00Z');
  const daily = publicNow('request.time.getHours("UTC") == 3 && request.time.getMinutes() == 30', at0405);
  assert.equal(daily.length, 1);
  assert.match(daily[0]?.schedule ?? '', /may hold at other times/);
  assert.equal(publicNow('int(request.time) % 86400 == 12600', at0405).length, 1);
  assert.equal(publicNow('request.time < timestamp("2020-01-01T00:00:00Z")', at0405).length, 0);
});

test('a grant true now but false one second a minute is conditional with that schedule, not "true for two years"', () => {
  const verdict = judgeCondition({ expression: 'request.time.getSeconds() != 7' }, { backend: 'cloud-run' }, new Date('2026-12-05T17:00:00Z'));
  assert.equal(verdict.holds, 'now');
  assert.match(verdict.holds === 'now' ? verdict.schedule : '', /next false from 2026-12-05T17:00:07\.000Z .* until 2026-12-05T17:00:08\.000Z/);
});

test('timestamp(int) counts Unix seconds, as CEL defines it (the engine read milliseconds: 1970, so "true now")', () => {
  const start = judgeCondition({ expression: 'request.time > timestamp(1830297600)' }, { backend: 'cloud-run' }, NOW); // 2028-01-01
  assert.equal(start.holds, 'no');
  const end = judgeCondition({ expression: 'request.time < timestamp(1830297600)' }, { backend: 'cloud-run' }, NOW);
  assert.equal(end.holds, 'now');
  assert.match(end.holds === 'now' ? end.schedule : '', /It ends at 2028-01-01T00:00:00\.000Z/);
  const hour = publicUnder('request.time > timestamp(1830297600) && request.time < timestamp(1830301200)');
  assert.match(hour.public[0]?.schedule ?? '', /holds from 2028-01-01T00:00:00\.001Z/);
});
