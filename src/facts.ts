import type { GoogleCloud } from './gcp/google-cloud.ts';
import type { AccessFacts } from './iam/facts.ts';
import { BATCH_LIMIT, type AttachedPolicy } from './gcp/asset.ts';
import { ancestorPolicies, conditionSubject, gatherAccess, readPolicy, rolePrefetcher, withConditionFacts, withRoles, type ConditionSubject, type OnPolicy } from './iam/gather.ts';
import type { PolicyFact } from './iam/facts.ts';
import type { ResolvedTarget } from './resolve/target.ts';

/** What the rules of each backend kind need to know about who may call it. */
export interface BackendFacts {
  /** Policies that decide the call: the resource (or its IAP resources / underlying service) and ancestors. */
  access: AccessFacts;
  /** 2nd-gen functions only: the function's own policy chain, to spot a 1st-gen style grant. */
  functionAccess?: AccessFacts;
}

/** Reads the policies that apply to a resolved backend (each read once per run through the executor's cache). */
export async function gatherFacts(google: GoogleCloud, target: ResolvedTarget, accounts: string[]): Promise<BackendFacts> {
  const onPolicy = rolePrefetcher(google, accounts);
  switch (target.kind) {
    case 'cloud-run':
      return {
        access: await gatherAccess(
          google,
          [readPolicy(target.resource, 'resource', 'run.services.getIamPolicy', () => google.run.iamPolicy(target.resource), onPolicy)],
          target.project,
          accounts,
          conditionSubject('cloud-run', 'run', target.resource),
        ),
      };
    case 'cloud-functions': {
      const { fn } = target;
      const functionAccess = gatherAccess(
        google,
        [readPolicy(fn.name, 'resource', 'cloudfunctions.functions.getIamPolicy', () => google.functions.iamPolicy(fn.name, fn.environment), onPolicy)],
        target.project,
        accounts,
        conditionSubject('cloud-functions', 'cloudfunctions', fn.name),
      );
      if (!target.serviceName) return { access: await functionAccess };
      const serviceName = target.serviceName;
      const [access, fnAccess] = await Promise.all([
        gatherAccess(
          google,
          [readPolicy(serviceName, 'resource', 'run.services.getIamPolicy', () => google.run.iamPolicy(serviceName), onPolicy)],
          target.project,
          accounts,
          conditionSubject('cloud-run', 'run', serviceName),
        ),
        functionAccess,
      ]);
      return { access, functionAccess: fnAccess };
    }
    case 'app-engine':
      return {
        access: await gatherAccess(google, iapPolicies(google, target, onPolicy), target.project, accounts, {
          backend: 'app-engine',
          fullName: `//appengine.googleapis.com/apps/${target.app.id}/services/${target.serviceId}`,
        }),
      };
  }
}

/** The permission that reads the policy of an IAP resource, by its level. */
function iapReadPermission(resource: string): string {
  if (/\/versions\/[^/]+$/.test(resource)) return 'iap.webServiceVersions.getIamPolicy';
  if (/\/services\/[^/]+$/.test(resource)) return 'iap.webServices.getIamPolicy';
  if (/\/appengine-[^/]+$/.test(resource)) return 'iap.webTypes.getIamPolicy';
  return 'iap.web.getIamPolicy';
}

/** The IAP resources that guard an App Engine service, most specific first. */
export function iapResources(target: Extract<ResolvedTarget, { kind: 'app-engine' }>): string[] {
  const root = `projects/${target.projectNumber ?? target.project}/iap_web`;
  const app = `${root}/appengine-${target.app.id}`;
  const service = `${app}/services/${target.serviceId}`;
  return [...(target.versionId ? [`${service}/versions/${target.versionId}`] : []), service, app, root];
}

function iapPolicies(google: GoogleCloud, target: Extract<ResolvedTarget, { kind: 'app-engine' }>, onPolicy: OnPolicy) {
  return iapResources(target).map((resource, i) =>
    target.projectNumber
      ? readPolicy(resource, i === 0 ? 'resource' : 'iap', iapReadPermission(resource), () => google.appEngine.iapPolicy(resource), onPolicy)
      : Promise.resolve({
          resource,
          level: 'iap' as const,
          error: `Could not read the IAP policy of ${resource}: the project number of ${target.project} is unknown (resourcemanager.projects.get was denied).`,
        }),
  );
}

/**
 * Asset-inventory mode: the allow policies of many resources through effectiveIamPolicies.batchGet (20 per
 * call, per project); the project's and its ancestors' policies, deny policies and roles as usual. Targets it
 * cannot serve (App Engine's IAP resources, failed batches) are absent from the map: read them one by one.
 */
export async function gatherFactsInBulk(google: GoogleCloud, targets: ResolvedTarget[], accounts: string[]): Promise<Map<string, BackendFacts>> {
  const wanted = new Map<string, { target: ResolvedTarget; names: string[] }>();
  for (const target of targets) {
    if (target.kind === 'app-engine' || wanted.has(target.resource)) continue;
    wanted.set(target.resource, { target, names: bulkNames(target) });
  }
  const byProject = new Map<string, string[]>();
  for (const { target, names } of wanted.values()) byProject.set(target.project, [...(byProject.get(target.project) ?? []), ...names]);
  const policies = new Map<string, AttachedPolicy[]>();
  await Promise.all(
    [...byProject].flatMap(([project, names]) =>
      chunks([...new Set(names)], BATCH_LIMIT).map(async (batch) => {
        try {
          for (const [name, attached] of await google.asset.effectivePolicies(`projects/${project}`, batch)) policies.set(name, attached);
        } catch {
          // Those resources fall back to per-resource reads, which report their own failures.
        }
      }),
    ),
  );
  const out = new Map<string, BackendFacts>();
  await Promise.all(
    [...wanted.values()].map(async ({ target, names }) => {
      const chains = names.map((n) => policies.get(n));
      if (chains.some((c) => c === undefined)) return;
      const [decisive, fnChain] = chains as AttachedPolicy[][];
      // batchGet answers only up to its scope (the project): the ancestors' policies, shared by every
      // backend of the project, are read on their own, with the deny policies.
      const ancestors = await ancestorPolicies(google, target.project, rolePrefetcher(google, accounts));
      const facts = async (chain: AttachedPolicy[], subject: ConditionSubject) =>
        withConditionFacts(google, await withRoles(google, [...resourcePolicies(chain), ...ancestors.policies], accounts, ancestors.ancestryError, ancestors.denies), subject, accounts);
      const [decisiveSubject, fnSubject] = bulkSubjects(target);
      const access = await facts(decisive ?? [], decisiveSubject);
      const functionAccess = fnChain ? await facts(fnChain, fnSubject) : undefined;
      out.set(target.resource, functionAccess ? { access, functionAccess } : { access });
    }),
  );
  return out;
}

/** Full resource names whose effective policies decide a target: the decisive one first. */
function bulkNames(target: Exclude<ResolvedTarget, { kind: 'app-engine' }>): string[] {
  if (target.kind === 'cloud-run') return [`//run.googleapis.com/${target.resource}`];
  if (target.serviceName) return [`//run.googleapis.com/${target.serviceName}`, `//cloudfunctions.googleapis.com/${target.resource}`];
  return [`//cloudfunctions.googleapis.com/${target.resource}`];
}

/** Where conditions are evaluated for a target's chains (as bulkNames): the decisive resource, then the function. */
function bulkSubjects(target: ResolvedTarget): [ConditionSubject, ConditionSubject] {
  const fn = conditionSubject('cloud-functions', 'cloudfunctions', target.resource);
  if (target.kind === 'cloud-run') return [conditionSubject('cloud-run', 'run', target.resource), fn];
  if (target.kind === 'cloud-functions' && target.serviceName) return [conditionSubject('cloud-run', 'run', target.serviceName), fn];
  return [fn, fn];
}

/** The policies of an effective chain set on resources themselves (the projects and above are read apart). */
function resourcePolicies(chain: AttachedPolicy[]): PolicyFact[] {
  return chain
    .filter(({ attachedResource }) => !attachedResource.startsWith('//cloudresourcemanager.googleapis.com/'))
    .map(({ attachedResource, policy }) => ({ resource: attachedResource.replace(/^\/\/[^/]+\//, ''), level: 'resource', policy }));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
