import type { IamCondition } from '../gcp/types.ts';

/** What can be known of a condition before deploy. */
export type ConditionVerdict =
  | { state: 'expired'; endsAt: string }
  | { state: 'conditional'; endsAt?: string; expiresSoon: boolean };

const DAY_MS = 86_400_000;
/** A time-bound grant that ends within this many days is called out as expiring. */
export const EXPIRY_WARNING_DAYS = 14;

const END_OF_GRANT = /request\.time\s*(<=?)\s*timestamp\(\s*["']([^"']+)["']\s*\)/g;

/**
 * Judges a condition at `now`. Only end times (`request.time < timestamp(...)`) joined by `&&` are
 * evaluated: a grant whose end has passed grants nothing; anything else stays conditional.
 */
export function judgeCondition(condition: IamCondition, now: Date): ConditionVerdict {
  const expression = condition.expression ?? '';
  const ends = [...expression.matchAll(END_OF_GRANT)].map((m) => Date.parse(m[2] ?? ''));
  const onlyConjunction = !/\|\|/.test(expression);
  const validEnds = ends.filter((t) => !Number.isNaN(t));
  if (validEnds.length === 0 || !onlyConjunction) return { state: 'conditional', expiresSoon: false };
  const end = Math.min(...validEnds);
  const endsAt = new Date(end).toISOString();
  if (end <= now.getTime()) return { state: 'expired', endsAt };
  return { state: 'conditional', endsAt, expiresSoon: end - now.getTime() <= EXPIRY_WARNING_DAYS * DAY_MS };
}
