/**
 * Group, user and domain members in public output (summary, PR comment, annotations, CLI text, SARIF):
 * counted, not named, unless `show-members` is true. The JSON report always names them. Pure.
 */
import type { Report } from './model.ts';

/** `group:x@y`, `user:x@y`, `domain:y` (also `deleted:` ones) and IAM v2 group/subject principals. */
const MEMBER = /\b(?:deleted:)?(group|user|domain):[^\s,;()"'`<>[\]{}|]+|\bprincipal(?:Set)?:\/\/goog\/(group|subject)\/[^\s,;()"'`<>[\]{}|]+/g;

const KIND: Record<string, string> = { group: 'group', user: 'user', domain: 'domain', subject: 'user' };

/** `text` with every group/user/domain member replaced by `group:(name hidden)` (or `user:`, `domain:`). */
export function hideMembers(text: string): string {
  return text.replace(MEMBER, (_match, type?: string, v2?: string) => `${KIND[type ?? v2 ?? ''] ?? 'member'}:(name hidden)`);
}

/** The report as shown publicly: members in messages and fixes counted, not named (see `show-members`). */
export function maskMembers(report: Report): Report {
  const findings = report.findings.map((finding) => {
    const names = new Set<string>();
    for (const m of [...finding.message.matchAll(MEMBER), ...(finding.fix ?? '').matchAll(MEMBER)]) names.add(m[0]);
    if (names.size === 0) return finding;
    const note = ` (${names.size} group/user/domain member${names.size === 1 ? '' : 's'} not named in public output: see the JSON report, or set show-members: true)`;
    return { ...finding, message: hideMembers(finding.message) + note, ...(finding.fix === undefined ? {} : { fix: hideMembers(finding.fix) }) };
  });
  return { ...report, findings };
}
