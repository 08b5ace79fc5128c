import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { IamPolicy } from '../gcp/types.ts';
import { loadCelFor } from './cel-engine.ts';
import { usesTags, type ConditionBackend } from './conditions.ts';
import { matchDenyPrincipal } from './deny.ts';
import { rolesToRead } from './evaluate.ts';
import type { AccessFacts, DenyFact, PolicyFact, PolicyLevel, RoleFact } from './facts.ts';
import { matchMember } from './principals.ts';

/** Called with each policy as soon as it is read (to start reading its roles early). */
export type OnPolicy = (fact: PolicyFact) => void;

/**
 * Reads one policy, turning failure into a fact instead of an exception. A 404 on the policy of a
 * resource that was just read (`level` resource or iap) means it has none: an empty policy, no grant.
 */
export async function readPolicy(
  resource: string,
  level: PolicyLevel,
  permission: string,
  read: () => Promise<IamPolicy>,
  onPolicy?: OnPolicy,
): Promise<PolicyFact> {
  let fact: PolicyFact;
  try {
    fact = { resource, level, policy: await read() };
  } catch (err) {
    if ((level === 'resource' || level === 'iap') && err instanceof GoogleApiError && err.status === 404) {
      return { resource, level, policy: { bindings: [] } };
    }
    return { resource, level, error: `Could not read the IAM policy of ${resource}: ${explainFailure(err, permission)}` };
  }
  onPolicy?.(fact);
  return fact;
}

/**
 * The policies of a project and of every folder and organization above it, nearest first, with the deny
 * policies attached to each. Each node's reads start as soon as the walk up discovers it.
 */
export function ancestorPolicies(
  google: GoogleCloud,
  projectId: string,
  onPolicy?: OnPolicy,
): Promise<AncestorFacts> {
  // Every backend of a project asks for the same chain: walk it once per run.
  let byProject = chains.get(google);
  if (!byProject) chains.set(google, (byProject = new Map()));
  let chain = byProject.get(projectId);
  if (!chain) byProject.set(projectId, (chain = walkAncestors(google, projectId, onPolicy)));
  return chain;
}

/** A project's policy chain: allow policies nearest first, deny policies, and why the walk stopped, if it did. */
export interface AncestorFacts {
  policies: PolicyFact[];
  denies: DenyFact[];
  ancestryError?: string;
}

const chains = new WeakMap<GoogleCloud, Map<string, Promise<AncestorFacts>>>();

async function walkAncestors(google: GoogleCloud, projectId: string, onPolicy: OnPolicy | undefined): Promise<AncestorFacts> {
  const nodes = [`projects/${projectId}`];
  const policies = [readNodePolicy(google, nodes[0] as string, onPolicy)];
  const denies = [readDenies(google, nodes[0] as string)];
  let ancestryError: string | undefined;
  try {
    let parent = (await google.resourceManager.project(projectId)).parent;
    while (parent && !nodes.includes(parent)) {
      nodes.push(parent);
      policies.push(readNodePolicy(google, parent, onPolicy));
      denies.push(readDenies(google, parent));
      parent = parent.startsWith('folders/') ? (await google.resourceManager.folder(parent)).parent : undefined;
    }
  } catch (err) {
    const what = nodes.at(-1) as string;
    const permission = what.startsWith('folders/') ? 'resourcemanager.folders.get' : 'resourcemanager.projects.get';
    ancestryError = `Could not walk the folders and organization above projects/${projectId}: ${explainFailure(err, permission)}`;
  }
  const result = { policies: await Promise.all(policies), denies: await Promise.all(denies) };
  return ancestryError ? { ...result, ancestryError } : result;
}

function readNodePolicy(google: GoogleCloud, node: string, onPolicy?: OnPolicy): Promise<PolicyFact> {
  const level = node.startsWith('folders/') ? 'folder' : node.startsWith('organizations/') ? 'organization' : 'project';
  const permission = `resourcemanager.${level === 'folder' ? 'folders' : level === 'organization' ? 'organizations' : 'projects'}.getIamPolicy`;
  return readPolicy(node, level, permission, () => google.resourceManager.iamPolicy(node), onPolicy);
}

/** The deny policies attached to a project, folder or organization (`projects/p`, `folders/1`, ...). */
async function readDenies(google: GoogleCloud, node: string): Promise<DenyFact> {
  const attachmentPoint = `cloudresourcemanager.googleapis.com/${node}`;
  try {
    return { attachmentPoint, policies: await google.iam.denyPolicies(attachmentPoint) };
  } catch (err) {
    // Google lists nothing (not 404) for a node without deny policies; a 404 means the node itself is gone.
    if (err instanceof GoogleApiError && err.status === 404) return { attachmentPoint, policies: [] };
    return { attachmentPoint, error: `Could not read the deny policies of ${node}: ${explainFailure(err, 'iam.denypolicies.list')}` };
  }
}

/** Starts reading the roles of a policy that matter for `emails` or the public (cached: read once per run). */
export function rolePrefetcher(google: GoogleCloud, emails: string[]): OnPolicy {
  return (fact) => {
    for (const name of new Set(emails.flatMap((email) => rolesToRead({ policies: [fact] }, email)))) {
      google.iam.role(name).catch(() => undefined);
    }
  };
}

/** Completes policies with the definitions of every role that matters for `emails` or the public. */
export async function withRoles(
  google: GoogleCloud,
  policies: PolicyFact[],
  emails: string[],
  ancestryError?: string,
  denies?: DenyFact[],
): Promise<AccessFacts> {
  const names = new Set(emails.flatMap((email) => rolesToRead({ policies }, email)));
  const roles = new Map<string, RoleFact>();
  await Promise.all(
    [...names].map(async (name) => {
      try {
        roles.set(name, { definition: await google.iam.role(name) });
      } catch (err) {
        roles.set(name, { error: `Could not read role ${name}: ${explainFailure(err, 'iam.roles.get')}` });
      }
    }),
  );
  return { policies, roles, ...(denies ? { denies } : {}), ...(ancestryError ? { ancestryError } : {}) };
}

/** The resource IAM conditions are evaluated on: its kind and full name (`//run.googleapis.com/...`). */
export interface ConditionSubject {
  backend: ConditionBackend;
  fullName: string;
  /** Region of a regional resource (its tags are read at the regional endpoint). */
  location?: string;
}

/** The resource's own policies, then its project's and ancestors', with the roles and condition facts that matter. */
export async function gatherAccess(
  google: GoogleCloud,
  own: Array<Promise<PolicyFact>>,
  project: string,
  accounts: string[],
  subject?: ConditionSubject,
): Promise<AccessFacts> {
  const [ownFacts, ancestors] = await Promise.all([Promise.all(own), ancestorPolicies(google, project, rolePrefetcher(google, accounts))]);
  const facts = await withRoles(google, [...ownFacts, ...ancestors.policies], accounts, ancestors.ancestryError, ancestors.denies);
  return subject ? withConditionFacts(google, facts, subject, accounts) : facts;
}

/**
 * Adds what IAM provides to conditions on the subject: its kind, and its effective tags, read (once per
 * resource) only when a condition of a binding that may concern `accounts` or the public, or of a deny
 * rule, uses tags. Unreadable tags become a fact (`iam-unreadable` where a condition needs them).
 */
export async function withConditionFacts(google: GoogleCloud, facts: AccessFacts, subject: ConditionSubject, accounts: string[]): Promise<AccessFacts> {
  await loadCelFor(facts);
  const bindings = facts.policies.flatMap((p) => p.policy?.bindings ?? []);
  const allowNeeds = bindings.some((b) => usesTags(b.condition) && b.members.some((m) => accounts.some((a) => matchMember(m, a) !== 'other')));
  const denyNeeds = (facts.denies ?? []).some((d) =>
    (d.policies ?? []).some((p) =>
      p.rules.some((r) => usesTags(r.denialCondition) && r.deniedPrincipals.some((principal) => accounts.some((a) => matchDenyPrincipal(principal, a) !== 'no'))),
    ),
  );
  if (!allowNeeds && !denyNeeds) return { ...facts, attributes: { backend: subject.backend } };
  try {
    const tags = await google.resourceManager.effectiveTags(subject.fullName, subject.location);
    return { ...facts, attributes: { backend: subject.backend, tags } };
  } catch (err) {
    const error = `Could not list the effective tags of ${subject.fullName}: ${explainFailure(err, 'resourcemanager.tagValueBindings.list')}`;
    return { ...facts, attributes: { backend: subject.backend, tags: { error } } };
  }
}

/** Where IAM conditions on a resource are evaluated: `//run.googleapis.com/projects/P/locations/L/services/S` and its region. */
export function conditionSubject(backend: ConditionBackend, service: 'run' | 'cloudfunctions', name: string): ConditionSubject {
  const location = /\/locations\/([^/]+)\//.exec(name)?.[1];
  return { backend, fullName: `//${service}.googleapis.com/${name}`, ...(location ? { location } : {}) };
}
