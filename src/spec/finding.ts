import type { Finding } from '../types.ts';

/** Longest piece of spec text quoted in a message. */
const MAX_QUOTED = 200;

/** An `invalid-spec` finding. */
export function invalidSpec(file: string, line: number, message: string): Finding {
  return { rule: 'invalid-spec', severity: 'error', file, line, message };
}

/** Spec text for a message: truncated, then JSON-quoted so control characters stay visible. */
export function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}
