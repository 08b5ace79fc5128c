import type { DenyRule } from '../gcp/types.ts';
import { holdsLater, judgeCondition, type ConditionFacts } from './conditions.ts';
import type { AccessFacts } from './facts.ts';

/** Which deny rules stop a permission, for the account and for everyone. */
export interface DenyAnswer {
  /** Rules that deny the account: unconditional, or whose condition is true or cannot be evaluated (IAM's rule). */
  denied: string[];
  /** Rules that may deny it: through a group or principal set it may belong to, or from a later time (its condition false now). */
  mayBeDenied: string[];
  /** Rules that deny everyone (`principalSet://goog/public:all`), unconditionally or under a condition true without depending on time. */
  deniedToEveryone: string[];
  /** Deny policies that could not be read, or deny conditions that need facts that could not be read. */
  unknown: string[];
}

/** `run.routes.invoke` → `run.googleapis.com/routes.invoke`, the permission format of deny policies. */
export function denyPermission(permission: string): string {
  const dot = permission.indexOf('.');
  return `${permission.slice(0, dot)}.googleapis.com/${permission.slice(dot + 1)}`;
}

function permissionMatches(pattern: string, permission: string): boolean {
  if (pattern === permission || pattern === '*') return true;
  return pattern.endsWith('*') && permission.startsWith(pattern.slice(0, -1));
}

type PrincipalMatch = 'account' | 'everyone' | 'maybe' | 'no';

/** How a deny-policy principal (IAM v2 identifier) relates to the service account `email`. */
export function matchDenyPrincipal(principal: string, email: string): PrincipalMatch {
  if (principal === 'principalSet://goog/public:all') return 'everyone';
  const sa = /^principal:\/\/iam\.googleapis\.com\/projects\/[^/]+\/serviceAccounts\/(.+)$/.exec(principal);
  if (sa) return (sa[1] ?? '').toLowerCase() === email.toLowerCase() ? 'account' : 'no';
  const inProject = /^principalSet:\/\/cloudresourcemanager\.googleapis\.com\/projects\/([^/]+)\/type\/ServiceAccount$/.exec(principal);
  if (inProject) return email.toLowerCase().endsWith(`@${(inProject[1] ?? '').toLowerCase()}.iam.gserviceaccount.com`) ? 'account' : 'maybe';
  if (/^principalSet:\/\/cloudresourcemanager\.googleapis\.com\/(folders|organizations)\/[^/]+\/type\/ServiceAccount$/.test(principal)) return 'maybe';
  if (principal.startsWith('principalSet://goog/group/')) return 'maybe';
  return 'no';
}

function describe(policy: string, rule: DenyRule, why?: string): string {
  const condition = rule.denialCondition ? ` when "${rule.denialCondition.title ?? rule.denialCondition.expression}"` : '';
  return `deny policy ${policy}${condition}${why ? ` (${why})` : ''}`;
}

/** How a denial condition applies: a deny applies when its condition is true or cannot be evaluated. */
function conditionApplies(rule: DenyRule, attributes: ConditionFacts, now: Date): { applies: boolean; certain: boolean; why?: string; unreadable?: string; later?: string } {
  if (!rule.denialCondition) return { applies: true, certain: true };
  const verdict = judgeCondition(rule.denialCondition, attributes, now);
  switch (verdict.holds) {
    case 'always':
      return { applies: true, certain: true, why: 'its condition is true' };
    case 'now':
      return { applies: true, certain: false, why: `its condition is true now. ${verdict.schedule}` };
    case 'per-request':
      return { applies: true, certain: false, why: verdict.why };
    case 'no': {
      if (!verdict.evaluable) return { applies: true, certain: false, why: `${verdict.why}; a deny condition that cannot be evaluated applies` };
      // False now, but a deny that starts later (a date, nights, weekends) is an outage waiting to happen.
      const later = holdsLater(rule.denialCondition, attributes, now);
      if (later && 'unknown' in later) return { applies: false, certain: false, unreadable: later.unknown };
      if (later) return { applies: false, certain: false, later: 'from' in later ? `its condition is false now but holds from ${later.from}` : 'its condition is false now but depends on the time and may hold at other times' };
      return { applies: false, certain: false };
    }
    case 'unreadable':
      return { applies: false, certain: false, unreadable: verdict.why };
  }
}

/** Evaluates every deny rule of the facts against `permission` for `email` at `now`. */
export function whoIsDenied(permission: string, email: string, facts: AccessFacts, now: Date = new Date()): DenyAnswer {
  const attributes = facts.attributes ?? { backend: 'cloud-run' };
  const answer: DenyAnswer = { denied: [], mayBeDenied: [], deniedToEveryone: [], unknown: [] };
  const wanted = denyPermission(permission);
  for (const fact of facts.denies ?? []) {
    if (!fact.policies) {
      answer.unknown.push(fact.error ?? `the deny policies of ${fact.attachmentPoint} could not be read`);
      continue;
    }
    for (const policy of fact.policies) {
      const name = policy.name ? decodeURIComponent(policy.name) : fact.attachmentPoint;
      for (const rule of policy.rules) {
        if (!rule.deniedPermissions.some((p) => permissionMatches(p, wanted))) continue;
        if (rule.exceptionPermissions.some((p) => permissionMatches(p, wanted))) continue;
        const matches = rule.deniedPrincipals.map((p) => matchDenyPrincipal(p, email));
        const exceptions = rule.exceptionPrincipals.map((p) => matchDenyPrincipal(p, email));
        const everyone = matches.includes('everyone');
        const relevant = everyone || matches.includes('account') || matches.includes('maybe');
        if (!relevant) continue;
        const when = conditionApplies(rule, attributes, now);
        if (when.unreadable) {
          answer.unknown.push(`${describe(name, rule)}: ${when.unreadable}.`);
          continue;
        }
        if (!when.applies) {
          if (when.later && !exceptions.includes('account')) answer.mayBeDenied.push(describe(name, rule, when.later));
          continue;
        }
        const text = describe(name, rule, when.why);
        // Only a deny that certainly applies may hide public access: assuming one would fail open.
        if (everyone && when.certain && rule.exceptionPrincipals.length === 0) answer.deniedToEveryone.push(text);
        if (exceptions.includes('account')) continue;
        const hits = matches.includes('account') || everyone;
        if (hits && !exceptions.includes('maybe')) answer.denied.push(text);
        else answer.mayBeDenied.push(describe(name, rule, [when.why, 'through a group or principal set the account may belong to'].filter(Boolean).join('; ')));
      }
    }
  }
  return answer;
}
