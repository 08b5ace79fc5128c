/** The sticky PR comment: verdict, failing findings, fix commands, excepted findings, passing backends. */
import type { BackendKind } from '../types.ts';
import type { BackendResult, Report, ReportFinding } from './model.ts';
import { codeSpan, escapeMarkdown, fitLines, longestBacktickRun, oneLine, row, tableLines, truncate } from './markdown.ts';

/** Hidden marker that every gateway-guard comment starts with. */
export const COMMENT_MARKER = '<!-- gateway-guard -->';

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT_CHARS = 65_536;

/** Default size of the comment: under GitHub's limit with room to spare. */
const COMMENT_DEFAULT_MAX_CHARS = 65_000;

// Per-cell caps (characters, before escaping) keep one hostile value from eating the budget.
const MAX_MESSAGE = 600;
const MAX_NAME = 300;
const MAX_REASON = 300;
const MAX_FIX = 1500;
const MAX_SPEC_FILES = 10;
const MAX_OPERATIONS = 3;
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

const SEVERITY_ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

/** Renders the PR comment, always within `maxChars` characters: rows that do not fit are counted instead. */
export function renderComment(report: Report, options: CommentOptions): string {
  const maxChars = Math.min(options.maxChars ?? COMMENT_DEFAULT_MAX_CHARS, COMMENT_LIMIT_CHARS);
  const links = linker(options.repoUrl, options.headSha);
  const kinds = new Map<string, BackendKind>(report.backends.map((b) => [b.address, b.kind]));
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

  // 1. Failing findings (errors and warnings): what blocks the merge.
  if (failing.length > 0) {
    const header = tableLines(['', 'Rule', 'Kind', 'Resource', 'What to do', 'Spec'], []);
    const rows = failing.map((f) => defang(failingRow(f, kinds, links)));
    const fitted = fitLines(rows, budget - size(header) - 1, charCount);
    budget -= size(header) + size(fitted.kept) + 1;
    out.push('', ...header, ...fitted.kept, ...more(fitted.omitted, plural(fitted.omitted, 'finding', false)));
  }

  // 2. Fix commands, one block, each command once.
  const fixes = fixBlocks(failing);
  if (fixes.length > 0) {
    const intro = ['', '**Fix commands**', ''];
    // The fence is longer than any backtick run inside, so no command can close it.
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(fixes.join('\n')) + 1));
    const fitted = fitLines(fixes, budget - size(intro) - size([`${fence}sh`, fence]), charCount);
    if (fitted.kept.length > 0) {
      const block = [`${fence}sh`, ...fitted.kept, fence];
      budget -= size(intro) + size(block);
      out.push(...intro, ...block);
    }
    out.push(...more(fitted.omitted, plural(fitted.omitted, 'fix command', false)));
  }

  // 3. Notices: excepted findings (with their reasons) and findings a policy lowered to notice.
  if (notices.length > 0) {
    const open = ['', `<details><summary>ℹ️ ${plural(notices.length, 'notice')} (excepted by policy or lowered to notice)</summary>`, ''];
    const header = tableLines(['Rule', 'Resource', 'Reason', 'Spec'], []);
    const close = ['', '</details>'];
    const rows = notices.map((f) => defang(noticeRow(f, links)));
    const fitted = fitLines(rows, budget - size(open) - size(header) - size(close), charCount);
    if (fitted.kept.length > 0) {
      budget -= size(open) + size(header) + size(fitted.kept) + size(close);
      out.push(...open, ...header, ...fitted.kept, ...more(fitted.omitted, plural(fitted.omitted, 'notice', false)), ...close);
    } else {
      out.push(...more(fitted.omitted, plural(fitted.omitted, 'notice', false)));
    }
  }

  // 4. Passing backends, collapsed.
  if (passing.length > 0) {
    const open = ['', `<details><summary>✅ ${plural(passing.length, 'passing backend')}</summary>`, ''];
    const header = tableLines(['Address', 'Kind', 'Resource', 'Operations', 'Spec'], []);
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

function failingRow(f: ReportFinding, kinds: Map<string, BackendKind>, links: Linker): string {
  return row([
    SEVERITY_ICON[f.severity],
    codeSpan(f.rule),
    (f.address === undefined ? undefined : kinds.get(f.address)) ?? '—',
    target(f),
    escapeMarkdown(truncate(f.message, MAX_MESSAGE)),
    links(f.file, f.line),
  ]);
}

function noticeRow(f: ReportFinding, links: Linker): string {
  let reason: string;
  if (f.exception) {
    reason = escapeMarkdown(truncate(f.exception.reason, MAX_REASON));
    if (f.exception.expires) reason += ` (until ${escapeMarkdown(f.exception.expires)})`;
    if (f.originalSeverity) reason += ` (${f.originalSeverity} before the exception)`;
  } else {
    reason = `Lowered to notice by the policy: ${escapeMarkdown(truncate(f.message, MAX_MESSAGE))}`;
  }
  return row([codeSpan(f.rule), target(f), reason, links(f.file, f.line)]);
}

function passingRow(b: BackendResult, links: Linker): string {
  const operations = b.operations.slice(0, MAX_OPERATIONS).map((op) => codeSpan(truncate(op, MAX_NAME)));
  if (b.operations.length > MAX_OPERATIONS) operations.push(`+${b.operations.length - MAX_OPERATIONS} more`);
  return row([
    codeSpan(truncate(b.address, MAX_NAME)),
    b.kind,
    b.resource ? codeSpan(truncate(b.resource, MAX_NAME)) : '—',
    operations.join(', ') || '—',
    links(b.file, b.line),
  ]);
}

/** The resource of a finding, else its address. */
function target(f: ReportFinding): string {
  const name = f.resource ?? f.address;
  return name ? codeSpan(truncate(name, MAX_NAME)) : '—';
}

/** Each distinct fix command, preceded by a shell comment naming what it fixes. */
function fixBlocks(findings: ReportFinding[]): string[] {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const f of findings) {
    if (!f.fix || seen.has(f.fix)) continue;
    seen.add(f.fix);
    const what = oneLine(truncate(f.resource ?? f.address ?? f.file ?? '', MAX_NAME));
    blocks.push(defang(`# ${f.rule}${what ? `: ${what}` : ''}\n${truncate(f.fix, MAX_FIX)}`));
  }
  return blocks;
}

type Linker = (file: string | undefined, line: number | undefined) => string;

/** `[file:line](repo/blob/sha/file#Lline)` when the repository and a commit are known, else `file:line` in code. */
function linker(repoUrl: string, headSha: string): Linker {
  const base = /^https?:\/\/[^\s()<>]+$/.test(repoUrl) && /^[0-9a-f]{7,64}$/i.test(headSha) ? repoUrl.replace(/\/+$/, '') : '';
  return (file, line) => {
    if (file === undefined || file === '') return '—';
    const label = truncate(file, MAX_NAME) + (line ? `:${line}` : '');
    if (!base) return codeSpan(label);
    const url = `${base}/blob/${headSha}/${file.split('/').map(encodePathSegment).join('/')}${line ? `#L${line}` : ''}`;
    return `[${escapeMarkdown(label)}](${url})`;
  };
}

/** Percent-encodes a path segment, including the characters that could end a markdown link. */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
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
