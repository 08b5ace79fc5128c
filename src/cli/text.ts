/** The CLI's human-readable report: one block per finding, then the backends and the verdict. Pure. */
import type { BackendStatus, Report, ReportFinding } from '../report/model.ts';

/** How text is styled: ANSI colours on a terminal, nothing when piped. */
export interface TextOptions {
  color: boolean;
  /** Google API calls made, shown in the verdict line when given. */
  callCount?: number;
}

type Style = 'red' | 'yellow' | 'blue' | 'green' | 'cyan' | 'bold' | 'dim';
const SGR: Record<Style, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  blue: [34, 39],
  green: [32, 39],
  cyan: [36, 39],
  bold: [1, 22],
  dim: [2, 22],
};

/** Whether to colour: `--color`/`--no-color`, else FORCE_COLOR, else NO_COLOR, else a terminal (not TERM=dumb). */
export function shouldColor(flag: boolean | undefined, env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

const STATUS_STYLE: Record<BackendStatus, Style> = { error: 'red', warning: 'yellow', notice: 'blue', pass: 'green' };

/** Renders the report for a terminal (or a log, without colours). */
export function renderText(report: Report, options: TextOptions): string {
  const paint = (style: Style, text: string): string => {
    if (!options.color) return text;
    const [on, off] = SGR[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  };
  const out: string[] = [];

  for (const finding of report.findings) {
    out.push(...findingBlock(finding, paint), '');
  }

  if (report.backends.length > 0) {
    out.push(paint('bold', 'Backends'));
    for (const b of report.backends) {
      const status = paint(STATUS_STYLE[b.status], b.status.padEnd(7));
      const where = paint('dim', `${clean(b.file)}:${b.line}`);
      const resource = b.resource ? ` → ${clean(b.resource)}` : '';
      out.push(`  ${status} ${clean(b.address)} (${b.kind})${resource}  ${where}`);
      if (b.operations.length > 0) out.push(paint('dim', `          ${b.operations.map(clean).join(', ')}`));
    }
    out.push('');
  }

  const { errors, warnings, notices } = report.counts;
  const verdict = report.result === 'pass' ? paint('green', paint('bold', 'PASS')) : paint('red', paint('bold', 'FAIL'));
  const files = report.specFiles.length;
  const calls = options.callCount !== undefined ? `, ${options.callCount} Google API call(s)` : '';
  out.push(
    `${verdict} ${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(notices, 'notice')} — ` +
      `${plural(report.backends.length, 'backend')} in ${plural(files, 'spec file')} checked as ${clean(report.serviceAccount || '(no service account)')}` +
      `${calls} (fails on: ${report.failOn})`,
  );
  return out.join('\n') + '\n';
}

function findingBlock(f: ReportFinding, paint: (style: Style, text: string) => string): string[] {
  const label = f.severity.toUpperCase().padEnd(7);
  const where = f.file ? `${clean(f.file)}${f.line ? `:${f.line}` : ''}` : '';
  const header = [paint(STATUS_STYLE[f.severity], paint('bold', label)), paint('bold', f.rule), where ? paint('cyan', where) : '']
    .filter(Boolean)
    .join('  ');
  const lines = [header];
  lines.push(`  ${clean(f.message)}`);
  if (f.address) lines.push(paint('dim', `  address:  ${clean(f.address)}`));
  if (f.resource && f.resource !== f.address) lines.push(paint('dim', `  resource: ${clean(f.resource)}`));
  if (f.exception) {
    const expires = f.exception.expires ? ` (until ${clean(f.exception.expires)})` : '';
    const was = f.originalSeverity ? `, was ${f.originalSeverity}` : '';
    lines.push(`  excepted by policy${was}: ${clean(f.exception.reason)}${expires}`);
  }
  if (f.fix) lines.push(`  ${paint('green', 'fix:')} ${fixLine(f.fix)}`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Text from specs, policy files and Google, safe for a terminal and for a CI log: every control character
 * (line breaks included, so no value can start a line a runner reads as a workflow command, `::error::`),
 * escape sequences, bidirectional overrides and marks, and zero-width characters (which make two different
 * names look alike) are shown as `\u{..}`. Tabs stay.
 */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** A fix command on one line: shell line continuations joined, the rest escaped by {@link clean}. */
function fixLine(fix: string): string {
  return clean(fix.split(/\\\r?\n/).map((part) => part.trim()).join(' '));
}
