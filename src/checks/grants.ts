import { EXPIRY_WARNING_DAYS } from '../iam/conditions.ts';
import type { Grant, AccessAnswer } from '../iam/evaluate.ts';
import type { Backend, Finding } from '../types.ts';
import { backendFinding, shellArg } from './finding.ts';

/** How to grant or revoke a role on the backend resource itself (kind-specific gcloud). */
export interface ResourceCommands {
  /** `gcloud ... add-iam-policy-binding` for the resource, given member and role. */
  add(member: string, role: string): string;
  /** `gcloud ... remove-iam-policy-binding` for the resource, given member and role. */
  remove(member: string, role: string): string;
}

/** Describes where a grant sits, e.g. `roles/run.invoker on folders/12 (inherited)`. */
export function describeGrant(g: Grant): string {
  const where = g.level === 'resource' ? g.resource : `${g.resource} (inherited)`;
  const condition = g.condition ? ` under condition "${g.condition.title ?? g.condition.expression ?? ''}"` : '';
  const planned = g.planned ? ` (planned: ${g.planned.address} (${g.planned.action}))` : '';
  return `${g.member} holds ${g.role} on ${where}${condition}${planned}`;
}

/** The gcloud command that removes a grant wherever it sits. */
function removeCommand(g: Grant, commands: ResourceCommands): string {
  const args = `--member=${shellArg(g.member)} --role=${shellArg(g.role)}`;
  const id = g.resource.split('/')[1] ?? g.resource;
  switch (g.level) {
    case 'project':
      return `gcloud projects remove-iam-policy-binding ${id} ${args}`;
    case 'folder':
      return `gcloud resource-manager folders remove-iam-policy-binding ${id} ${args}`;
    case 'organization':
      return `gcloud organizations remove-iam-policy-binding ${id} ${args}`;
    default:
      return commands.remove(g.member, g.role);
  }
}

/** `public-access` findings for every public grant of the invoking permission. */
export function publicGrantFindings(
  backend: Backend,
  resource: string,
  permission: string,
  answer: AccessAnswer,
  commands: ResourceCommands,
): Finding[] {
  return answer.public.map((g) =>
    backendFinding(
      backend,
      'public-access',
      'error',
      `Anyone can call this backend: ${describeGrant(g)}, which includes ${permission}.${g.schedule ? ` ${g.schedule}` : ''} Remove the public grant; the gateway's service account needs its own.`,
      { resource, fix: removeCommand(g, commands) },
    ),
  );
}

/**
 * The service account's side: nothing when it holds the permission outright; otherwise the weakest
 * standing grant (conditional, unverified), else unreadable, else missing.
 */
export function accountGrantFindings(
  backend: Backend,
  resource: string,
  permission: string,
  account: string,
  answer: AccessAnswer,
  missing: { role: string; fix: string; note?: string; rule?: 'missing-invoker' | 'missing-iap-access' | 'missing-app-engine-permissions'; on?: string; grantOn?: string },
): Finding[] {
  const { deny } = answer;
  const who = { account, ...(missing.grantOn ? { grantOn: missing.grantOn } : {}) };
  if (deny.denied.length > 0) {
    return [
      backendFinding(
        backend,
        missing.rule ?? 'missing-invoker',
        'error',
        `${account} is denied ${permission} by ${deny.denied[0]}: API Gateway's calls will be refused with 403 whatever roles it holds. Add the service account to the rule's exceptionPrincipals, or remove it from deniedPrincipals.`,
        { resource, permission, ...who },
      ),
    ];
  }
  if (answer.direct.length > 0) {
    if (deny.mayBeDenied.length > 0) {
      return [
        backendFinding(
          backend,
          'conditional-grant',
          'warning',
          `${account} holds ${permission} (${describeGrant(answer.direct[0] as Grant)}), but ${deny.mayBeDenied[0]} may deny it. Check the deny rule.`,
          { resource, permission, ...who },
        ),
      ];
    }
    if (deny.unknown.length > 0) {
      return [
        backendFinding(
          backend,
          'iam-unreadable',
          'error',
          `${account} holds ${permission}, but a deny policy could override it: ${unique(deny.unknown).join(' ')}`,
          { resource, permission, ...who },
        ),
      ];
    }
    return [];
  }
  if (answer.conditional.length > 0) {
    const g = answer.conditional[0] as Grant;
    const soon = g.expiresSoon && g.endsAt ? `Ends within ${EXPIRY_WARNING_DAYS} days: ` : '';
    const schedule = g.schedule ? ` ${g.schedule}` : '';
    return [
      backendFinding(
        backend,
        'conditional-grant',
        'warning',
        `${soon}${account} holds ${permission} only under an IAM condition that depends on the moment of the call (${describeGrant(g)}).${schedule} The gateway's calls fail whenever the condition is false; grant ${missing.role} without a condition.`,
        { resource, fix: missing.fix, permission, ...who },
      ),
    ];
  }
  if (answer.unverified.length > 0) {
    const g = answer.unverified[0] as Grant;
    return [
      backendFinding(
        backend,
        'unverified-grant',
        'warning',
        `${account} holds ${permission} only if it is a member of ${g.member} (${describeGrant(g)}), which cannot be verified here. Grant ${missing.role} to the service account itself.`,
        { resource, fix: missing.fix, permission, ...who },
      ),
    ];
  }
  if (answer.unknownForAccount.length > 0) {
    return [
      backendFinding(
        backend,
        'iam-unreadable',
        'error',
        `Cannot verify that ${account} may call this backend: ${unique(answer.unknownForAccount).join(' ')}`,
        { resource, permission, ...who },
      ),
    ];
  }
  const note = missing.note ? ` ${missing.note}` : '';
  const refused = answer.refused.length > 0 ? ` ${refusedText(answer)}` : '';
  return [
    backendFinding(
      backend,
      missing.rule ?? 'missing-invoker',
      'error',
      `${account} lacks ${permission} on ${missing.on ?? resource} (checked the resource, its project, folders and organization): API Gateway's calls will be refused with 403. Grant ${missing.role}.${refused}${note}`,
      { resource, fix: missing.fix, permission, ...who },
    ),
  ];
}

/** Why the account's conditional bindings do not grant (at most three, then a count). */
function refusedText(answer: AccessAnswer): string {
  const shown = answer.refused.slice(0, 3).map(({ grant, why }) => `${grant.role} on ${grant.resource} does not grant: ${why}.`);
  const more = answer.refused.length > 3 ? ` (${answer.refused.length - 3} more conditional bindings do not grant either.)` : '';
  return `Its conditional binding${answer.refused.length > 1 ? 's' : ''}: ${shown.join(' ')}${more}`;
}

/** `iam-unreadable` when public access could not be ruled out. */
export function publicUnknownFindings(backend: Backend, resource: string, answer: AccessAnswer): Finding[] {
  if (answer.public.length > 0 || answer.unknownForPublic.length === 0) return [];
  return [
    backendFinding(
      backend,
      'iam-unreadable',
      'error',
      `Cannot rule out public access to this backend: ${unique(answer.unknownForPublic).join(' ')}`,
      { resource },
    ),
  ];
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** Folds several `iam-unreadable` findings of one backend into one, so a reviewer reads each cause once. */
export function mergeUnreadable(findings: Finding[]): Finding[] {
  const unreadable = findings.filter((f) => f.rule === 'iam-unreadable');
  if (unreadable.length < 2) return findings;
  const first = unreadable[0] as Finding;
  const message = unique(unreadable.map((f) => f.message)).join(' ');
  return [...findings.filter((f) => f.rule !== 'iam-unreadable'), { ...first, message }];
}
