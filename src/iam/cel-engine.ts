/**
 * The CEL engine (src/iam/cel.ts, with @bufbuild/cel and its protobuf runtime: a few MB of heap and a sizeable
 * part of the Google chunk's start-up) loads only when a policy, deny rule or planned binding that a run reads
 * has an IAM condition. Stages that gather facts call {@link loadCelFor} before anything judges them.
 */
type Engine = typeof import('./cel.ts');

let engine: Engine | undefined;

/** Loads the engine once. */
export async function loadCel(): Promise<void> {
  engine ??= await import('./cel.ts');
}

/** Loads the engine when `facts` (gathered policies, deny policies, planned bindings) hold an IAM condition. */
export async function loadCelFor(facts: unknown): Promise<void> {
  if (!engine && holdsCondition(facts)) await loadCel();
}

/** The engine; reading a condition before it is loaded is a bug, and fails the run rather than passing it. */
export function celEngine(): Engine {
  if (!engine) throw new Error('internal error: an IAM condition was read before the CEL engine was loaded');
  return engine;
}

/** Objects a whole scan found free of conditions (with all they reach): facts shared by many backends are scanned once. */
const clean = new WeakSet<object>();

/** Whether `value` holds, at any depth, an IAM condition (`condition` or `denialCondition` with an expression). */
export function holdsCondition(value: unknown): boolean {
  const seen = new Set<object>();
  const found = scan(value, seen);
  // Only a whole scan that found nothing clears what it saw: an object left early (a cycle) may reach more.
  if (!found) for (const object of seen) clean.add(object);
  return found;
}

function scan(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value) || clean.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.some((item) => scan(item, seen));
  for (const [key, item] of Object.entries(value)) {
    if ((key === 'condition' || key === 'denialCondition') && item !== null && typeof item === 'object' && typeof (item as { expression?: unknown }).expression === 'string') return true;
    if (scan(item, seen)) return true;
  }
  return false;
}
