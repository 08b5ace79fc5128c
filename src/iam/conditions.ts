/**
 * IAM Conditions judged as IAM evaluates them (SPEC "IAM conditions"): a real CEL engine for each
 * part, IAM's rules for attributes a resource does not provide (the part errs, and an error decides
 * nothing unless `||`/`&&` absorbs it), `request.time` as the time of the check, and effective tags.
 * Pure: facts in, verdict out.
 */
import type { EffectiveTag, IamCondition } from '../gcp/types.ts';
import type { CelExpr, CelInputs } from './cel.ts';
import { celEngine } from './cel-engine.ts';

/** A time-bound grant that ends within this many days is called out first. */
export const EXPIRY_WARNING_DAYS = 14;

/** The kind of resource the condition is evaluated for (what IAM provides differs). */
export type ConditionBackend = 'cloud-run' | 'cloud-functions' | 'app-engine';

/** What IAM knows of the resource when it evaluates a condition on it. */
export interface ConditionFacts {
  backend: ConditionBackend;
  /** Effective tags when read; `{ error }` when they could not be; absent when not read. */
  tags?: EffectiveTag[] | { error: string };
}

/** What a condition does at the time of the check. */
export type ConditionVerdict =
  /** True, and not because of the time of the call. */
  | { holds: 'always' }
  /** True now only by way of `request.time`: `schedule` says until when, or when it is false. */
  | { holds: 'now'; schedule: string; endsAt?: string; endsSoon: boolean }
  /** Decided by each request's own attributes (IAP path, host, access levels). */
  | { holds: 'per-request'; why: string }
  /** False now (`evaluable`), or cannot be evaluated for this resource (an error: never grants). */
  | { holds: 'no'; why: string; evaluable: boolean }
  /** Needs facts (tags) that could not be read, or is beyond what this checker evaluates (size, nesting): unknown. */
  | { holds: 'unreadable'; why: string };

/** IAM's limit on a condition expression; anything longer (e.g. from a plan) is not evaluated. */
const MAX_EXPRESSION = 12_800;
/** Nested comprehensions (`all`, `exists`, `map`...) allowed: deeper nesting could take unbounded time. */
const MAX_COMPREHENSION_DEPTH = 2;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const KIND_NAMES: Record<ConditionBackend, string> = {
  'cloud-run': 'Cloud Run services',
  'cloud-functions': 'Cloud Functions',
  'app-engine': 'App Engine behind IAP',
};

/** Attributes IAM provides on `resource` for IAP App Engine; other kinds provide none but tags. */
const IAP_RESOURCE = { type: 'iap.googleapis.com/WebServiceVersion', service: 'iap.googleapis.com' };
/** Request attributes IAP decides per call. */
const PER_REQUEST = new Set(['path', 'host', 'auth']);

type Value =
  | { v: 'T' }
  | { v: 'F'; notes: string[] }
  | { v: 'E'; notes: string[] }
  | { v: 'U'; sources: Set<'request' | 'tags' | 'time'>; notes: string[] };

/** A part of the condition that the engine evaluates, with what it reads. */
interface Leaf {
  expr: CelExpr;
  text: string;
  usesTime: boolean;
  usesTags: boolean;
  tagKeys: string[];
  /** Attributes it reads that the resource does not provide (never grants), e.g. `resource.name`. */
  unprovided: string[];
  perRequest: boolean;
  run: (inputs: CelInputs) => { value: unknown } | { error: string };
}

type Node = { op: 'and' | 'or'; args: Node[] } | { op: 'not'; arg: Node } | { op: 'cond'; test: Node; then: Node; else: Node } | { op: 'leaf'; leaf: Leaf };

interface Compiled {
  root?: Node;
  error?: string;
  /** The error is a limit of this checker (size, nesting), not of IAM: whether it holds is unknown. */
  limit?: boolean;
  usesTime: boolean;
  usesTags: boolean;
  /** Instants the condition's timestamp literals name. */
  instants: number[];
  /**
   * Time is read only as `request.time` compared with a `timestamp`/`date` literal: the result can change
   * only at those instants, so probing around them is exact. Otherwise (getters, durations, arithmetic)
   * it may change at instants no probe hits.
   */
  exactTime: boolean;
  /** Finer steps worth probing, from the getters it calls: getMilliseconds, getSeconds, getMinutes. */
  fine: Fine;
}

const compiledCache = new Map<string, Map<ConditionBackend, Compiled>>();

/** Whether evaluating the condition needs the resource's tags (so they must be read). */
export function usesTags(condition: IamCondition | undefined): boolean {
  if (!condition?.expression) return false;
  return compiled(condition.expression, 'cloud-run').usesTags;
}

const verdicts = new Map<string, ConditionVerdict>();

/** Judges a condition for a resource of `facts.backend` at `now`. Pure and host-time-zone independent. */
export function judgeCondition(condition: IamCondition, facts: ConditionFacts, now: Date): ConditionVerdict {
  // The same binding is judged for every backend of a project: remember the answer for the same facts.
  const key = JSON.stringify([condition.title, condition.expression, facts.backend, facts.tags, now.getTime()]);
  let verdict = verdicts.get(key);
  if (!verdict) {
    if (verdicts.size > 1000) verdicts.clear();
    verdicts.set(key, (verdict = judgeNow(condition, facts, now)));
  }
  return verdict;
}

function judgeNow(condition: IamCondition, facts: ConditionFacts, now: Date): ConditionVerdict {
  const c = compiled(condition.expression ?? '', facts.backend);
  const shown = show(condition);
  // A limit of this checker says nothing of IAM's verdict: unknown (fail closed), never "does not grant".
  if (!c.root && c.limit) return { holds: 'unreadable', why: `the condition ${shown} could not be evaluated here (${c.error})` };
  if (!c.root) return { holds: 'no', evaluable: false, why: `the condition ${shown} cannot be evaluated (${c.error})` };
  const root = c.root;
  const tags = Array.isArray(facts.tags) ? facts.tags : undefined;
  const tagError = facts.tags && !Array.isArray(facts.tags) ? facts.tags.error : undefined;
  const at = (time: number | undefined): Value => evaluate(root, { time, tags, backend: facts.backend, tagError });
  const current = at(now.getTime());
  switch (current.v) {
    case 'T': {
      if (!c.usesTime || at(undefined).v === 'T') return { holds: 'always' };
      return { holds: 'now', ...schedule(at, now.getTime(), c.instants, c.fine) };
    }
    case 'F':
      return { holds: 'no', evaluable: true, why: `the condition ${shown} is false${explain(current.notes)}` };
    case 'E':
      return { holds: 'no', evaluable: false, why: `the condition ${shown} cannot be evaluated for this resource${explain(current.notes)}` };
    case 'U':
      if (current.sources.has('tags')) return { holds: 'unreadable', why: `the condition ${shown} needs the resource's tags, which could not be read: ${tagError ?? 'not read'}` };
      return { holds: 'per-request', why: `the condition ${shown} is decided by each request's own attributes${explain(current.notes)}` };
  }
}

/**
 * For a condition false now by way of `request.time`: the first instant, within the probes of the
 * schedule (two years), at which it holds; `maybe` when no probe hit one but the time is read in a way
 * that may hold between probes; `unknown` over the time budget; undefined when it never holds again. A
 * public grant that holds later (a start date, a time of day) opens the backend to anyone then.
 */
export function holdsLater(condition: IamCondition, facts: ConditionFacts, now: Date): { from: string } | { maybe: true } | { unknown: string } | undefined {
  const c = compiled(condition.expression ?? '', facts.backend);
  if (!c.root || !c.usesTime) return undefined;
  const root = c.root;
  const tags = Array.isArray(facts.tags) ? facts.tags : undefined;
  const tagError = facts.tags && !Array.isArray(facts.tags) ? facts.tags.error : undefined;
  const holds = budgeted((time) => evaluate(root, { time, tags, backend: facts.backend, tagError }).v === 'T');
  let last = now.getTime();
  try {
    for (const t of probeTimes(now.getTime(), c.instants, c.fine)) {
      if (holds(t)) return { from: new Date(narrowWithin(holds, last, t)).toISOString() };
      last = t;
    }
  } catch (err) {
    if (err !== OVER_BUDGET) throw err;
    return { unknown: `the condition ${show(condition)} is false now, and too costly to evaluate to tell whether it holds later` };
  }
  // Not found by probing, but the time is read in a way (a time of day, a duration) that may hold between probes.
  if (!c.exactTime && evaluate(root, { time: undefined, tags, backend: facts.backend, tagError }).v === 'U') return { maybe: true };
  return undefined;
}

function show(condition: IamCondition): string {
  const expression = condition.expression ?? '';
  const text = expression.length > 300 ? `${expression.slice(0, 300)}…` : expression;
  return condition.title ? `"${condition.title}" (\`${text}\`)` : `\`${text}\``;
}

function explain(notes: string[]): string {
  const unique = [...new Set(notes)];
  const more = unique.length > 3 ? `; and ${unique.length - 3} more parts` : '';
  return unique.length ? `: ${unique.slice(0, 3).join('; ')}${more}` : ' at the time of the check';
}

function compiled(expression: string, backend: ConditionBackend): Compiled {
  let byKind = compiledCache.get(expression);
  if (!byKind) {
    if (compiledCache.size > 500) compiledCache.clear();
    compiledCache.set(expression, (byKind = new Map()));
  }
  let c = byKind.get(backend);
  if (!c) byKind.set(backend, (c = compile1(expression, backend)));
  return c;
}

function compile1(expression: string, backend: ConditionBackend): Compiled {
  const none = { usesTime: false, usesTags: false, instants: [], exactTime: true, fine: {} };
  if (expression.trim() === '') return { ...none, error: 'it is empty' };
  if (expression.length > MAX_EXPRESSION) return { ...none, limit: true, error: `it is longer than IAM's ${MAX_EXPRESSION} characters` };
  // Outside the try: an engine not loaded is a bug that fails the run, never a condition "not valid CEL".
  const engine = celEngine();
  let expr: CelExpr;
  try {
    expr = engine.parseCel(expression);
  } catch (err) {
    if (err instanceof RangeError) return { ...none, limit: true, error: 'it is nested too deeply' };
    return { ...none, error: `it is not valid CEL: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}` };
  }
  if (comprehensionDepth(expr) > MAX_COMPREHENSION_DEPTH) return { ...none, limit: true, error: 'it nests too deeply (list macros or operators) to evaluate here' };
  const leaves: Leaf[] = [];
  const root = tree(expr, backend, leaves);
  const instants: number[] = [];
  const fine: Fine = {};
  walk(expr, (e) => {
    if (e.exprKind.case !== 'callExpr') return;
    const step = FINE_GETTERS[e.exprKind.value.function];
    if (step) fine[step] = true;
    if (!['timestamp', 'date'].includes(e.exprKind.value.function)) return;
    const arg = e.exprKind.value.args[0];
    if (arg?.exprKind.case === 'constExpr' && arg.exprKind.value.constantKind.case === 'stringValue') {
      const text = arg.exprKind.value.constantKind.value;
      const ms = Date.parse(e.exprKind.value.function === 'date' ? `${text}T00:00:00Z` : text);
      if (!Number.isNaN(ms)) instants.push(ms);
    }
    // `timestamp(1830297600)`: Unix seconds.
    if (arg?.exprKind.case === 'constExpr' && arg.exprKind.value.constantKind.case === 'int64Value') instants.push(Number(arg.exprKind.value.constantKind.value) * 1000);
  });
  return { root, usesTime: leaves.some((l) => l.usesTime), usesTags: leaves.some((l) => l.usesTags), instants, exactTime: timeReadExactly(expr), fine };
}

/** Steps finer than an hour that a condition's getters can tell apart. */
type Fine = { ms?: boolean; s?: boolean; min?: boolean };
const FINE_GETTERS: Record<string, keyof Fine> = { getMilliseconds: 'ms', getSeconds: 's', getMinutes: 'min' };

const COMPARISONS = new Set(['_<_', '_<=_', '_>_', '_>=_', '_==_', '_!=_']);

/** Whether every read of `request` is `request.time` compared directly with a `timestamp(...)`/`date(...)` literal. */
function timeReadExactly(expr: CelExpr): boolean {
  let reads = 0;
  let exact = 0;
  const isRequestTime = (e: CelExpr | undefined) =>
    e?.exprKind.case === 'selectExpr' && e.exprKind.value.field === 'time' && e.exprKind.value.operand?.exprKind.case === 'identExpr' && e.exprKind.value.operand.exprKind.value.name === 'request';
  const isLiteralTime = (e: CelExpr | undefined) =>
    e?.exprKind.case === 'callExpr' &&
    !e.exprKind.value.target &&
    ['timestamp', 'date'].includes(e.exprKind.value.function) &&
    e.exprKind.value.args.length === 1 &&
    e.exprKind.value.args[0]?.exprKind.case === 'constExpr';
  walk(expr, (e) => {
    const k = e.exprKind;
    if (k.case === 'identExpr' && k.value.name === 'request') reads++;
    if (k.case === 'callExpr' && COMPARISONS.has(k.value.function) && k.value.args.length === 2) {
      const [a, b] = k.value.args;
      if ((isRequestTime(a) && isLiteralTime(b)) || (isLiteralTime(a) && isRequestTime(b))) exact++;
    }
  });
  return reads === exact;
}

function children(e: CelExpr): CelExpr[] {
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      return k.value.operand ? [k.value.operand] : [];
    case 'callExpr':
      return [...(k.value.target ? [k.value.target] : []), ...k.value.args];
    case 'listExpr':
      return k.value.elements;
    case 'structExpr':
      return k.value.entries.flatMap((en) => [...(en.keyKind.case === 'mapKey' ? [en.keyKind.value] : []), ...(en.value ? [en.value] : [])]);
    case 'comprehensionExpr': {
      const c = k.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter((x): x is CelExpr => x !== undefined);
    }
    default:
      return [];
  }
}

function walk(e: CelExpr, visit: (e: CelExpr) => void, depth = 0): void {
  if (depth > 500) throw new RangeError('too deep');
  visit(e);
  for (const child of children(e)) walk(child, visit, depth + 1);
}

function comprehensionDepth(e: CelExpr, depth = 0): number {
  if (depth > 500) return Number.POSITIVE_INFINITY;
  const own = e.exprKind.case === 'comprehensionExpr' ? 1 : 0;
  return own + Math.max(0, ...children(e).map((c) => comprehensionDepth(c, depth + 1)));
}

/** The boolean skeleton (`&&`, `||`, `!`, `?:`) that IAM evaluates with its unknowns; the rest are leaves. */
function tree(e: CelExpr, backend: ConditionBackend, leaves: Leaf[]): Node {
  if (e.exprKind.case === 'callExpr' && !e.exprKind.value.target) {
    const { function: fn, args } = e.exprKind.value;
    if ((fn === '_&&_' || fn === '_||_') && args.length >= 2) return { op: fn === '_&&_' ? 'and' : 'or', args: args.map((a) => tree(a, backend, leaves)) };
    if (fn === '!_' && args.length === 1) return { op: 'not', arg: tree(args[0] as CelExpr, backend, leaves) };
    if (fn === '_?_:_' && args.length === 3) {
      const [test, then, other] = args.map((a) => tree(a, backend, leaves)) as [Node, Node, Node];
      return { op: 'cond', test, then, else: other };
    }
  }
  const leaf = analyse(e, backend);
  leaves.push(leaf);
  return { op: 'leaf', leaf };
}

function analyse(e: CelExpr, backend: ConditionBackend): Leaf {
  let usesTime = false;
  let usesTags = false;
  let perRequest = false;
  const unprovided = new Set<string>();
  const tagKeys: string[] = [];
  // `request` and `resource` read any other way (`request["time"]`, `[resource].exists(r, r.matchTag(…))`)
  // hide what they read: counted here, such a read is taken as reading the time, the tags and, for IAP,
  // the per-request attributes.
  const roots = { request: 0, resource: 0 };
  const seen = { request: 0, resource: 0 };
  walk(e, (n) => {
    const k = n.exprKind;
    if (k.case === 'identExpr' && (k.value.name === 'request' || k.value.name === 'resource')) roots[k.value.name]++;
    if (k.case === 'selectExpr' && k.value.operand?.exprKind.case === 'identExpr') {
      const name = k.value.operand.exprKind.value.name;
      if (name === 'request' || name === 'resource') seen[name]++;
      const root = k.value.operand.exprKind.value.name;
      const field = k.value.field;
      if (root === 'request') {
        if (field === 'time') usesTime = true;
        else if (backend === 'app-engine' && PER_REQUEST.has(field)) perRequest = true;
        else unprovided.add(`request.${field}`);
      } else if (root === 'resource' && !(backend === 'app-engine' && Object.hasOwn(IAP_RESOURCE, field))) {
        unprovided.add(`resource.${field}`);
      }
    }
    if (k.case === 'callExpr' && k.value.target?.exprKind.case === 'identExpr' && k.value.target.exprKind.value.name === 'resource' && celEngine().TAG_FUNCTIONS.has(k.value.function)) {
      seen.resource++;
      usesTags = true;
      const key = k.value.args[0];
      if (key?.exprKind.case === 'constExpr' && key.exprKind.value.constantKind.case === 'stringValue') tagKeys.push(key.exprKind.value.constantKind.value);
    }
  });
  if (roots.request > seen.request) {
    usesTime = true;
    if (backend === 'app-engine') perRequest = true;
  }
  if (roots.resource > seen.resource) usesTags = true;
  let text: string;
  try {
    text = celEngine().unparse(e);
  } catch {
    text = '(part of the condition)';
  }
  return { expr: e, text: text.length > 200 ? `${text.slice(0, 200)}…` : text, usesTime, usesTags, tagKeys, unprovided: [...unprovided].sort(), perRequest, run: celEngine().compile(e) };
}

interface Context {
  time: number | undefined;
  tags: EffectiveTag[] | undefined;
  tagError: string | undefined;
  backend: ConditionBackend;
}

function evaluate(node: Node, ctx: Context): Value {
  switch (node.op) {
    case 'leaf':
      return leafValue(node.leaf, ctx);
    case 'not': {
      const a = evaluate(node.arg, ctx);
      if (a.v === 'T') return { v: 'F', notes: [] };
      if (a.v === 'F') return { v: 'T' };
      return a;
    }
    case 'cond': {
      const test = evaluate(node.test, ctx);
      if (test.v === 'T') return evaluate(node.then, ctx);
      if (test.v === 'F') return evaluate(node.else, ctx);
      if (test.v === 'E') return test;
      const [a, b] = [evaluate(node.then, ctx), evaluate(node.else, ctx)];
      if (a.v === 'T' && b.v === 'T') return a;
      if (a.v === 'F' && b.v === 'F') return a;
      return merge('U', [test, a, b]);
    }
    case 'and':
    case 'or': {
      const values = node.args.map((a) => evaluate(a, ctx));
      const decisive = node.op === 'and' ? 'F' : 'T';
      const found = values.find((v) => v.v === decisive);
      if (found) return found.v === 'T' ? found : merge('F', values.filter((v) => v.v === 'F'));
      // `&&`: an error wins over an unknown (either way no grant); `||`: an unknown may still come out true.
      const order: Array<'E' | 'U'> = node.op === 'and' ? ['E', 'U'] : ['U', 'E'];
      for (const v of order) if (values.some((x) => x.v === v)) return merge(v, values.filter((x) => x.v !== 'T'));
      return node.op === 'and' ? { v: 'T' } : merge('F', values);
    }
  }
}

function merge(v: 'F' | 'E' | 'U', values: Value[]): Value {
  const notes = values.flatMap((x) => ('notes' in x ? x.notes : []));
  if (v !== 'U') return { v, notes };
  const sources = new Set<'request' | 'tags' | 'time'>();
  for (const x of values) if (x.v === 'U') for (const s of x.sources) sources.add(s);
  return { v, sources, notes };
}

function leafValue(leaf: Leaf, ctx: Context): Value {
  if (leaf.unprovided.length > 0) {
    const what = leaf.unprovided.map((a) => `\`${a}\``).join(', ');
    const hint = leaf.unprovided.some((a) => a === 'resource.name') ? ': grant on the resource itself, or use a tag condition' : '';
    return { v: 'E', notes: [`${what} ${leaf.unprovided.length > 1 ? 'are' : 'is'} not provided by IAM for ${KIND_NAMES[ctx.backend]}, so \`${leaf.text}\` never holds${hint}`] };
  }
  const sources = new Set<'request' | 'tags' | 'time'>();
  if (leaf.perRequest) sources.add('request');
  if (leaf.usesTags && !ctx.tags) sources.add('tags');
  if (leaf.usesTime && ctx.time === undefined) sources.add('time');
  if (sources.size > 0) return { v: 'U', sources, notes: leaf.perRequest ? [`\`${leaf.text}\``] : [] };
  const out = leaf.run({ time: ctx.time, tags: ctx.tags, resource: ctx.backend === 'app-engine' ? IAP_RESOURCE : {} });
  if ('error' in out) return { v: 'E', notes: [`\`${leaf.text}\` cannot be evaluated (${out.error})`] };
  if (out.value === true) return { v: 'T' };
  if (out.value !== false) return { v: 'E', notes: [`\`${leaf.text}\` is not a boolean`] };
  const notes: string[] = [];
  if (leaf.usesTags) notes.push(`\`${leaf.text}\` is false: ${describeTags(leaf.tagKeys, ctx.tags ?? [])}`);
  else if (leaf.usesTime) notes.push(`\`${leaf.text}\` is false at the time of the check (${new Date(ctx.time as number).toISOString()})`);
  else notes.push(`\`${leaf.text}\` is false`);
  return { v: 'F', notes };
}

/** The effective values of the tag keys a condition asks about, and whether they are inherited. */
export function describeTags(keys: string[], tags: EffectiveTag[]): string {
  const wanted = [...new Set(keys)];
  if (wanted.length === 0) return tags.length ? `the resource's effective tags are ${tags.map(tagText).join(', ')}` : 'the resource has no tags';
  return wanted
    .map((key) => {
      const tag = tags.find((t) => t.namespacedTagKey === key || t.tagKey === key);
      return tag ? `the resource's effective tag ${tagText(tag)}` : `the resource has no tag ${key}`;
    })
    .join('; ');
}

function tagText(t: EffectiveTag): string {
  const value = t.namespacedTagValue.startsWith(`${t.namespacedTagKey}/`) ? t.namespacedTagValue.slice(t.namespacedTagKey.length + 1) : t.namespacedTagValue;
  return `${t.namespacedTagKey}=${value} (${t.inherited ? 'inherited from an ancestor: project, folder or organization' : 'bound on the resource itself'})`;
}

/**
 * When a condition true now stops being true: probes every hour for 15 days (times of day, days of
 * week), every week for two years and around each instant its literals name, then narrows each change
 * to the millisecond.
 */
function schedule(at: (time: number) => Value, now: number, literals: number[], fine: Fine): { schedule: string; endsAt?: string; endsSoon: boolean } {
  try {
    return scheduleWithin(budgeted((t) => at(t).v === 'T'), now, literals, fine);
  } catch (err) {
    if (err !== OVER_BUDGET) throw err;
    return { schedule: 'It depends on request.time; it is too costly to evaluate to work out until when.', endsSoon: false };
  }
}

/** Thrown when probing a condition over time takes longer than {@link PROBE_BUDGET_MS}. */
const OVER_BUDGET = new Error('over budget');
/** Time allowed for probing one condition at many instants (each probe runs the engine). */
const PROBE_BUDGET_MS = 2000;

function budgeted(holds: (t: number) => boolean): (t: number) => boolean {
  const deadline = performance.now() + PROBE_BUDGET_MS;
  return (t) => {
    if (performance.now() > deadline) throw OVER_BUDGET;
    return holds(t);
  };
}

function scheduleWithin(holds: (t: number) => boolean, now: number, literals: number[], fine: Fine): { schedule: string; endsAt?: string; endsSoon: boolean } {
  const times = probeTimes(now, literals, fine);
  let last = now;
  let end: number | undefined;
  let index = 0;
  for (; index < times.length; index++) {
    const t = times[index] as number;
    if (!holds(t)) {
      end = narrow(holds, last, t);
      break;
    }
    last = t;
  }
  if (end === undefined) return { schedule: 'It depends on request.time, though it stays true for at least two years.', endsSoon: false };
  let again: number | undefined;
  let lastFalse = end;
  for (; index < times.length; index++) {
    const t = times[index] as number;
    if (holds(t)) {
      again = narrow((x) => !holds(x), lastFalse, t);
      break;
    }
    lastFalse = t;
  }
  const endsAt = new Date(end).toISOString();
  const endsSoon = end - now <= EXPIRY_WARNING_DAYS * DAY;
  if (again === undefined) return { schedule: `It ends at ${endsAt} (${inDays(end - now)}).`, endsAt, endsSoon };
  return { schedule: `It holds only at certain times (a time of day or day of week): it is next false from ${endsAt} (${inDays(end - now)}) until ${new Date(again).toISOString()}.`, endsAt, endsSoon };
}

/**
 * Instants after `now` worth probing: every hour for 15 days, every week for two years, around each
 * literal; `fine` adds every millisecond of the next second, every second of the next 1000 or every
 * minute of the next 1000 (conditions on getMilliseconds, getSeconds, getMinutes).
 */
function probeTimes(now: number, literals: number[], fine: Fine): number[] {
  const probes = new Set<number>();
  for (const [step, size] of [['ms', 1], ['s', 1000], ['min', 60_000]] as const) if (fine[step]) for (let i = 1; i <= 1000; i++) probes.add(now + i * size);
  for (let h = 1; h <= 15 * 24; h++) probes.add(now + h * HOUR);
  for (let d = 16; d <= 730; d += 7) probes.add(now + d * DAY);
  for (const t of literals) for (const dt of [-1, 0, 1]) if (t + dt > now) probes.add(t + dt);
  return [...probes].sort((a, b) => a - b);
}

/** The first instant in (false at `off`, true at `on`] where `holds` is true, or `on` when that takes too long. */
function narrowWithin(holds: (t: number) => boolean, off: number, on: number): number {
  try {
    return narrow((x) => !holds(x), off, on);
  } catch (err) {
    if (err !== OVER_BUDGET) throw err;
    return on;
  }
}

/** The first instant in (ok, bad] where `holds` is false, given it holds at `ok` and not at `bad`. */
function narrow(holds: (t: number) => boolean, ok: number, bad: number): number {
  let [lo, hi] = [ok, bad];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (holds(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

function inDays(ms: number): string {
  if (ms < HOUR) return `in ${Math.max(1, Math.round(ms / 60_000))} minutes`;
  if (ms < 2 * DAY) return `in ${Math.round(ms / HOUR)} hours`;
  return `in ${Math.round(ms / DAY)} days`;
}
