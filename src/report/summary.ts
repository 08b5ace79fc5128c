/** The job summary: verdict, counts, a findings table of short values, one entry per finding with its fixes, backends. */
import type { BackendKind } from '../types.ts';
import { findingEntry, findingTableHeader, findingTableRow, linker, targetCell, type Medium } from './layout.ts';
import type { BackendStatus, Report, ReportFinding } from './model.ts';
import { codeSpan, escapeMarkdown, fitLines, row, tableLines, truncate, utf8Length } from './markdown.ts';

/** GitHub's job summary limit per step, in bytes. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Default size of the summary: under GitHub's limit, with room for anything else the step writes. */
const SUMMARY_DEFAULT_MAX_BYTES = 1_000_000;

// Per-cell caps (characters, before escaping) keep one hostile value from eating the budget.
const MAX_MESSAGE = 1000;
const MAX_ADDRESS = 60;
const MAX_NAME = 500;
const MAX_SPEC_FILES = 20;
// Room kept for the two "left out" notes.
const NOTES_RESERVE = 600;

const STATUS_LABEL: Record<BackendStatus, string> = {
  error: '❌ error',
  warning: '⚠️ warning',
  notice: 'ℹ️ notice',
  pass: '✅ pass',
};

const GATE_TEXT: Record<Report['failOn'], string> = {
  error: 'fails on errors',
  warning: 'fails on errors and warnings',
  never: 'never fails (`fail-on: never`)',
};

/** Entries shown in full; past this many findings each entry is folded in `<details>`. */
const FOLD_AFTER = 5;

/** Options of {@link renderSummary}. */
export interface SummaryOptions {
  /** Size limit in UTF-8 bytes (default 1,000,000; GitHub's limit is 1 MiB). */
  maxBytes?: number;
  /** The medium whose fix leads (default gcloud). */
  medium?: Medium;
}

/**
 * Renders the job summary, within `maxBytes` UTF-8 bytes: the verdict, a table of short values, one
 * entry per finding with its fixes, and the backends; what does not fit is left out and counted.
 */
export function renderSummary(report: Report, options: SummaryOptions = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_DEFAULT_MAX_BYTES;
  const links = linker('', '');
  const kinds = new Map<string, BackendKind>(report.backends.map((b) => [b.address, b.kind]));
  const kindOf = (f: ReportFinding) => (f.address === undefined ? undefined : kinds.get(f.address));
  const head = headLines(report);
  const findingsHeader = findingTableHeader();
  const backendsHeader = tableLines(['Address', 'Resource', 'Operations', 'Status'], []);
  const findingRows = report.findings.map((f, i) => findingTableRow(f, i + 1, kindOf(f), links));
  const backendRows = report.backends.map((b) =>
    row([
      codeSpan(truncate(b.address, MAX_ADDRESS)),
      targetCell(b.resource, undefined, b.kind),
      String(b.operations.length),
      STATUS_LABEL[b.status],
    ]),
  );

  const fixed = [...head, '### Findings', '', ...findingsHeader, '', '### Backends', '', ...backendsHeader];
  let available = maxBytes - totalSize(fixed) - NOTES_RESERVE;
  // Findings come first, but backends keep up to a quarter of the room when both overflow.
  const backendsShare = Math.min(totalSize(backendRows), Math.floor(available / 4));
  // The table takes up to a third of the findings' room, so the entries (what to do) keep the rest.
  const findings = fitLines(findingRows, Math.floor((available - backendsShare) / 3));
  available -= totalSize(findings.kept);
  const folded = report.findings.length > FOLD_AFTER;
  const entryTexts = report.findings
    .slice(0, findings.kept.length)
    .map((f, i) => `\n${findingEntry(f, i + 1, kindOf(f), { folded, extra: exceptionLines(f), ...(options.medium ? { medium: options.medium } : {}) })}`);
  // The entries (what to do) before the backends, which keep their share.
  const entries = fitLines(entryTexts, available - backendsShare);
  const backends = fitLines(backendRows, available - totalSize(entries.kept));

  const lines = [...head, '### Findings', ''];
  if (report.findings.length === 0) lines.push('No findings.');
  else {
    lines.push(...findingsHeader, ...findings.kept, ...omittedNote(findings.omitted, 'finding'));
    lines.push(...entries.kept);
    if (entries.omitted > 0) lines.push('', `_The details of ${plural(entries.omitted, 'more finding')} were left out to stay under GitHub's size limit; the JSON report (\`report-file\` output) has them._`);
  }
  lines.push('', '### Backends', '');
  if (report.backends.length === 0) lines.push('No `x-google-backend` found.');
  else lines.push(...backendsHeader, ...backends.kept, ...omittedNote(backends.omitted, 'backend'));
  return lines.join('\n') + '\n';
}

/** Why an excepted finding is only a notice. */
function exceptionLines(f: ReportFinding): string[] {
  if (!f.exception) return [];
  const until = f.exception.expires ? ` (until ${escapeMarkdown(f.exception.expires)})` : '';
  const before = f.originalSeverity ? ` (${f.originalSeverity} before the exception)` : '';
  return ['', `**Excepted by policy:** ${escapeMarkdown(truncate(f.exception.reason, MAX_MESSAGE))}${until}${before}`];
}

function headLines(report: Report): string[] {
  const verdict = report.result === 'pass' ? '✅ gateway-guard: pass' : '❌ gateway-guard: fail';
  const { errors, warnings, notices } = report.counts;
  const gate = GATE_TEXT[report.failOn];
  const specs = report.specFiles.slice(0, MAX_SPEC_FILES).map((f) => codeSpan(truncate(f, MAX_NAME), { table: false }));
  const moreSpecs = report.specFiles.length - specs.length;
  if (moreSpecs > 0) specs.push(`and ${moreSpecs} more`);
  return [
    `## ${verdict}`,
    '',
    `**${plural(errors, 'error')}**, **${plural(warnings, 'warning')}**, ${plural(notices, 'notice')} ` +
      `in ${plural(report.backends.length, 'backend')}; ${gate}.`,
    '',
    `Service account: ${codeSpan(report.serviceAccount, { table: false }) || '—'}  `,
    `Spec: ${specs.join(', ') || '—'}`,
    '',
  ];
}

function omittedNote(omitted: number, noun: string): string[] {
  if (omitted === 0) return [];
  return [
    '',
    `_${plural(omitted, noun)} left out to stay under GitHub's size limit; ` +
      'the JSON report (`report-file` output) lists them all._',
  ];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function totalSize(lines: string[]): number {
  return lines.reduce((sum, line) => sum + utf8Length(line) + 1, 0);
}
