import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { IamPolicy } from '../gcp/types.ts';
import { rolesToRead } from './evaluate.ts';
import type { AccessFacts, DenyFact, PolicyFact, PolicyLevel, RoleFact } from './facts.ts';

/** Reads one policy, turning failure into a fact instead of an exception. */
export async function readPolicy(
  resource: string,
  level: PolicyLevel,
  permission: string,
  read: () => Promise<IamPolicy>,
): Promise<PolicyFact> {
  try {
    return { resource, level, policy: await read() };
  } catch (err) {
    return { resource, level, error: `Could not read the IAM policy of ${resource}: ${explainFailure(err, permission)}` };
  }
}

/** The policies of a project and of every folder and organization above it, nearest first. */
export async function ancestorPolicies(
  google: GoogleCloud,
  projectId: string,
): Promise<{ policies: PolicyFact[]; denies: DenyFact[]; ancestryError?: string }> {
  const projectPolicy = readPolicy(`projects/${projectId}`, 'project', 'resourcemanager.projects.getIamPolicy', () =>
    google.resourceManager.iamPolicy(`projects/${projectId}`),
  );
  const ancestors: string[] = [];
  let ancestryError: string | undefined;
  try {
    let parent = (await google.resourceManager.project(projectId)).parent;
    while (parent) {
      if (ancestors.includes(parent)) break;
      ancestors.push(parent);
      parent = parent.startsWith('folders/') ? (await google.resourceManager.folder(parent)).parent : undefined;
    }
  } catch (err) {
    const what = ancestors.at(-1) ?? `projects/${projectId}`;
    const permission = what.startsWith('folders/') ? 'resourcemanager.folders.get' : 'resourcemanager.projects.get';
    ancestryError = `Could not walk the folders and organization above projects/${projectId}: ${explainFailure(err, permission)}`;
  }
  const denies = Promise.all([`projects/${projectId}`, ...ancestors].map((node) => readDenies(google, node)));
  const policies = await Promise.all([
    projectPolicy,
    ...ancestors.map((name) => {
      const level = name.startsWith('folders/') ? 'folder' : 'organization';
      return readPolicy(name, level, `resourcemanager.${level === 'folder' ? 'folders' : 'organizations'}.getIamPolicy`, () =>
        google.resourceManager.iamPolicy(name),
      );
    }),
  ]);
  return ancestryError ? { policies, denies: await denies, ancestryError } : { policies, denies: await denies };
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

/** The resource's own policies, then its project's and ancestors', with the roles that matter. */
export async function gatherAccess(
  google: GoogleCloud,
  own: Array<Promise<PolicyFact>>,
  project: string,
  accounts: string[],
): Promise<AccessFacts> {
  const [ownFacts, ancestors] = await Promise.all([Promise.all(own), ancestorPolicies(google, project)]);
  return withRoles(google, [...ownFacts, ...ancestors.policies], accounts, ancestors.ancestryError, ancestors.denies);
}
