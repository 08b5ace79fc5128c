/** The job summary: verdict, counts, findings and backends as GitHub-flavoured markdown. */
import type { BackendStatus, Report, ReportFinding } from './model.ts';
import { codeSpan, escapeMarkdown, fitLines, row, tableLines, truncate, utf8Length } from './markdown.ts';

/** GitHub's job summary limit per step, in bytes. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Default size of the summary: under GitHub's limit, with room for anything else the step writes. */
const SUMMARY_DEFAULT_MAX_BYTES = 1_000_000;

// Per-cell caps (characters, before escaping) keep one hostile value from eating the budget.
const MAX_MESSAGE = 1000;
const MAX_FIX = 2000;
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

/** Renders the job summary, within `maxBytes` UTF-8 bytes: rows that do not fit are left out and counted. */
export function renderSummary(report: Report, options: { maxBytes?: number } = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_DEFAULT_MAX_BYTES;
  const head = headLines(report);
  const findingsHeader = tableLines(
    ['Severity', 'Rule', 'Backend', 'Resource', 'Location', 'Message', 'Fix'],
    [],
  );
  const backendsHeader = tableLines(['Address', 'Kind', 'Resource', 'Operations', 'Status'], []);
  const findingRows = report.findings.map(findingRow);
  const backendRows = report.backends.map((b) =>
    row([
      codeSpan(truncate(b.address, MAX_NAME)),
      b.kind,
      b.resource ? codeSpan(truncate(b.resource, MAX_NAME)) : '—',
      String(b.operations.length),
      STATUS_LABEL[b.status],
    ]),
  );

  const fixed = [...head, '### Findings', '', ...findingsHeader, '', '### Backends', '', ...backendsHeader];
  const available = maxBytes - totalSize(fixed) - NOTES_RESERVE;
  // Findings come first, but backends keep up to a quarter of the room when both overflow.
  const backendsShare = Math.min(totalSize(backendRows), Math.floor(available / 4));
  const findings = fitLines(findingRows, available - backendsShare);
  const backends = fitLines(backendRows, available - totalSize(findings.kept));

  const lines = [...head, '### Findings', ''];
  if (report.findings.length === 0) lines.push('No findings.');
  else lines.push(...findingsHeader, ...findings.kept, ...omittedNote(findings.omitted, 'finding'));
  lines.push('', '### Backends', '');
  if (report.backends.length === 0) lines.push('No `x-google-backend` found.');
  else lines.push(...backendsHeader, ...backends.kept, ...omittedNote(backends.omitted, 'backend'));
  return lines.join('\n') + '\n';
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

function findingRow(finding: ReportFinding): string {
  let severity = STATUS_LABEL[finding.severity];
  let message = escapeMarkdown(truncate(finding.message, MAX_MESSAGE));
  if (finding.exception) {
    severity += ' (excepted)';
    const until = finding.exception.expires ? ` (until ${escapeMarkdown(finding.exception.expires)})` : '';
    message += `<br>**Excepted by policy:** ${escapeMarkdown(truncate(finding.exception.reason, MAX_MESSAGE))}${until}`;
  }
  const location =
    finding.file === undefined ? '—' : codeSpan(truncate(finding.file, MAX_NAME) + (finding.line ? `:${finding.line}` : ''));
  return row([
    severity,
    codeSpan(finding.rule),
    finding.address ? codeSpan(truncate(finding.address, MAX_NAME)) : '—',
    finding.resource ? codeSpan(truncate(finding.resource, MAX_NAME)) : '—',
    location,
    message,
    finding.fix ? codeSpan(truncate(finding.fix, MAX_FIX)) : '',
  ]);
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
