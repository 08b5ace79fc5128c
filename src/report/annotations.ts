/** Chooses the workflow annotations to emit within GitHub's per-step limits. */
import type { Finding, Severity } from '../types.ts';
import { compareFindings, effectiveSeverity } from './verdict.ts';

/** One annotation, ready for `core.error`/`core.warning`/`core.notice` (`line` is `startLine`). */
export interface Annotation {
  level: Severity;
  title: string;
  message: string;
  file?: string;
  line?: number;
}

/**
 * The most severe findings as annotations, at most `perLevel` per level (GitHub keeps 10 of each
 * per step and silently drops the rest) less the slots `reserved` for the action's own messages; when
 * some are left out, the last notice slot says how many and where they are (`moreIn`).
 */
export function selectAnnotations(
  findings: Finding[],
  perLevel = 10,
  reserved: Partial<Record<'error' | 'warning', number>> = {},
  moreIn = 'the job summary',
): Annotation[] {
  const sorted = [...findings].sort(compareFindings);
  const byLevel: Record<Severity, Finding[]> = { error: [], warning: [], notice: [] };
  for (const finding of sorted) byLevel[effectiveSeverity(finding)].push(finding);

  const errors = byLevel.error.slice(0, Math.max(0, perLevel - (reserved.error ?? 0)));
  const warnings = byLevel.warning.slice(0, Math.max(0, perLevel - (reserved.warning ?? 0)));
  let notices = byLevel.notice.slice(0, perLevel);
  let omitted = findings.length - errors.length - warnings.length - notices.length;
  if (omitted > 0 && notices.length === perLevel) {
    notices = notices.slice(0, perLevel - 1);
    omitted++;
  }

  const annotations = [...errors, ...warnings, ...notices].map(toAnnotation);
  annotations.push(...plannedAnnotations(annotations, [...errors, ...warnings, ...notices], perLevel, reserved));
  if (omitted > 0 && perLevel > 0) {
    annotations.push({
      level: 'notice',
      title: 'gateway-guard',
      message: `${omitted} more ${omitted === 1 ? 'finding' : 'findings'} in ${moreIn}`,
    });
  }
  return annotations;
}

/** The annotation of one finding: its message, then the fix or the exception's reason. */
export function toAnnotation(finding: Finding): Annotation {
  const lines = [finding.message];
  if (finding.exception) {
    const until = finding.exception.expires ? ` (until ${finding.exception.expires})` : '';
    lines.push(`Excepted by policy: ${finding.exception.reason}${until}`);
  } else if (finding.fix) {
    lines.push(finding.fix);
  }
  const annotation: Annotation = {
    level: effectiveSeverity(finding),
    title: `gateway-guard: ${finding.rule}`,
    message: lines.join('\n'),
  };
  if (finding.file !== undefined) annotation.file = finding.file;
  if (finding.file !== undefined && finding.line !== undefined) annotation.line = finding.line;
  return annotation;
}

/**
 * A finding that rests on a planned change is also annotated on the `resource` block of that change in the
 * `.tf` file (where the reviewer reads the Terraform diff), in the slots its level has left.
 */
function plannedAnnotations(
  taken: Annotation[],
  findings: Finding[],
  perLevel: number,
  reserved: Partial<Record<'error' | 'warning', number>>,
): Annotation[] {
  const used: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const a of taken) used[a.level]++;
  const out: Annotation[] = [];
  for (const finding of findings) {
    const level = effectiveSeverity(finding);
    for (const p of finding.planned ?? []) {
      const free = perLevel - (level === 'notice' ? 1 : (reserved[level] ?? 0)) - used[level];
      if (p.file === undefined || p.line === undefined || free <= 0) continue;
      used[level]++;
      out.push({ ...toAnnotation(finding), title: `gateway-guard: ${finding.rule} (${p.address} ${p.action})`, file: p.file, line: p.line });
    }
  }
  return out;
}
