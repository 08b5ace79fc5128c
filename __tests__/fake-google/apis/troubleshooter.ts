/**
 * Policy Troubleshooter v3 `iam:troubleshoot`: a canned answer from the world's `troubleshoot` map
 * (key `principal|fullResourceName|permission`), else a simple evaluation of the world's allow
 * policies (resource + ancestors) and IAM v2 deny policies.
 */
import { invalid, notFound, renderPolicy } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { Binding } from '../world.ts';
import { policyChain } from './asset.ts';

type Membership = 'MEMBERSHIP_MATCHED' | 'MEMBERSHIP_NOT_MATCHED' | 'MEMBERSHIP_UNKNOWN_INFO' | 'MEMBERSHIP_UNKNOWN_UNSUPPORTED';
type Allow = 'ALLOW_ACCESS_STATE_GRANTED' | 'ALLOW_ACCESS_STATE_NOT_GRANTED' | 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' | 'ALLOW_ACCESS_STATE_UNKNOWN_INFO';
type Deny = 'DENY_ACCESS_STATE_DENIED' | 'DENY_ACCESS_STATE_NOT_DENIED' | 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL' | 'DENY_ACCESS_STATE_UNKNOWN_INFO';

/** Does an allow-policy member include the principal (an email)? */
function membership(member: string, principal: string): Membership {
  const p = principal.toLowerCase();
  const [kind = '', value = ''] = member.split(/:(.*)/s);
  switch (kind) {
    case 'allUsers':
    case 'allAuthenticatedUsers':
      return 'MEMBERSHIP_MATCHED';
    case 'user':
    case 'serviceAccount':
      return value.toLowerCase() === p ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED';
    case 'domain':
      if (p.endsWith('.gserviceaccount.com')) return 'MEMBERSHIP_NOT_MATCHED';
      return p.endsWith(`@${value.toLowerCase()}`) ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED';
    case 'group':
      return 'MEMBERSHIP_UNKNOWN_INFO';
    default:
      return member.startsWith('principal') ? 'MEMBERSHIP_UNKNOWN_UNSUPPORTED' : 'MEMBERSHIP_NOT_MATCHED';
  }
}

const rank: Record<string, number> = { GRANTED: 3, UNKNOWN_CONDITIONAL: 2, UNKNOWN_INFO: 1, NOT_GRANTED: 0 };
function best(states: Allow[]): Allow {
  let out: Allow = 'ALLOW_ACCESS_STATE_NOT_GRANTED';
  for (const s of states) if ((rank[s.replace('ALLOW_ACCESS_STATE_', '')] ?? 0) > (rank[out.replace('ALLOW_ACCESS_STATE_', '')] ?? 0)) out = s;
  return out;
}

/** `run.routes.invoke` → `run.googleapis.com/routes.invoke` (the v2 deny-policy form). */
const fqdn = (permission: string): string => {
  const i = permission.indexOf('.');
  return `${permission.slice(0, i)}.googleapis.com/${permission.slice(i + 1)}`;
};

const DENY_RANK: Record<Deny, number> = {
  DENY_ACCESS_STATE_NOT_DENIED: 0, DENY_ACCESS_STATE_UNKNOWN_INFO: 1, DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL: 2, DENY_ACCESS_STATE_DENIED: 3,
};
/** The stronger of two deny states. */
const worse = (a: Deny, b: Deny): Deny => (DENY_RANK[b] > DENY_RANK[a] ? b : a);

function denyPrincipalMatches(entry: string, principal: string): boolean {
  if (entry === 'principalSet://goog/public:all') return true;
  const m = /^principal:\/\/(?:iam\.googleapis\.com\/projects\/-\/serviceAccounts|goog\/subject)\/(.+)$/.exec(entry);
  return !!m && (m[1] ?? '').toLowerCase() === principal.toLowerCase();
}

function permissionMatches(entry: string, permission: string): boolean {
  const want = fqdn(permission);
  if (entry === want || entry === permission) return true;
  if (entry.endsWith('/*')) return want.startsWith(entry.slice(0, -1));
  if (entry.endsWith('.*')) return want.startsWith(entry.slice(0, -1)) || permission.startsWith(entry.slice(0, -1));
  return false;
}

function troubleshoot(call: Call, principal: string, fullResourceName: string, permission: string): Record<string, unknown> {
  const chain = policyChain(call, fullResourceName);
  if (!chain) throw notFound(fullResourceName);
  const explainedPolicies = chain.nodes.map((node) => {
    const bindingExplanations = (node.policy?.bindings ?? []).map((b: Binding) => {
      const role = call.index.role(b.role);
      const included = role ? (role.includedPermissions ?? []).includes(permission) : undefined;
      const memberships: Record<string, { membership: Membership; relevance: string }> = {};
      let combined: Membership = 'MEMBERSHIP_NOT_MATCHED';
      for (const m of b.members ?? []) {
        const state = membership(m, principal);
        memberships[m] = { membership: state, relevance: state === 'MEMBERSHIP_MATCHED' ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL' };
        if (state === 'MEMBERSHIP_MATCHED') combined = state;
        else if (combined !== 'MEMBERSHIP_MATCHED' && state !== 'MEMBERSHIP_NOT_MATCHED') combined = state;
      }
      let state: Allow = 'ALLOW_ACCESS_STATE_NOT_GRANTED';
      if (included !== false && combined !== 'MEMBERSHIP_NOT_MATCHED') {
        if (included === undefined || combined !== 'MEMBERSHIP_MATCHED') state = 'ALLOW_ACCESS_STATE_UNKNOWN_INFO';
        else state = b.condition ? 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' : 'ALLOW_ACCESS_STATE_GRANTED';
      }
      const out: Record<string, unknown> = {
        allowAccessState: state,
        role: b.role,
        rolePermission: included === undefined ? 'ROLE_PERMISSION_UNKNOWN_INFO' : included ? 'ROLE_PERMISSION_INCLUDED' : 'ROLE_PERMISSION_NOT_INCLUDED',
        rolePermissionRelevance: included ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL',
        combinedMembership: { membership: combined, relevance: combined === 'MEMBERSHIP_MATCHED' ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL' },
        memberships,
        relevance: state === 'ALLOW_ACCESS_STATE_NOT_GRANTED' ? 'HEURISTIC_RELEVANCE_NORMAL' : 'HEURISTIC_RELEVANCE_HIGH',
      };
      if (b.condition) out.condition = b.condition;
      return out;
    });
    const allowAccessState = best(bindingExplanations.map((b) => b.allowAccessState as Allow));
    return {
      allowAccessState,
      fullResourceName: node.resource,
      policy: renderPolicy(node.policy, 3),
      bindingExplanations,
      relevance: allowAccessState === 'ALLOW_ACCESS_STATE_NOT_GRANTED' ? 'HEURISTIC_RELEVANCE_NORMAL' : 'HEURISTIC_RELEVANCE_HIGH',
    };
  });
  const allowState = best(explainedPolicies.map((p) => p.allowAccessState));

  // Deny policies attached to the project and its ancestors.
  const explainedResources: Record<string, unknown>[] = [];
  let denyState = 'DENY_ACCESS_STATE_NOT_DENIED' as Deny;
  for (const node of chain.nodes.filter((n) => n.resource.startsWith('//cloudresourcemanager.googleapis.com/'))) {
    const point = node.resource.slice(2);
    const attached = (call.world.denyPolicies ?? []).filter((d) => {
      const p = decodeURIComponent(d.attachmentPoint).replace(/projects\/([^/]+)$/, (_x, r: string) => `projects/${call.index.project(r)?.projectNumber ?? r}`);
      return p === point;
    });
    const policies = attached.flatMap((a) => a.policies);
    if (policies.length === 0) continue;
    let resourceState = 'DENY_ACCESS_STATE_NOT_DENIED' as Deny;
    const explained = policies.map((policy) => {
      let policyState = 'DENY_ACCESS_STATE_NOT_DENIED' as Deny;
      const ruleExplanations = ((policy.rules ?? []) as Array<{ denyRule?: Record<string, unknown> }>).map((rule) => {
        const r = (rule.denyRule ?? {}) as { deniedPrincipals?: string[]; exceptionPrincipals?: string[]; deniedPermissions?: string[]; exceptionPermissions?: string[]; denialCondition?: unknown };
        const principalHit = (r.deniedPrincipals ?? []).some((e) => denyPrincipalMatches(e, principal));
        const principalExcepted = (r.exceptionPrincipals ?? []).some((e) => denyPrincipalMatches(e, principal));
        const permissionHit = (r.deniedPermissions ?? []).some((e) => permissionMatches(e, permission));
        const permissionExcepted = (r.exceptionPermissions ?? []).some((e) => permissionMatches(e, permission));
        let state = 'DENY_ACCESS_STATE_NOT_DENIED' as Deny;
        if (principalHit && !principalExcepted && permissionHit && !permissionExcepted) {
          state = r.denialCondition ? 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL' : 'DENY_ACCESS_STATE_DENIED';
        }
        policyState = worse(policyState, state);
        return {
          denyAccessState: state,
          combinedDeniedPrincipal: { membership: principalHit ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: 'HEURISTIC_RELEVANCE_NORMAL' },
          combinedDeniedPermission: { permissionMatchingState: permissionHit ? 'PERMISSION_PATTERN_MATCHED' : 'PERMISSION_PATTERN_NOT_MATCHED', relevance: 'HEURISTIC_RELEVANCE_NORMAL' },
          combinedExceptionPrincipal: { membership: principalExcepted ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: 'HEURISTIC_RELEVANCE_NORMAL' },
          combinedExceptionPermission: { permissionMatchingState: permissionExcepted ? 'PERMISSION_PATTERN_MATCHED' : 'PERMISSION_PATTERN_NOT_MATCHED', relevance: 'HEURISTIC_RELEVANCE_NORMAL' },
          relevance: state === 'DENY_ACCESS_STATE_NOT_DENIED' ? 'HEURISTIC_RELEVANCE_NORMAL' : 'HEURISTIC_RELEVANCE_HIGH',
        };
      });
      resourceState = worse(resourceState, policyState);
      return { denyAccessState: policyState, policy, ruleExplanations, relevance: 'HEURISTIC_RELEVANCE_NORMAL' };
    });
    denyState = worse(denyState, resourceState);
    explainedResources.push({ denyAccessState: resourceState, fullResourceName: node.resource, explainedPolicies: explained, relevance: 'HEURISTIC_RELEVANCE_NORMAL' });
  }

  let overall = 'CANNOT_ACCESS';
  if (denyState === 'DENY_ACCESS_STATE_DENIED') overall = 'CANNOT_ACCESS';
  else if (allowState === 'ALLOW_ACCESS_STATE_GRANTED' && denyState === 'DENY_ACCESS_STATE_NOT_DENIED') overall = 'CAN_ACCESS';
  else if (allowState === 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' || denyState === 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL') overall = 'UNKNOWN_CONDITIONAL';
  else if (allowState === 'ALLOW_ACCESS_STATE_UNKNOWN_INFO') overall = 'UNKNOWN_INFO';

  const denyPolicyExplanation: Record<string, unknown> = {
    denyAccessState: denyState,
    permissionDeniable: true,
    relevance: denyState === 'DENY_ACCESS_STATE_NOT_DENIED' ? 'HEURISTIC_RELEVANCE_NORMAL' : 'HEURISTIC_RELEVANCE_HIGH',
  };
  if (explainedResources.length) denyPolicyExplanation.explainedResources = explainedResources;
  return {
    overallAccessState: overall,
    accessTuple: { principal, fullResourceName, permission, permissionFqdn: fqdn(permission) },
    allowPolicyExplanation: { allowAccessState: allowState, explainedPolicies, relevance: 'HEURISTIC_RELEVANCE_HIGH' },
    denyPolicyExplanation,
  };
}

/** Route of Policy Troubleshooter v3. */
export function troubleshooterRoutes(): Route[] {
  return [
    {
      id: 'policytroubleshooter.iam.troubleshoot', method: 'POST', template: 'v3/iam:troubleshoot', permission: 'iam.roles.get',
      handler: (call) => {
        const body = (call.body ?? {}) as { accessTuple?: { principal?: unknown; fullResourceName?: unknown; permission?: unknown } };
        if (typeof body !== 'object' || Array.isArray(body)) throw invalid('Invalid JSON payload received.');
        for (const key of Object.keys(body)) {
          if (key !== 'accessTuple') throw invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
        }
        const t = body.accessTuple ?? {};
        const { principal, fullResourceName, permission } = t;
        if (typeof principal !== 'string' || !principal) throw invalid('accessTuple.principal is required.');
        if (typeof fullResourceName !== 'string' || !fullResourceName.startsWith('//')) throw invalid('accessTuple.fullResourceName must be a full resource name, e.g. //run.googleapis.com/projects/p/locations/l/services/s.');
        if (typeof permission !== 'string' || !/^[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+$/.test(permission)) throw invalid(`accessTuple.permission '${String(permission)}' is not a valid permission.`);
        const canned = call.world.troubleshoot?.[`${principal}|${fullResourceName}|${permission}`];
        if (canned) return { accessTuple: { principal, fullResourceName, permission, permissionFqdn: undefined }, ...(canned as object) };
        return troubleshoot(call, principal, fullResourceName, permission);
      },
    },
  ];
}
