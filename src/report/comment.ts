/** The sticky PR comment: verdict, a table of short values, one entry per finding with its fixes, notices, passing backends. */
import type { BackendKind } from '../types.ts';
import type { BackendResult, Report, ReportFinding } from './model.ts';
import { explanation, findingEntry, findingTableHeader, findingTableRow, linker, targetCell, type Linker, type Medium } from './layout.ts';
import { codeSpan, escapeMarkdown, fitLines, row, tableLines, truncate } from './markdown.ts';

/** Hidden marker that every gateway-guard comment starts with. */
export const COMMENT_MARKER = '<!-- gateway-guard -->';

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT_CHARS = 65_536;

/** Default size of the comment: under GitHub's limit with room to spare. */
const COMMENT_DEFAULT_MAX_CHARS = 65_000;

// Per-cell caps (characters, before escaping) keep one hostile value from eating the budget.
const MAX_MESSAGE = 400;
const MAX_NAME = 300;
const MAX_REASON = 300;
const MAX_SPEC_FILES = 10;
const MAX_OPERATIONS = 2;
const MAX_OPERATION = 28;
// Room kept for the "N more" notes and the footer.
const NOTES_RESERVE = 1500;

/** Options of `renderComment`. */
export interface CommentOptions {
  /** The spec-set marker from `commentMarker(...)` (or `COMMENT_MARKER` alone). */
  marker: string;
  /** `https://github.com/OWNER/REPO` (GITHUB_SERVER_URL + repository); empty for no links. */
  repoUrl: string;
  /** Head commit of the PR: spec links point at this version of the file. */
  headSha: string;
  /** Link to the workflow run, where the job summary lists everything. */
  runUrl?: string;
  /** Size limit in characters (default 65,000; never above GitHub's 65,536). */
  maxChars?: number;
  /** The medium whose fix leads (default gcloud; Terraform when the repository's plan says it uses it). */
  medium?: Medium;
}

/**
 * The marker of one spec set, as the step names it (its `spec` paths and globs, or its `api-config`):
 * several jobs running the action on one PR each keep their own comment, and a job finds its comment
 * again when the files its globs match change. `<!-- gateway-guard:spec=<12 hex of sha256 of the sorted set> -->`.
 */
export function commentMarker(specSet: string[]): string {
  const key = sha256([...new Set(specSet)].sort().join('\n')).slice(0, 12);
  return `<!-- gateway-guard:spec=${key} -->`;
}

const MARKER_PATTERN = /^<!-- gateway-guard(:[A-Za-z0-9=._-]{1,100})? -->$/;

/** Entries shown in full; past this many failing findings each entry is folded in `<details>`. */
const FOLD_AFTER = 5;

/** Renders the PR comment, always within `maxChars` characters: what does not fit is counted instead. */
export function renderComment(report: Report, options: CommentOptions): string {
  const maxChars = Math.min(options.maxChars ?? COMMENT_DEFAULT_MAX_CHARS, COMMENT_LIMIT_CHARS);
  const links = linker(options.repoUrl, options.headSha);
  const kinds = new Map<string, BackendKind>(report.backends.map((b) => [b.address, b.kind]));
  const kindOf = (f: ReportFinding) => (f.address === undefined ? undefined : kinds.get(f.address));
  const failing = report.findings.filter((f) => f.severity !== 'notice');
  const notices = report.findings.filter((f) => f.severity === 'notice');
  const passing = report.backends.filter((b) => b.status === 'pass' || b.status === 'notice');
  const summaryRef = options.runUrl ? `[job summary](${safeUrl(options.runUrl)})` : 'job summary';

  if (!MARKER_PATTERN.test(options.marker)) throw new Error(`renderComment: not a gateway-guard marker: ${options.marker}`);
  const markers = options.marker === COMMENT_MARKER ? [COMMENT_MARKER] : [COMMENT_MARKER, options.marker];
  const head = [...markers, ...headLines(report, passing.length)];
  const footer = ['', footerLine(report, options)];
  let budget = maxChars - size(head) - size(footer) - NOTES_RESERVE;
  const out = [...head];
  const more = (count: number, what: string) =>
    count === 0 ? [] : ['', `_${count} more ${what} in the ${summaryRef}._`];

  // 1. Failing findings (errors and warnings): a table of short values, then one entry each with its fixes.
  if (failing.length > 0) {
    const header = findingTableHeader();
    const rows = failing.map((f, i) => defang(findingTableRow(f, i + 1, kindOf(f), links)));
    // The table may take a third of the room; the entries (what to do) take the rest.
    const table = fitLines(rows, Math.floor(budget / 3) - size(header) - 1, charCount);
    budget -= size(header) + size(table.kept) + 1;
    out.push('', ...header, ...table.kept, ...more(table.omitted, plural(table.omitted, 'finding', false)));

    const folded = failing.length > FOLD_AFTER;
    const entries = failing
      .slice(0, table.kept.length)
      .map((f, i) => defang(findingEntry(f, i + 1, kindOf(f), { folded, ...(options.medium ? { medium: options.medium } : {}) })));
    const fitted = fitLines(entries.map((e) => `\n${e}`), budget, charCount);
    budget -= size(fitted.kept);
    for (const entry of fitted.kept) out.push(entry);
    const missing = fitted.omitted;
    if (missing > 0) out.push('', `_What to do about ${plural(missing, 'more finding')} is in the ${summaryRef}._`);
  }

  // 2. Notices: excepted findings (with their reasons) and findings a policy lowered to notice.
  if (notices.length > 0) {
    const open = ['', `<details><summary>ℹ️ ${plural(notices.length, 'notice')} (excepted by policy or lowered to notice)</summary>`, ''];
    const close = ['', '</details>'];
    const rows = notices.map((f) => defang(noticeLine(f, kindOf(f), links)));
    const fitted = fitLines(rows, budget - size(open) - size(close), charCount);
    if (fitted.kept.length > 0) {
      budget -= size(open) + size(fitted.kept) + size(close);
      out.push(...open, ...fitted.kept, ...more(fitted.omitted, plural(fitted.omitted, 'notice', false)), ...close);
    } else {
      out.push(...more(fitted.omitted, plural(fitted.omitted, 'notice', false)));
    }
  }

  // 3. Passing backends, collapsed.
  if (passing.length > 0) {
    const open = ['', `<details><summary>✅ ${plural(passing.length, 'passing backend')}</summary>`, ''];
    const header = tableLines(['Resource', 'Operations', 'Spec'], []);
    const close = ['', '</details>'];
    const rows = passing.map((b) => defang(passingRow(b, links)));
    const fitted = fitLines(rows, budget - size(open) - size(header) - size(close), charCount);
    if (fitted.kept.length > 0) {
      out.push(...open, ...header, ...fitted.kept, ...more(fitted.omitted, plural(fitted.omitted, 'passing backend', false)), ...close);
    } else {
      out.push(...more(fitted.omitted, plural(fitted.omitted, 'passing backend', false)));
    }
  }

  out.push(...footer);
  const body = out.join('\n') + '\n';
  // The budget arithmetic keeps well under the limit; this is the guarantee, whatever happens above.
  return body.length <= maxChars ? body : truncate(body, maxChars - 1) + '\n';
}

function headLines(report: Report, passingCount: number): string[] {
  const { errors, warnings, notices } = report.counts;
  const counts = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : '']
    .filter(Boolean)
    .join(', ');
  let verdict: string;
  if (report.result === 'fail') verdict = `### ❌ gateway-guard: fail, ${counts}`;
  else if (counts !== '') verdict = `### ✅ gateway-guard: pass, with ${counts}`;
  else if (report.backends.length === 0) verdict = '### ✅ gateway-guard: pass, no `x-google-backend` found';
  else verdict = `### ✅ gateway-guard: all backends pass`;

  const detail: string[] = [];
  if (report.backends.length > 0) {
    detail.push(
      counts === '' && passingCount === report.backends.length
        ? `${plural(report.backends.length, 'backend')} checked; nothing blocks this gateway config.`
        : `${passingCount} of ${plural(report.backends.length, 'backend')} pass.`,
    );
  }
  if (notices > 0) detail.push(`${plural(notices, 'notice')} (see below).`);
  if (report.result === 'pass' && counts !== '') detail.push(gateText(report.failOn));
  return [verdict, '', detail.join(' ')].filter((line, i, all) => !(line === '' && i === all.length - 1));
}

function gateText(failOn: Report['failOn']): string {
  if (failOn === 'never') return 'The gate never fails (`fail-on: never`).';
  if (failOn === 'warning') return 'The gate fails on errors and warnings.';
  return 'The gate fails on errors only.';
}

function footerLine(report: Report, options: CommentOptions): string {
  const specs = report.specFiles.slice(0, MAX_SPEC_FILES).map((f) => codeSpan(truncate(f, MAX_NAME), { table: false }));
  if (report.specFiles.length > MAX_SPEC_FILES) specs.push(`and ${report.specFiles.length - MAX_SPEC_FILES} more`);
  const parts = [
    `Service account ${codeSpan(truncate(report.serviceAccount, MAX_NAME), { table: false }) || '—'}`,
    `spec ${specs.join(', ') || '—'}`,
  ];
  if (/^[0-9a-f]{7,64}$/i.test(options.headSha)) parts.push(`commit ${options.headSha.slice(0, 7)}`);
  if (options.runUrl) parts.push(`[run](${safeUrl(options.runUrl)})`);
  return defang(`<sub>${parts.join(' · ')}</sub>`);
}

/** A notice as one list item: rule, target, spec link, then the reason. */
function noticeLine(f: ReportFinding, kind: BackendKind | undefined, links: Linker): string {
  let reason: string;
  if (f.exception) {
    reason = escapeMarkdown(truncate(f.exception.reason, MAX_REASON));
    if (f.exception.expires) reason += ` (until ${escapeMarkdown(f.exception.expires)})`;
    if (f.originalSeverity) reason += ` (${f.originalSeverity} before the exception)`;
  } else {
    reason = `lowered to notice by the policy: ${explanation(f, MAX_MESSAGE)}`;
  }
  return `- ${codeSpan(f.rule, { table: false })} · ${targetCell(f.resource, f.address, kind)} · ${links(f.file, f.line)}: ${reason}`;
}

function passingRow(b: BackendResult, links: Linker): string {
  const operations = b.operations.slice(0, MAX_OPERATIONS).map((op) => codeSpan(truncate(op, MAX_OPERATION)));
  if (b.operations.length > MAX_OPERATIONS) operations.push(`+${b.operations.length - MAX_OPERATIONS}`);
  return row([targetCell(b.resource, b.address, b.kind), operations.join(', ') || '—', links(b.file, b.line)]);
}

/** A URL made safe for `](...)`: no spaces, brackets or quotes. */
function safeUrl(url: string): string {
  return /^https?:\/\//.test(url) ? url.replace(/[\s()<>"'`[\]]/g, (c) => encodeURIComponent(c)) : '';
}

/** Keeps the body's only HTML comments our markers: `<!--` in any other text gets a zero-width space. */
function defang(text: string): string {
  return text.replace(/<!--/g, '<\u200b!--');
}

function plural(count: number, noun: string, withCount = true): string {
  const word = `${noun}${count === 1 ? '' : 's'}`;
  return withCount ? `${count} ${word}` : word;
}

function charCount(text: string): number {
  return text.length;
}

function size(lines: string[]): number {
  return lines.reduce((sum, line) => sum + line.length + 1, 0);
}

/** Hex SHA-256 of `text`; node:crypto is loaded on first use, not at start-up (it costs a tenth of Node's). */
function sha256(text: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
}
