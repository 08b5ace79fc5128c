import type { GoogleCloud } from './gcp/google-cloud.ts';
import type { AccessFacts } from './iam/facts.ts';
import { gatherAccess, readPolicy } from './iam/gather.ts';
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
  switch (target.kind) {
    case 'cloud-run':
      return {
        access: await gatherAccess(
          google,
          [readPolicy(target.resource, 'resource', 'run.services.getIamPolicy', () => google.run.iamPolicy(target.resource))],
          target.project,
          accounts,
        ),
      };
    case 'cloud-functions': {
      const { fn } = target;
      const functionAccess = gatherAccess(
        google,
        [readPolicy(fn.name, 'resource', 'cloudfunctions.functions.getIamPolicy', () => google.functions.iamPolicy(fn.name, fn.environment))],
        target.project,
        accounts,
      );
      if (!target.serviceName) return { access: await functionAccess };
      const serviceName = target.serviceName;
      const [access, fnAccess] = await Promise.all([
        gatherAccess(
          google,
          [readPolicy(serviceName, 'resource', 'run.services.getIamPolicy', () => google.run.iamPolicy(serviceName))],
          target.project,
          accounts,
        ),
        functionAccess,
      ]);
      return { access, functionAccess: fnAccess };
    }
    case 'app-engine':
      return { access: await gatherAccess(google, iapPolicies(google, target), target.project, accounts) };
  }
}

/** The IAP resources that guard an App Engine service, most specific first. */
export function iapResources(target: Extract<ResolvedTarget, { kind: 'app-engine' }>): string[] {
  const root = `projects/${target.projectNumber ?? target.project}/iap_web`;
  const app = `${root}/appengine-${target.app.id}`;
  const service = `${app}/services/${target.serviceId}`;
  return [...(target.versionId ? [`${service}/versions/${target.versionId}`] : []), service, app, root];
}

function iapPolicies(google: GoogleCloud, target: Extract<ResolvedTarget, { kind: 'app-engine' }>) {
  return iapResources(target).map((resource, i) =>
    target.projectNumber
      ? readPolicy(resource, i === 0 ? 'resource' : 'iap', 'iap.webServiceVersions.getIamPolicy', () => google.appEngine.iapPolicy(resource))
      : Promise.resolve({
          resource,
          level: 'iap' as const,
          error: `Could not read the IAP policy of ${resource}: the project number of ${target.project} is unknown (resourcemanager.projects.get was denied).`,
        }),
  );
}
