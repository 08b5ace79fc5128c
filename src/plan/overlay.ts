/**
 * Live facts + planned changes → facts after apply. Pure. Every binding the plan brings carries its
 * provenance (`planned`); every removal, backend, role and deny change is noted, so that findings can say
 * which Terraform change they rest on. The checks themselves never learn Terraform.
 */
import type { DenyPolicy, IamBinding, IamCondition, IamPolicy, RunService } from '../gcp/types.ts';
import type { AccessFacts, DenyFact, PolicyFact, RoleFact } from '../iam/facts.ts';
import { matchMember, PUBLIC_MEMBERS } from '../iam/principals.ts';
import type { AddressInfo } from '../resolve/address.ts';
import type { FunctionTarget, RunTarget, Target } from '../resolve/target.ts';
import { UNKNOWN_CONDITION, UNKNOWN_MEMBER, UNKNOWN_ROLE, type BackendChange, type DenyChange, type IamChange, type PlannedChange, type Provenance, type RoleChange } from './changes.ts';

/** A planned change that a fact now rests on, and what it does there (for messages). */
export interface PlannedNote {
  provenance: Provenance;
  /** e.g. `google_x.y (delete) removes serviceAccount:gw@… from roles/run.invoker on projects/p` */
  text: string;
  /** What it touches: members (removals), a backend's settings, a role, a deny policy. */
  about: 'removal' | 'backend' | 'role' | 'deny';
  /** Removals: the members taken away. */
  members?: string[];
  /** Roles: the role's name. */
  role?: string;
  /** Backends: the plan creates it (every finding about it rests on the plan). */
  created?: boolean;
}

/** Anything the overlay returns carries the planned changes it rests on. */
export type WithNotes<T> = T & { planned?: PlannedNote[] };

/** Every permission the checks ask about: what a role known only after apply may hold. */
export const CHECKED_PERMISSIONS = [
  'run.routes.invoke',
  'cloudfunctions.functions.invoke',
  'iap.webServiceVersions.accessViaIAP',
  'appengine.applications.update',
  'clientauthconfig.clients.create',
  'clientauthconfig.clients.getWithSecret',
];

/** `google_x.y (create)`: how messages name a planned change. */
export function describeProvenance(p: Provenance): string {
  return `${p.address} (${p.action})`;
}

// ------------------------------------------------------------------------------------------------ names

/** Whether a planned resource name (may hold `*`) names `actual`; `aliases` are the IDs/numbers of the target's project. */
export function namesResource(pattern: string, actual: string, aliases: ReadonlySet<string>): boolean {
  const a = pattern.split('/');
  const b = actual.split('/');
  if (a.length !== b.length) return false;
  return a.every((seg, i) => {
    const other = b[i] as string;
    if (seg === '*' || seg === other) return true;
    if (seg.endsWith('*') && other.startsWith(seg.slice(0, -1))) return true;
    return i === 1 && a[0] === 'projects' && aliases.has(seg) && aliases.has(other);
  });
}

const isPattern = (resource: string): boolean => resource.split('/').some((s) => s.endsWith('*'));

/**
 * IAM compares member emails without regard to case (`serviceAccount:GW@…` is `serviceAccount:gw@…`); a public
 * member is taken away only when named exactly (never hidden by an `allusers` that may remove nothing).
 */
function sameMember(a: string, b: string): boolean {
  return a === b || (!PUBLIC_MEMBERS.includes(b) && a.toLowerCase() === b.toLowerCase());
}

function sameCondition(a: IamCondition | undefined, b: IamCondition | undefined): boolean {
  return (a?.expression ?? '') === (b?.expression ?? '') && (a?.title ?? '') === (b?.title ?? '');
}

// ------------------------------------------------------------------------------------------------ allow policies

/** Context of one overlay: the target's project aliases and the accounts checked. */
export interface OverlayScope {
  aliases: ReadonlySet<string>;
  accounts: string[];
}

/** Facts after apply for one chain of policies (resource first, ancestors after), with its notes. */
export function overlayAccess(access: AccessFacts, changes: PlannedChange[], scope: OverlayScope): WithNotes<AccessFacts> {
  const notes: PlannedNote[] = [];
  const roles = new Map<string, RoleFact>(access.roles);
  const iam = changes.filter((c): c is IamChange => c.kind === 'iam');
  const policies = access.policies.map((fact) => overlayPolicy(fact, iam, scope, notes, roles));
  const denies = access.denies ? overlayDenies(access.denies, changes.filter((c): c is DenyChange => c.kind === 'deny'), scope, notes) : undefined;
  overlayRoles(roles, changes.filter((c): c is RoleChange => c.kind === 'role'), policies, scope, notes);
  const first = policies[0];
  if (first?.level === 'resource' && first.policy) policies[0] = maybeInvokerCheckOff(first, changes, scope, roles);
  const out: WithNotes<AccessFacts> = { ...access, policies, roles, ...(denies ? { denies } : {}) };
  if (notes.length > 0) out.planned = notes;
  return out;
}

/**
 * A service the plan may change without naming it for sure (project or name known only after apply) may get
 * its invoker IAM check turned off, as may one whose `invoker_iam_disabled` is known only after apply: public
 * access to this one cannot be ruled out (never hidden).
 */
function maybeInvokerCheckOff(fact: PolicyFact, changes: PlannedChange[], scope: OverlayScope, roles: Map<string, RoleFact>): PolicyFact {
  const bindings = changes
    .filter(
      (c): c is BackendChange =>
        c.kind === 'run-service' &&
        ((isPattern(c.resource) && c.after?.invokerIamDisabled === true) || c.after?.invokerIamDisabledUnknown === true) &&
        namesResource(c.resource, fact.resource, scope.aliases),
    )
    .map((c) => {
      const role = `(invoker IAM check disabled: ${describeProvenance(c.provenance)})`;
      roles.set(role, {
        error: c.after?.invokerIamDisabledUnknown
          ? `${describeProvenance(c.provenance)} sets invoker_iam_disabled of ${c.resource} to a value known only after apply: public access cannot be ruled out until it is known.`
          : `${describeProvenance(c.provenance)} turns off the invoker IAM check of a service known only after apply (${c.resource}), which may be this one: public access cannot be ruled out until it is known.`,
      });
      return { role, members: ['allUsers'], planned: c.provenance };
    });
  return bindings.length > 0 ? { ...fact, policy: { ...(fact.policy as IamPolicy), bindings: [...(fact.policy as IamPolicy).bindings, ...bindings] } } : fact;
}

/** A member as it counts after a planned change whose role or resource is uncertain; undefined = irrelevant. */
function uncertainMember(member: string, accounts: string[], why: string): string | undefined {
  if (member === UNKNOWN_MEMBER) return `principalSet:(known after apply, ${why})`;
  const relevant = accounts.some((a) => {
    const m = matchMember(member, a);
    return m === 'self' || m === 'unverified';
  });
  return relevant ? `principalSet:(${member}, ${why})` : undefined;
}

/**
 * The bindings a planned addition brings, as they count: a role known only after apply, or a resource the
 * plan may touch (unknown target), makes every relevant member an unverified grant, and a public member a
 * role that cannot be read (so public access cannot be ruled out, never hidden).
 */
function additions(change: IamChange, bindings: IamBinding[], scope: OverlayScope, roles: Map<string, RoleFact>, maybe: boolean): IamBinding[] {
  const planned = change.provenance;
  const out: IamBinding[] = [];
  for (const b of bindings) {
    const unknownRole = b.role === UNKNOWN_ROLE;
    const unknownCondition = b.condition?.expression === UNKNOWN_CONDITION.expression;
    // A member known only after apply may be allUsers as well as the gateway: it never counts as a
    // grant to the account, and public access cannot be ruled out where the role holds the permission.
    const anyone = b.members.includes(UNKNOWN_MEMBER)
      ? { mayBePublic: `${describeProvenance(planned)} grants ${b.role} to a member known only after apply, which may be allUsers: public access cannot be ruled out until it is known` }
      : {};
    if (!unknownRole && !maybe && !unknownCondition) {
      out.push({ ...b, members: [...b.members], planned, ...anyone });
      continue;
    }
    const where = maybe ? ' on a resource known only after apply' : '';
    const when = unknownCondition ? ' under a condition known only after apply' : '';
    const why = maybe ? `on a resource known only after apply` : unknownRole ? 'with a role known only after apply' : 'under a condition known only after apply';
    // A condition known only after apply may hold: the grant counts as uncertain, not as refused.
    const condition = b.condition && !unknownCondition ? { condition: b.condition } : {};
    const publicMembers = b.members.filter((m) => PUBLIC_MEMBERS.includes(m));
    if (publicMembers.length > 0) {
      const role = `(${unknownRole ? 'role' : b.role} ${maybe || unknownCondition ? `${where}${when}`.trim() : 'known only after apply'}: ${describeProvenance(planned)})`;
      roles.set(role, {
        error: `${describeProvenance(planned)} grants ${publicMembers.join(', ')} ${unknownRole ? 'a role known only after apply' : b.role}${where}${when}: public access cannot be ruled out until it is known.`,
      });
      out.push({ role, members: publicMembers, ...condition, planned });
    }
    const members = b.members.flatMap((m) => (PUBLIC_MEMBERS.includes(m) ? [] : (uncertainMember(m, scope.accounts, why) ?? [])));
    if (members.length > 0) out.push({ role: b.role, members, ...condition, planned, ...anyone });
  }
  if (out.some((b) => b.role === UNKNOWN_ROLE)) {
    roles.set(UNKNOWN_ROLE, { definition: { name: UNKNOWN_ROLE, includedPermissions: CHECKED_PERMISSIONS, deleted: false } });
  }
  return out;
}

/** A policy known only after apply may grant anyone anything: public access cannot be ruled out (never hidden). */
function unknownPolicyBindings(change: IamChange, roles: Map<string, RoleFact>): IamBinding[] {
  if (!change.unknownPolicy) return [];
  const role = `(policy known only after apply: ${describeProvenance(change.provenance)})`;
  roles.set(role, { error: `${describeProvenance(change.provenance)} sets an IAM policy known only after apply: public access cannot be ruled out until it is known.` });
  return [{ role, members: ['allUsers'], planned: change.provenance }];
}

const grantKey = (b: IamBinding, member: string): string => `${b.role}|${b.condition?.expression ?? ''}|${member.toLowerCase()}`;

/**
 * A member that another planned object's delete takes away in the same apply may end up granted or not (no
 * dependency orders them): it counts as unverified for the account, and a public member stays public.
 */
function raced(change: IamChange, bindings: IamBinding[], removedBy: Map<string, Provenance>, scope: OverlayScope): IamBinding[] {
  return bindings.map((b) => ({
    ...b,
    members: b.members.flatMap((m) => {
      const by = removedBy.get(grantKey(b, m)) ?? removedBy.get(grantKey(b, '*'));
      if (!by || by.address === change.provenance.address || PUBLIC_MEMBERS.includes(m) || m === UNKNOWN_MEMBER) return [m];
      return uncertainMember(m, scope.accounts, `may be removed by ${describeProvenance(by)} in the same apply, in an order Terraform does not fix`) ?? [];
    }),
  }));
}

function removeMembers(policy: IamPolicy, removed: IamBinding, whole: boolean): { policy: IamPolicy; gone: string[] } {
  const gone: string[] = [];
  const bindings = policy.bindings.flatMap((b) => {
    if (b.role !== removed.role || !sameCondition(b.condition, removed.condition)) return [b];
    const members = whole ? [] : b.members.filter((m) => !removed.members.some((r) => sameMember(r, m)));
    gone.push(...b.members.filter((m) => !members.includes(m)));
    return members.length > 0 ? [{ ...b, members }] : [];
  });
  return { policy: { ...policy, bindings }, gone: [...new Set(gone)] };
}

function removalNote(change: IamChange, resource: string, role: string, gone: string[], verb = 'removes'): PlannedNote {
  return {
    provenance: change.provenance,
    about: 'removal',
    members: gone,
    text: `${describeProvenance(change.provenance)} ${verb} ${gone.join(', ')} from ${role} on ${resource}`,
  };
}

function overlayPolicy(fact: PolicyFact, changes: IamChange[], scope: OverlayScope, notes: PlannedNote[], roles: Map<string, RoleFact>): PolicyFact {
  const mine = changes.filter((c) => namesResource(c.resource, fact.resource, scope.aliases));
  if (mine.length === 0) return fact;
  const exact = mine.filter((c) => !isPattern(c.resource));
  const maybe = mine.filter((c) => isPattern(c.resource));
  const wholePolicy = exact.find((c) => c.replaces);
  if (!fact.policy && !(wholePolicy && !wholePolicy.unknownPolicy)) return fact; // still unreadable: the checks say so
  let policy: IamPolicy = fact.policy ?? { bindings: [] };
  // Everything planned goes out first, then comes in: deletes and creates of the same grant leave it granted,
  // unless another object's delete takes it (Terraform orders unrelated objects as it likes): then it is doubtful.
  const removedBy = new Map<string, Provenance>();
  for (const change of exact) {
    for (const removed of change.remove) {
      for (const m of change.form === 'binding' ? ['*'] : removed.members) removedBy.set(grantKey(removed, m), change.provenance);
      const result = removeMembers(policy, removed, change.form === 'binding');
      policy = result.policy;
      if (result.gone.length > 0) notes.push(removalNote(change, fact.resource, removed.role, result.gone));
    }
  }
  const order = { policy: 0, binding: 1, member: 2 } as const;
  for (const change of [...exact].sort((a, b) => order[a.form] - order[b.form])) {
    if (change.replaces) {
      const keep = change.unknownPolicy
        ? policy.bindings.flatMap((b) => {
            const members = b.members.filter((m) => PUBLIC_MEMBERS.includes(m)); // never hide a public grant
            return members.length > 0 ? [{ ...b, members }] : [];
          })
        : [];
      const incoming = change.unknownPolicy ? [{ role: UNKNOWN_ROLE, members: [UNKNOWN_MEMBER] }] : change.add;
      const staying = new Set(incoming.flatMap((b) => b.members.map((m) => `${b.role}|${m}`)));
      for (const b of policy.bindings) {
        const gone = b.members.filter((m) => !staying.has(`${b.role}|${m}`) && !keep.some((k) => k.role === b.role && k.members.includes(m)));
        if (gone.length > 0) notes.push(removalNote(change, fact.resource, b.role, gone));
      }
      policy = { ...policy, bindings: [...keep, ...additions(change, incoming, scope, roles, false), ...unknownPolicyBindings(change, roles)] };
    } else if (change.form === 'policy') {
      continue; // a policy's removal took its bindings out above
    } else if (change.form === 'binding') {
      for (const added of raced(change, change.add, removedBy, scope)) {
        const result = removeMembers(policy, added, true);
        const gone = result.gone.filter((m) => !added.members.includes(m));
        if (gone.length > 0) notes.push(removalNote(change, fact.resource, added.role, gone));
        policy = { ...result.policy, bindings: [...result.policy.bindings, ...additions(change, [added], scope, roles, false)] };
      }
    } else {
      policy = { ...policy, bindings: [...policy.bindings, ...additions(change, raced(change, change.add, removedBy, scope), scope, roles, false)] };
    }
  }
  for (const change of maybe) {
    // A removal that may touch this resource: the account's grant may go, so it only counts as unverified.
    for (const removed of change.remove) {
      const result = removeMembers(policy, removed, change.form === 'binding');
      const publicOnes = result.gone.filter((m) => PUBLIC_MEMBERS.includes(m)); // never hide a public grant
      const doubtful = result.gone.flatMap((m) => (PUBLIC_MEMBERS.includes(m) ? [] : (uncertainMember(m, scope.accounts, `may be removed on a resource known only after apply`) ?? [])));
      if (result.gone.length === publicOnes.length) continue;
      const kept = publicOnes.length > 0 ? [{ role: removed.role, members: publicOnes, ...(removed.condition ? { condition: removed.condition } : {}) }] : [];
      const placeholder = doubtful.length > 0 ? [{ role: removed.role, members: doubtful, ...(removed.condition ? { condition: removed.condition } : {}), planned: change.provenance }] : [];
      policy = { ...result.policy, bindings: [...result.policy.bindings, ...kept, ...placeholder] };
      notes.push(removalNote(change, fact.resource, removed.role, result.gone.filter((m) => !publicOnes.includes(m)), 'may remove'));
    }
    if (change.add.length === 0 && !change.unknownPolicy) continue;
    const incoming = change.unknownPolicy ? [{ role: UNKNOWN_ROLE, members: [UNKNOWN_MEMBER] }] : change.add;
    policy = { ...policy, bindings: [...policy.bindings, ...additions(change, incoming, scope, roles, true), ...unknownPolicyBindings(change, roles)] };
  }
  return { resource: fact.resource, level: fact.level, policy };
}

// ------------------------------------------------------------------------------------------------ roles

function overlayRoles(roles: Map<string, RoleFact>, changes: RoleChange[], policies: PolicyFact[], scope: OverlayScope, notes: PlannedNote[]): void {
  if (changes.length === 0) return;
  const bound = new Set(policies.flatMap((p) => (p.policy?.bindings ?? []).map((b) => b.role)));
  for (const change of changes) {
    const name = [...bound].find((r) => namesResource(change.name, r, scope.aliases));
    if (!name) continue;
    const provenance = describeProvenance(change.provenance);
    if (!change.permissions) {
      roles.set(name, { definition: { name, includedPermissions: [], deleted: true } });
      notes.push({ provenance: change.provenance, about: 'role', role: name, text: `${provenance} deletes the custom role ${name}` });
    } else if (change.permissions.includes(UNKNOWN_ROLE)) {
      roles.set(name, { error: `The permissions of ${name} are known only after apply (${provenance}).` });
      notes.push({ provenance: change.provenance, about: 'role', role: name, text: `${provenance} sets the permissions of ${name}` });
    } else {
      roles.set(name, { definition: { name, includedPermissions: change.permissions, deleted: false, ...(change.stage ? { stage: change.stage } : {}) } });
      notes.push({ provenance: change.provenance, about: 'role', role: name, text: `${provenance} sets the permissions of ${name}` });
    }
  }
}

/** Custom roles the plan defines that `names` asks for (so they need not, or cannot yet, be read from Google). */
export function plannedRoles(names: string[], changes: PlannedChange[], aliases: ReadonlySet<string>): Map<string, RoleFact> {
  const out = new Map<string, RoleFact>();
  for (const change of changes) {
    if (change.kind !== 'role') continue;
    const name = names.find((n) => namesResource(change.name, n, aliases));
    if (!name) continue;
    out.set(
      name,
      !change.permissions
        ? { definition: { name, includedPermissions: [], deleted: true } }
        : change.permissions.includes(UNKNOWN_ROLE)
          ? { error: `The permissions of ${name} are known only after apply (${describeProvenance(change.provenance)}).` }
          : { definition: { name, includedPermissions: change.permissions, deleted: false, ...(change.stage ? { stage: change.stage } : {}) } },
    );
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ deny policies

function overlayDenies(denies: DenyFact[], changes: DenyChange[], scope: OverlayScope, notes: PlannedNote[]): DenyFact[] {
  if (changes.length === 0) return denies;
  return denies.map((fact) => {
    const node = fact.attachmentPoint.replace(/^cloudresourcemanager\.googleapis\.com\//, '');
    const mine = changes.filter((c) => namesResource(c.attachmentPoint.replace(/^cloudresourcemanager\.googleapis\.com\//, ''), node, scope.aliases));
    if (mine.length === 0 || !fact.policies) return fact;
    let policies: DenyPolicy[] = fact.policies;
    for (const change of mine) {
      const provenance = describeProvenance(change.provenance);
      policies = policies.filter((p) => (p.name.split('/').at(-1) ?? p.name) !== change.name);
      if (change.policy) policies = [...policies, { ...change.policy, name: `${change.name} (${provenance})` }];
      notes.push({ provenance: change.provenance, about: 'deny', text: `${provenance} ${change.policy ? 'sets' : 'deletes'} the deny policy ${change.name} on ${node}` });
    }
    return { ...fact, policies };
  });
}

// ------------------------------------------------------------------------------------------------ backends

const FUNCTION_TO_RUN_INGRESS: Record<string, string> = {
  ALLOW_ALL: 'INGRESS_TRAFFIC_ALL',
  ALLOW_INTERNAL_ONLY: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  ALLOW_INTERNAL_AND_GCLB: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};

/** What the overlay of a target needs besides the changes: project aliases (IDs ↔ numbers) it could learn. */
export interface TargetScope {
  /** Project IDs and numbers that name the same project, per project. */
  aliases: (project: string) => ReadonlySet<string>;
  /** A project's number, where known (to give a planned service's deterministic address). */
  numberOf: (project: string) => string | undefined;
}

function backendNote(change: BackendChange): PlannedNote {
  const what = change.after ? (change.created ? 'creates' : 'changes') : 'deletes';
  return {
    provenance: change.provenance,
    about: 'backend',
    text: `${describeProvenance(change.provenance)} ${what} ${change.resource}`,
    ...(change.created && change.after ? { created: true } : {}),
  };
}

function applySettings(service: RunService, change: BackendChange): RunService {
  const s = change.after ?? {};
  const ingress = s.ingress ?? (s.ingressSettings ? FUNCTION_TO_RUN_INGRESS[s.ingressSettings] : undefined);
  return {
    ...service,
    ...(ingress ? { ingress } : {}),
    ...(s.invokerIamDisabled !== undefined ? { invokerIamDisabled: s.invokerIamDisabled } : {}),
    ...(s.defaultUriDisabled !== undefined ? { defaultUriDisabled: s.defaultUriDisabled } : {}),
    ...(s.customAudiences ? { customAudiences: s.customAudiences } : {}),
  };
}

function findChange(changes: PlannedChange[], kind: BackendChange['kind'], resource: string, aliases: ReadonlySet<string>): BackendChange | undefined {
  // The last change wins (a deposed object's delete comes with the current object's change).
  return changes.filter((c): c is BackendChange => c.kind === kind && !isPattern(c.resource) && namesResource(c.resource, resource, aliases)).at(-1);
}

function projectAliases(scope: TargetScope, project: string, resource: string): Set<string> {
  return new Set([project, resource.split('/')[1] ?? project, ...scope.aliases(project)]);
}

/**
 * A resolved target after apply: settings changed, deleted (`not-found`), or, for an address that matched
 * nothing, the service or function the plan creates there.
 */
export function overlayTarget(target: Target, info: AddressInfo | undefined, changes: PlannedChange[], scope: TargetScope): WithNotes<Target> {
  switch (target.kind) {
    case 'cloud-run':
      return overlayRunTarget(target, changes, scope);
    case 'cloud-functions':
      return overlayFunctionTarget(target, changes, scope);
    case 'not-found':
      return info ? plannedTarget(target, info, changes, scope) : target;
    default:
      return target;
  }
}

function deletedTarget(resource: string, backendKind: 'cloud-run' | 'cloud-functions', change: BackendChange): WithNotes<Target> {
  return {
    kind: 'not-found',
    backendKind,
    message: `${resource} is deleted by the plan (${describeProvenance(change.provenance)}): after apply the gateway has nothing to call there.`,
    planned: [backendNote(change)],
  };
}

function overlayRunTarget(target: RunTarget, changes: PlannedChange[], scope: TargetScope): WithNotes<Target> {
  const change = findChange(changes, 'run-service', target.resource, projectAliases(scope, target.project, target.resource));
  if (!change) return target;
  if (!change.after) return deletedTarget(target.resource, 'cloud-run', change);
  return { ...target, service: applySettings(target.service, change), planned: [backendNote(change)] };
}

function overlayFunctionTarget(target: FunctionTarget, changes: PlannedChange[], scope: TargetScope): WithNotes<Target> {
  const aliases = projectAliases(scope, target.project, target.resource);
  const change = findChange(changes, 'function', target.resource, aliases);
  const serviceChange = target.serviceName ? findChange(changes, 'run-service', target.serviceName, aliases) : undefined;
  if (change && !change.after) return deletedTarget(target.resource, 'cloud-functions', change);
  if (!change && !serviceChange) return target;
  const notes = [change, serviceChange].flatMap((c) => (c ? [backendNote(c)] : []));
  let out: FunctionTarget = target;
  if (change?.after) {
    const s = change.after;
    out = {
      ...out,
      fn: { ...out.fn, ...(s.ingressSettings ? { ingressSettings: s.ingressSettings } : {}), ...(s.eventType ? { eventType: s.eventType } : {}) },
      ...(out.service && change.generation === 2 ? { service: applySettings(out.service, change) } : {}),
    };
  }
  if (serviceChange?.after && out.service) out = { ...out, service: applySettings(out.service, serviceChange) };
  return { ...out, planned: notes };
}

function segments(resource: string): { project: string; region: string; name: string } {
  const parts = resource.split('/');
  return { project: parts[1] ?? '*', region: parts[3] ?? '*', name: parts[5] ?? '*' };
}

/** An address that matched nothing live: the backend the plan creates there, if any. */
function plannedTarget(target: Extract<Target, { kind: 'not-found' }>, info: AddressInfo, changes: PlannedChange[], scope: TargetScope): WithNotes<Target> {
  const created = changes.filter((c): c is BackendChange => (c.kind === 'run-service' || c.kind === 'function') && c.created && !!c.after && !isPattern(c.resource));
  if (info.kind === 'cloud-run' && info.form === 'deterministic') {
    const change = created.find((c) => {
      const s = segments(c.resource);
      return c.kind === 'run-service' && s.name === info.service && s.region === info.region && (s.project === info.projectNumber || scope.aliases(s.project).has(info.projectNumber));
    });
    if (!change) return target;
    const { project, region } = segments(change.resource);
    const service: RunService = applySettings(
      { name: change.resource, uri: info.origin, urls: [info.origin], ingress: 'INGRESS_TRAFFIC_ALL', invokerIamDisabled: false, defaultUriDisabled: false, customAudiences: [] },
      change,
    );
    return { kind: 'cloud-run', resource: change.resource, project, region, service, planned: [backendNote(change)] };
  }
  if (info.kind === 'cloud-functions') {
    const change = created.find((c) => {
      const s = segments(c.resource);
      return c.kind === 'function' && s.name === info.functionName && s.region === info.region && scopeHas(scope, s.project, info.project);
    });
    if (!change) return target;
    const { project, region, name } = segments(change.resource);
    const url = `https://${region}-${info.project}.cloudfunctions.net/${name}`;
    const s = change.after ?? {};
    const base = { name: change.resource, url, state: 'ACTIVE', ...(s.ingressSettings ? { ingressSettings: s.ingressSettings } : {}), ...(s.eventType ? { eventType: s.eventType } : {}) };
    if (change.generation === 1) {
      return { kind: 'cloud-functions', resource: change.resource, project, region, fn: { ...base, environment: 'GEN_1' }, planned: [backendNote(change)] };
    }
    const serviceName = `projects/${project}/locations/${region}/services/${name.toLowerCase()}`;
    const service = applySettings(
      { name: serviceName, urls: [], ingress: 'INGRESS_TRAFFIC_ALL', invokerIamDisabled: false, defaultUriDisabled: false, customAudiences: [], managedBy: 'cloudfunctions' },
      change,
    );
    return {
      kind: 'cloud-functions',
      resource: change.resource,
      project,
      region,
      fn: { ...base, environment: 'GEN_2', runService: serviceName },
      service,
      serviceName,
      planned: [backendNote(change)],
    };
  }
  if (info.kind === 'cloud-run' && info.form === 'hash') {
    const services = created.filter((c) => c.kind === 'run-service');
    if (services.length === 0) return target;
    const named = services
      .map((c) => {
        const s = segments(c.resource);
        const number = scope.numberOf(s.project);
        return `${c.resource} (${describeProvenance(c.provenance)}; deterministic address https://${s.name}-${number ?? 'PROJECT_NUMBER'}.${s.region}.run.app)`;
      })
      .join(', ');
    return {
      ...target,
      message: `${target.message} The plan creates ${named}: a hash-style address of a service that does not exist yet cannot be matched before apply; point the backend at the deterministic address.`,
      planned: services.map(backendNote),
    };
  }
  return target;
}

function scopeHas(scope: TargetScope, a: string, b: string): boolean {
  return a === b || scope.aliases(a).has(b);
}
