/** Safe GitHub-flavoured markdown from untrusted text, and size budgets (job summary, PR comment). */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  '_': '&#95;',
  '~': '&#126;',
  '[': '&#91;',
  ']': '&#93;',
  '$': '&#36;',
};

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Plain text safe anywhere in markdown, table cells included: one line, no formatting, links (autolinks
 * included), HTML, math, @mentions or issue references.
 */
export function escapeMarkdown(text: string): string {
  return (
    oneLine(text)
      // GitHub links bare `scheme://…` and `www.…` text (and a link to an issue shows in its timeline):
      // a zero-width space after the colon, or after `www`, keeps the text and drops the link.
      .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
      .replace(/www\./gi, (www) => `${www.slice(0, 3)}${ZERO_WIDTH_SPACE}.`)
      // An @ right after a letter or digit (an email) never mentions anyone; elsewhere it might.
      .replace(/(^|[^A-Za-z0-9])@(?=\w)/g, `$1@${ZERO_WIDTH_SPACE}`)
      // `#123` (and `GH-123`) would cross-reference an issue from the comment: break the reference.
      .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
      .replace(/\bGH-(?=\d)/g, `GH-${ZERO_WIDTH_SPACE}`)
      .replace(/[&<>|\\`*_~[\]$]/g, (c) => ENTITIES[c] ?? c)
  );
}

/**
 * Inline code showing `text` verbatim, even with backticks inside. By default it is safe in a table
 * cell (`|` escaped as `\|`, which GitHub unescapes there); pass `{ table: false }` elsewhere.
 */
export function codeSpan(text: string, options: { table?: boolean } = {}): string {
  let body = oneLine(text);
  if (body === '') return '';
  if (options.table ?? true) body = body.replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestBacktickRun(body) + 1);
  // Markdown strips one space from each side of a code span: add one where the text needs its own
  // (or where a backtick at the edge would otherwise join the fence).
  const edgeSpaces = body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '';
  const pad = body.startsWith('`') || body.endsWith('`') || edgeSpaces ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** The longest run of backticks in `text`: a code fence must be longer to hold it. */
export function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/** Joins shell line continuations and turns every other line break into a space. */
export function oneLine(text: string): string {
  // The lookbehind starts a match only at the first blank of a run: linear, where `[ \t]*\\` alone
  // would rescan a long run of blanks from each of its positions.
  return text.replace(/(?<![ \t])[ \t]*\\\r?\n[ \t]*/g, ' ').replace(/\r\n|\r|\n/g, ' ');
}

/** Shortens `text` to at most `max` characters, ending with `…` when cut (never inside a surrogate pair). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 0) return '';
  return chars.slice(0, max - 1).join('') + '…';
}

/** Size of `text` in UTF-8 bytes (GitHub's job summary limit is in bytes). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The leading `lines` whose total size (each plus a line break) fits in `budget`, and how many
 * were left out. `size` measures a string: UTF-8 bytes by default, `(s) => s.length` for characters.
 */
export function fitLines(
  lines: string[],
  budget: number,
  size: (text: string) => number = utf8Length,
): { kept: string[]; omitted: number } {
  let used = 0;
  let count = 0;
  for (const line of lines) {
    const cost = size(line) + 1;
    if (used + cost > budget) break;
    used += cost;
    count++;
  }
  return { kept: lines.slice(0, count), omitted: lines.length - count };
}

/** A markdown table: header cells (already markdown) and rows of cells (already escaped). */
export function tableLines(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

/** One table row from cells that are already escaped. */
export function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}
