/**
 * The CEL engine (`@bufbuild/cel`) set up as IAM Conditions evaluate: IAM's extra functions (`date`,
 * `extract`, `hasOnly`, the tag functions of `resource`), strict RFC 3339 timestamps, and time-zone
 * getters computed without the host's time zone. Pure: tags are passed in for each evaluation.
 */
import { celEnv, celFunc, celMethod, CelScalar, isCelError, isCelList, isCelUint, listType, mapType, objectType, parse, plan } from '@bufbuild/cel';
import { TimestampSchema, timestampFromMs, timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { EffectiveTag } from '../gcp/types.ts';

/** A parsed CEL expression (node of the AST). */
export type CelExpr = ReturnType<typeof parse>['expr'];

const { STRING, INT, BOOL, DYN } = CelScalar;
const TIMESTAMP = objectType(TimestampSchema);
const RESOURCE = mapType(STRING, DYN);

/** Tags of the evaluation in progress (evaluation is synchronous, so one slot is enough). */
let currentTags: EffectiveTag[] | undefined;

function tags(): EffectiveTag[] {
  if (!currentTags) throw new Error('the resource tags are not available');
  return currentTags;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an RFC 3339 time, or undefined when it is not one (e.g. month 13, February 30). */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[8] as string;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offset = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, fraction);
  return utc.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2001, month, 0)).getUTCDate() + (month === 2 && isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function strictTimestamp(text: string): Timestamp {
  const ms = parseRfc3339(text);
  if (ms === undefined) throw new Error(`invalid timestamp "${text}": not an RFC 3339 time such as 2030-01-01T00:00:00Z`);
  return timestampFromMs(ms);
}

/** IAM's `date("YYYY-MM-DD")`: midnight UTC of that day. */
function dateOf(text: string): Timestamp {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseRfc3339(`${text}T00:00:00Z`) : undefined;
  if (ms === undefined) throw new Error(`invalid date "${text}": expected YYYY-MM-DD`);
  return timestampFromMs(ms);
}

/** Calendar fields of an instant in a time zone (IANA name, `UTC`, or an offset `+05:30`), host-independent. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new Error(`unknown time zone "${zone}"`);
    }
    if (formatters.size < 200) formatters.set(zone, f);
  }
  return f;
}

function fieldsIn(ms: number, zone: string | undefined): Fields {
  const offset = zone === undefined ? 0 : /^[+-]\d{2}:\d{2}$/.test(zone) ? offsetMs(zone) : undefined;
  if (offset !== undefined) {
    const d = new Date(ms + offset);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds() };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(zone as string).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = Number(parts.year) * (parts.era === 'BC' || parts.era === 'B' ? -1 : 1);
  return {
    year,
    month: Number(parts.month) - 1,
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    ms: ((ms % 1000) + 1000) % 1000,
  };
}

function offsetMs(zone: string): number {
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) throw new Error(`invalid time zone offset "${zone}"`);
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

function utcDay(f: Fields): Date {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month, f.day);
  return d;
}

const GETTERS: Record<string, (f: Fields) => number> = {
  getFullYear: (f) => f.year,
  getMonth: (f) => f.month,
  getDate: (f) => f.day,
  getDayOfMonth: (f) => f.day - 1,
  getDayOfWeek: (f) => utcDay(f).getUTCDay(),
  getDayOfYear: (f) => {
    const jan1 = new Date(0);
    jan1.setUTCFullYear(f.year, 0, 1);
    return Math.round((utcDay(f).getTime() - jan1.getTime()) / 86_400_000);
  },
  getHours: (f) => f.hour,
  getMinutes: (f) => f.minute,
  getSeconds: (f) => f.second,
  getMilliseconds: (f) => f.ms,
};

/** IAM's `extract`: the part of `text` matched by the one `{name}` of `template`, or "" when it does not match. */
export function extract(text: string, template: string): string {
  const open = template.indexOf('{');
  const close = template.indexOf('}', open);
  if (open < 0 || close < 0 || template.indexOf('{', open + 1) >= 0) throw new Error(`extract template "${template}" must hold exactly one {name}`);
  const prefix = template.slice(0, open);
  const suffix = template.slice(close + 1);
  const start = text.indexOf(prefix);
  if (start < 0) return '';
  const from = start + prefix.length;
  if (suffix === '') return text.slice(from);
  const end = text.indexOf(suffix, from);
  return end < 0 ? '' : text.slice(from, end);
}

/** A key equal for equal CEL scalars (numbers across int, uint and double, as CEL compares them), distinct across types. */
function scalarKey(v: unknown): string {
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (typeof v === 'bigint') return `n:${v}`;
  if (isCelUint(v)) return `n:${v.value}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `n:${BigInt(v)}` : `d:${v}`;
  throw new Error('hasOnly compares strings, numbers and booleans only');
}

const FUNCS = [
  celFunc('timestamp', [STRING], TIMESTAMP, strictTimestamp),
  // CEL's timestamp(int) counts Unix seconds (the engine's own overload reads milliseconds).
  celFunc('timestamp', [INT], TIMESTAMP, (seconds) => {
    if (seconds < -62135596800n || seconds > 253402300799n) throw new Error(`timestamp(${seconds}) is out of range`);
    return timestampFromMs(Number(seconds) * 1000);
  }),
  celFunc('date', [STRING], TIMESTAMP, dateOf),
  celMethod('extract', STRING, [STRING], STRING, function (template) {
    return extract(this, template);
  }),
  celMethod('hasOnly', listType(DYN), [listType(DYN)], BOOL, function (allowed) {
    if (!isCelList(this) || !isCelList(allowed)) throw new Error('hasOnly needs lists');
    const ok = new Set([...allowed].map(scalarKey));
    return [...this].every((v) => ok.has(scalarKey(v)));
  }),
  celMethod('matchTag', RESOURCE, [STRING, STRING], BOOL, (key, value) => tags().some((t) => t.namespacedTagKey === key && t.namespacedTagValue === `${key}/${value}`)),
  celMethod('matchTagId', RESOURCE, [STRING, STRING], BOOL, (key, value) => tags().some((t) => t.tagKey === key && t.tagValue === value)),
  celMethod('hasTagKey', RESOURCE, [STRING], BOOL, (key) => tags().some((t) => t.namespacedTagKey === key)),
  celMethod('hasTagKeyId', RESOURCE, [STRING], BOOL, (key) => tags().some((t) => t.tagKey === key)),
  ...Object.entries(GETTERS).flatMap(([name, get]) => [
    celMethod(name, TIMESTAMP, [], INT, function () {
      return BigInt(get(fieldsIn(Number(timestampMs(this.message as Timestamp)), undefined)));
    }),
    celMethod(name, TIMESTAMP, [STRING], INT, function (zone) {
      return BigInt(get(fieldsIn(Number(timestampMs(this.message as Timestamp)), zone)));
    }),
  ]),
];

/** The names of IAM's tag functions (called on `resource`). */
export const TAG_FUNCTIONS = new Set(['matchTag', 'matchTagId', 'hasTagKey', 'hasTagKeyId']);

export { unparse } from '@bufbuild/cel';

let env: ReturnType<typeof celEnv> | undefined;

/** Parses a condition expression; throws with the parser's message when it is not CEL. */
export function parseCel(expression: string): CelExpr {
  return parse(expression).expr;
}

/** What a compiled sub-expression needs: the time of the request and the resource's attributes and tags. */
export interface CelInputs {
  time?: number;
  resource: Record<string, string>;
  tags?: EffectiveTag[];
}

/** The outcome of one evaluation: a value, or an error message. */
export type CelOutcome = { value: unknown } | { error: string };

/** Compiles an AST node once; the result evaluates it for given inputs, never throwing. */
export function compile(expr: CelExpr): (inputs: CelInputs) => CelOutcome {
  env ??= celEnv({ funcs: FUNCS });
  let run: ReturnType<typeof plan>;
  try {
    run = plan(env, expr);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return () => ({ error });
  }
  return (inputs) => {
    const request = new Map<string, unknown>();
    if (inputs.time !== undefined) request.set('time', timestampFromMs(inputs.time));
    currentTags = inputs.tags;
    try {
      const result = run({ request, resource: new Map(Object.entries(inputs.resource)) } as never);
      return isCelError(result) ? { error: result.message } : { value: result };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    } finally {
      currentTags = undefined;
    }
  };
}
