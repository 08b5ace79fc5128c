import type { TroubleshootAnswer } from '../gcp/troubleshooter.ts';
import type { Backend, Finding } from '../types.ts';
import { backendFinding } from './finding.ts';

/** The grant the gateway needs on a backend, as Policy Troubleshooter names it. */
export interface AccessTuple {
  fullResourceName: string;
  permission: string;
  /** The rule that reports the grant missing for this kind of backend. */
  missingRule: 'missing-invoker' | 'missing-iap-access';
}

const ACCOUNT_RULES = new Set(['missing-invoker', 'missing-iap-access', 'conditional-grant', 'unverified-grant']);

/**
 * Reconciles our findings about the account's grant with Policy Troubleshooter's answer: it confirms or
 * overturns an unverified or conditional grant, and any other disagreement becomes a warning that shows both.
 */
export function applySecondOpinion(
  backend: Backend,
  findings: Finding[],
  tuple: AccessTuple,
  account: string,
  answer: TroubleshootAnswer | { error: string },
  /** Our own explanation of the account's grant, when we found one (e.g. `describeGrant`). */
  ourGrant?: string,
): Finding[] {
  const resource = findings.find((f) => f.resource)?.resource;
  const extra = resource ? { resource } : {};
  if ('error' in answer) {
    return [
      ...findings,
      backendFinding(backend, 'iam-unreadable', 'warning', `Policy Troubleshooter could not be asked (${answer.error}); the verdict rests on gateway-guard's own evaluation.`, extra),
    ];
  }
  const ours = findings.filter((f) => ACCOUNT_RULES.has(f.rule) && f.permission === tuple.permission);
  const others = findings.filter((f) => !ours.includes(f));
  const theirs = `Policy Troubleshooter answers ${answer.state} for ${account}, ${tuple.permission} on ${tuple.fullResourceName}`;
  const weak = ours.filter((f) => f.rule === 'conditional-grant' || f.rule === 'unverified-grant');
  const missing = ours.filter((f) => f.rule === tuple.missingRule);

  if (answer.state === 'CAN_ACCESS') {
    if (weak.length > 0 && missing.length === 0) return others; // confirmed: the group or condition does grant it
    if (missing.length > 0) {
      return [...findings, backendFinding(backend, 'unverified-grant', 'warning', `${theirs}, but gateway-guard found no grant: ${missing[0]?.message} Review the grant it relies on.`, extra)];
    }
    return findings;
  }
  if (answer.state === 'CANNOT_ACCESS') {
    if (weak.length > 0) {
      return [
        ...others,
        backendFinding(backend, tuple.missingRule, 'error', `${theirs} (allow: ${answer.allowState ?? '?'}, deny: ${answer.denyState ?? '?'}), overturning: ${weak[0]?.message}`, extra),
      ];
    }
    if (ours.length === 0) {
      return [
        ...findings,
        backendFinding(
          backend,
          'unverified-grant',
          'warning',
          `${theirs} (allow: ${answer.allowState ?? '?'}, deny: ${answer.denyState ?? '?'}), although gateway-guard found a grant${ourGrant ? ` (${ourGrant})` : ''}. Check deny policies and conditions that gateway-guard cannot see.`,
          extra,
        ),
      ];
    }
  }
  return findings;
}
