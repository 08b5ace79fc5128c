import type { IamCondition } from '../gcp/types.ts';

/** What can be known of a condition before deploy. */
export type ConditionVerdict =
  | { state: 'expired'; endsAt: string }
  | { state: 'conditional'; endsAt?: string; expiresSoon: boolean };

const DAY_MS = 86_400_000;
/** A time-bound grant that ends within this many days is called out as expiring. */
export const EXPIRY_WARNING_DAYS = 14;

/** One clause `request.time < timestamp("…")` (or `<=`), nothing more. */
const END_CLAUSE = /^request\.time\s*<=?\s*timestamp\(\s*"([^"]+)"\s*\)$/;

/**
 * Judges a condition at `now`. Only the plainest shape is evaluated: clauses joined by `&&`, some of
 * them exactly `request.time < timestamp("…")`. Once such an end has passed the conjunction is false
 * whatever the other clauses say, so the grant is expired. Anything else (negation, `||`, arithmetic on
 * times, ternaries) stays conditional: a wrong "expired" would hide a live grant.
 */
export function judgeCondition(condition: IamCondition, now: Date): ConditionVerdict {
  const expression = (condition.expression ?? '').trim();
  if (/\|\||!(?!=)|\?|\bduration\(|[+-]/.test(expression.replace(/"[^"]*"/g, '""'))) return { state: 'conditional', expiresSoon: false };
  const ends = expression
    .split('&&')
    .map((clause) => END_CLAUSE.exec(stripParens(clause.trim()))?.[1])
    .filter((end): end is string => end !== undefined)
    .map((end) => Date.parse(end))
    .filter((time) => !Number.isNaN(time));
  if (ends.length === 0) return { state: 'conditional', expiresSoon: false };
  const end = Math.min(...ends);
  const endsAt = new Date(end).toISOString();
  if (end <= now.getTime()) return { state: 'expired', endsAt };
  return { state: 'conditional', endsAt, expiresSoon: end - now.getTime() <= EXPIRY_WARNING_DAYS * DAY_MS };
}

function stripParens(clause: string): string {
  let c = clause;
  while (c.startsWith('(') && c.endsWith(')')) c = c.slice(1, -1).trim();
  return c;
}
