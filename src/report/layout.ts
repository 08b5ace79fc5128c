/**
 * The layout the PR comment and the job summary share: a table of short values (icon, rule, short
 * resource name, spec link), then one entry per finding with its explanation and each fix in a fenced
 * block of its own (one copy button each).
 */
import type { BackendKind, FixMedia } from '../types.ts';
import { fixMedia } from './fixes.ts';
import { codeSpan, escapeMarkdown, longestBacktickRun, row, truncate } from './markdown.ts';
import type { ReportFinding } from './model.ts';

/** Longest visible text of a table cell. */
export const MAX_CELL = 100;
const MAX_SHORT_NAME = 40;
const MAX_WHERE = 24;
const MAX_SPEC_LABEL = 44;
const MAX_EXPLANATION = 600;
const MAX_FIX = 3000;

/** Which medium leads when a finding has both (the other one is folded under it). */
export type Medium = 'gcloud' | 'terraform';

export const SEVERITY_ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

/** Renders a spec location: a link when the repository and commit are known, else code. */
export type Linker = (file: string | undefined, line: number | undefined) => string;

/** `[file:line](repo/blob/sha/file#Lline)` with a short visible label, or `file:line` in code without a repository. */
export function linker(repoUrl: string, headSha: string): Linker {
  const base = /^https?:\/\/[^\s()<>]+$/.test(repoUrl) && /^[0-9a-f]{7,64}$/i.test(headSha) ? repoUrl.replace(/\/+$/, '') : '';
  return (file, line) => {
    if (file === undefined || file === '') return '—';
    const label = shortPath(file) + (line ? `:${line}` : '');
    if (!base) return codeSpan(label);
    const url = `${base}/blob/${headSha}/${file.split('/').map(encodePathSegment).join('/')}${line ? `#L${line}` : ''}`;
    // A zero-width space after each `/` lets a long path wrap in a narrow column (a phone).
    return `[${escapeMarkdown(label).replace(/\//g, '/\u200b')}](${url})`;
  };
}

/** A path shortened from the left (`…/specs/openapi.yaml`) to fit a table cell. */
export function shortPath(file: string): string {
  const chars = [...file];
  return chars.length <= MAX_SPEC_LABEL ? file : `…${chars.slice(chars.length - MAX_SPEC_LABEL + 1).join('')}`;
}

/** Percent-encodes a path segment, including the characters that could end a markdown link. */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The short name of what a finding is about and where: `payments`, `us-central1` (from its resource, else its address). */
export function shortTarget(resource: string | undefined, address: string | undefined): { name: string; where?: string } | undefined {
  if (resource) {
    const parts = resource.split('/');
    if (parts[0] === 'projects' && parts[2] === 'locations' && parts.length >= 6) return { name: parts[5]!, where: parts[3]! };
    if (parts[0] === 'apps' && parts[2] === 'services' && parts.length >= 4) return { name: parts[3]!, where: parts[1]! };
    if (parts[0] === 'projects' && parts.length === 2) return { name: parts[1]!, where: 'project' };
    return { name: parts.at(-1) || resource };
  }
  if (address) {
    try {
      return { name: new URL(address).hostname || address };
    } catch {
      return { name: address };
    }
  }
  return undefined;
}

/** The table cell naming a target: `` `payments` · cloud-run · us-central1 ``. */
export function targetCell(resource: string | undefined, address: string | undefined, kind: BackendKind | undefined): string {
  const target = shortTarget(resource, address);
  if (!target) return '—';
  const parts = [codeSpan(truncate(target.name, MAX_SHORT_NAME))];
  if (kind && kind !== 'unknown') parts.push(kind);
  if (target.where) parts.push(escapeMarkdown(truncate(target.where, MAX_WHERE)));
  return parts.join(' · ');
}

/** The table of failing findings: icon and number, rule, target, spec link. */
export function findingTableHeader(): string[] {
  return [row(['', 'Rule', 'Resource', 'Spec']), row(['---', '---', '---', '---'])];
}

/** One row of {@link findingTableHeader}. */
export function findingTableRow(f: ReportFinding, index: number, kind: BackendKind | undefined, links: Linker): string {
  return row([`${SEVERITY_ICON[f.severity]} ${index}`, codeSpan(f.rule), targetCell(f.resource, f.address, kind), links(f.file, f.line)]);
}

/** The finding's fixes: the ones it carries, else derived from its fields and kind (no spec text). */
export function mediaOf(f: ReportFinding, kind: BackendKind | undefined): FixMedia | undefined {
  return f.fixes ?? fixMedia(f, kind ? { kind } : {});
}

/**
 * The explanation of a finding, in a sentence or two: its message with the full resource name
 * shortened to the name the table shows, escaped.
 */
export function explanation(f: ReportFinding, max = MAX_EXPLANATION): string {
  let text = f.message;
  for (const full of [f.resource, f.grantOn]) {
    const target = shortTarget(full, undefined);
    if (full && target && target.name !== full) text = text.split(full).join(target.name);
  }
  return escapeMarkdown(truncate(text, max));
}

/** A fenced code block that nothing inside can close. */
export function fenced(lang: string, text: string): string[] {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  return [`${fence}${lang}`, ...text.split('\n'), fence];
}

/** The fix blocks of one finding: the leading medium open, the other folded, and the spec change. */
export function fixLines(media: FixMedia | undefined, medium: Medium = 'gcloud'): string[] {
  if (!media) return [];
  const out: string[] = [];
  const by = media.gcloudRevertedBy;
  const byPlace = by?.file ? ` (${codeSpan(truncate(`${by.file}${by.line ? `:${by.line}` : ''}`, 200), { table: false })})` : '';
  const reverted = by ? [`_The next \`terraform apply\` of ${codeSpan(truncate(by.address, 200), { table: false })}${byPlace} would revert this command._`, ''] : [];
  const gcloud = media.gcloud ? [...reverted, ...fenced('sh', truncate(media.gcloud, MAX_FIX))] : undefined;
  const terraform = media.terraform ? fenced('hcl', truncate(media.terraform, MAX_FIX)) : undefined;
  const [first, second, secondName] = medium === 'terraform' && terraform ? [terraform, gcloud, 'gcloud'] : [gcloud, terraform, 'Terraform'];
  if (media.spec) {
    const s = media.spec;
    const where = `line ${s.line} of ${codeSpan(truncate(s.file, 300), { table: false })}`;
    out.push('', s.replacement === '' ? `Delete ${where}:` : `Change ${where}:`, '');
    const minus = s.original === undefined ? [] : [`-${s.original}`];
    const plus = s.replacement === '' ? [] : s.replacement.split('\n').map((l) => `+${l}`);
    out.push(...fenced('diff', truncate([...minus, ...plus].join('\n'), MAX_FIX)));
  }
  if (first) out.push('', ...first);
  if (second) out.push('', `<details><summary>${secondName}</summary>`, '', ...second, '', '</details>');
  return out;
}

/** A finding's entry: a bold title line, its explanation, its fixes; or the same folded in `<details>`. */
export function findingEntry(
  f: ReportFinding,
  index: number,
  kind: BackendKind | undefined,
  options: { folded: boolean; medium?: Medium; extra?: string[] },
): string {
  const target = shortTarget(f.resource, f.address);
  const name = target ? truncate(target.name, MAX_SHORT_NAME) : '';
  const fixes = fixLines(mediaOf(f, kind), options.medium);
  const body = [explanation(f), ...(options.extra ?? []), ...fixes];
  if (options.folded) {
    const title = `${index}. ${SEVERITY_ICON[f.severity]} ${f.rule}${name ? ` · ${escapeMarkdown(name)}` : ''}`;
    return [`<details><summary>${title}</summary>`, '', ...body, '', '</details>'].join('\n');
  }
  const title = `**${index}. ${SEVERITY_ICON[f.severity]} ${codeSpan(f.rule, { table: false })}${name ? ` · ${codeSpan(name, { table: false })}` : ''}**`;
  return [title, '', ...body].join('\n');
}
