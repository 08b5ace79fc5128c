/** The policy file, validated: exceptions, severity overrides, extra projects, service account per spec file. */
import type { Finding, RuleId, Severity } from '../types.ts';

/** A rule's severity as the policy sets it; `off` drops the rule's findings (fail-closed rules take none). */
export type SeverityOverride = Severity | 'off';

/** One exception: a backend (by exact address or exact resource) accepted for one rule. */
export interface PolicyException {
  rule: RuleId;
  /** Exactly one of `address` and `resource` is set. */
  address?: string;
  resource?: string;
  reason: string;
  /** Last day (UTC, `YYYY-MM-DD`) the exception applies. */
  expires?: string;
  /** 1-based line of the exception in the policy file. */
  line: number;
}

/** A validated policy file; the empty policy when there is none. */
export interface Policy {
  /** Policy file relative to the workspace (POSIX separators), when one was read. */
  file?: string;
  exceptions: PolicyException[];
  severity: Partial<Record<RuleId, SeverityOverride>>;
  projects: string[];
  /** `allowedProjects`: project IDs or patterns (may only narrow the `allowed-projects` input), with their lines. */
  allowedProjects: Array<{ pattern: string; line: number }>;
  /** Gateway service account by spec file (relative to the workspace, normalised). */
  serviceAccounts: Record<string, string>;
}

/** A policy that changes nothing. */
export function emptyPolicy(file?: string): Policy {
  return { ...(file === undefined ? {} : { file }), exceptions: [], severity: {}, projects: [], allowedProjects: [], serviceAccounts: {} };
}

/**
 * Rules that always stay errors, whatever the policy file (which a pull request controls) says: their
 * severity cannot be overridden, and an exception covers them only for one exact `resource`.
 */
export const FAIL_CLOSED_RULES: readonly RuleId[] = ['iam-unreadable', 'invalid-spec', 'invalid-plan'];

/** The empty policy and one `invalid-spec` finding on the policy file (at `line` when known). */
export function policyFailure(file: string, line: number | undefined, message: string): { policy: Policy; findings: Finding[] } {
  const finding: Finding = { rule: 'invalid-spec', severity: 'error', file, message };
  if (line !== undefined) finding.line = line;
  return { policy: emptyPolicy(file), findings: [finding] };
}
