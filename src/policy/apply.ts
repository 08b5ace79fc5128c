/** Applies a policy to findings: severity overrides, then exceptions (with expiry). Pure. */
import type { Finding } from '../types.ts';
import type { Policy, PolicyException } from './model.ts';
import { FAIL_CLOSED_RULES } from './model.ts';

/**
 * Severity overrides first (`off` drops the finding), then exceptions: the first unexpired exception with
 * the finding's rule and its exact `address` (or exact `resource`) sets `finding.exception`. Fail-closed
 * rules (`iam-unreadable`, `invalid-spec`, `invalid-plan`) take no override at all, and an exception
 * covers them only by exact `resource` (load.ts refuses the rest; this holds the line for any policy). An exception is live through its
 * `expires` day (UTC). An expired exception that would have matched adds one warning, with the
 * exception's rule, at its line in the policy file. Exceptions that match nothing add nothing: one
 * policy file may serve several jobs with different spec sets.
 */
export function applyPolicy(findings: Finding[], policy: Policy, now: Date): Finding[] {
  const today = now.toISOString().slice(0, 10);
  const expiredHits = new Set<PolicyException>();
  const result: Finding[] = [];
  for (const original of findings) {
    const failClosed = FAIL_CLOSED_RULES.includes(original.rule);
    const override = failClosed ? undefined : policy.severity[original.rule];
    if (override === 'off') continue;
    const finding: Finding = { ...original };
    if (override !== undefined) finding.severity = override;
    if (!finding.exception) {
      const matching = policy.exceptions.filter((exception) => matches(exception, finding));
      const live = matching.find((exception) => exception.expires === undefined || exception.expires >= today);
      if (live) {
        finding.exception = { reason: live.reason, ...(live.expires === undefined ? {} : { expires: live.expires }) };
      } else {
        for (const exception of matching) expiredHits.add(exception);
      }
    }
    result.push(finding);
  }
  for (const exception of policy.exceptions) {
    if (expiredHits.has(exception)) result.push(expiredWarning(exception, policy.file));
  }
  return result;
}

function matches(exception: PolicyException, finding: Finding): boolean {
  if (exception.rule !== finding.rule) return false;
  if (FAIL_CLOSED_RULES.includes(finding.rule)) return exception.resource !== undefined && exception.address === undefined && finding.resource === exception.resource;
  if (exception.address !== undefined) return finding.address === exception.address;
  return exception.resource !== undefined && finding.resource === exception.resource;
}

function expiredWarning(exception: PolicyException, file: string | undefined): Finding {
  const target = exception.address ?? exception.resource ?? '';
  const where = file ?? 'the policy file';
  const warning: Finding = {
    rule: exception.rule,
    severity: 'warning',
    message:
      `Exception for ${exception.rule} on ${target} expired on ${exception.expires}: the finding counts again. ` +
      `Fix the finding, or renew the exception with a later "expires" in ${where} (reason was: ${exception.reason}).`,
    line: exception.line,
  };
  if (file !== undefined) warning.file = file;
  if (exception.address !== undefined) warning.address = exception.address;
  if (exception.resource !== undefined) warning.resource = exception.resource;
  return warning;
}

/** The gateway service account for a spec file: the policy's `serviceAccounts` entry, else `fallback`. */
export function serviceAccountFor(policy: Policy, file: string, fallback: string): string {
  return policy.serviceAccounts[file] ?? fallback;
}

/** The `project` input's projects followed by the policy's, without repeats. */
export function searchProjects(inputProjects: string[], policy: Policy): string[] {
  return [...new Set([...inputProjects, ...policy.projects])];
}
