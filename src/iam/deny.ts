import type { DenyRule } from '../gcp/types.ts';
import type { AccessFacts } from './facts.ts';

/** Which deny rules stop a permission, for the account and for everyone. */
export interface DenyAnswer {
  /** Unconditional rules that deny the account. */
  denied: string[];
  /** Rules that deny it only under a condition, or through a group it may belong to. */
  mayBeDenied: string[];
  /** Unconditional rules that deny everyone (`principalSet://goog/public:all`). */
  deniedToEveryone: string[];
  /** Deny policies that could not be read. */
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

function describe(policy: string, rule: DenyRule): string {
  const condition = rule.denialCondition ? ` when "${rule.denialCondition.title ?? rule.denialCondition.expression}"` : '';
  return `deny policy ${policy}${condition}`;
}

/** Evaluates every deny rule of the facts against `permission` for `email`. */
export function whoIsDenied(permission: string, email: string, facts: AccessFacts): DenyAnswer {
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
        const text = describe(name, rule);
        const everyone = matches.includes('everyone');
        if (everyone && !rule.denialCondition && rule.exceptionPrincipals.length === 0) answer.deniedToEveryone.push(text);
        if (exceptions.includes('account')) continue;
        const hits = matches.includes('account') || everyone;
        const certain = hits && !rule.denialCondition && !exceptions.includes('maybe');
        if (certain) answer.denied.push(text);
        else if (hits || matches.includes('maybe')) answer.mayBeDenied.push(text);
      }
    }
  }
  return answer;
}
