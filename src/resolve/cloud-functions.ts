import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { FunctionInfo } from '../gcp/types.ts';
import type { AddressInfo } from './address.ts';
import type { FunctionTarget, RunTarget, Target } from './target.ts';

type FunctionAddress = Extract<AddressInfo, { kind: 'cloud-functions' }>;

/** Finds the function behind a cloudfunctions.net address (the v2 API serves both generations). */
export async function resolveCloudFunction(google: GoogleCloud, info: FunctionAddress): Promise<Target> {
  const name = `projects/${info.project}/locations/${info.region}/functions/${info.functionName}`;
  let fn: FunctionInfo;
  try {
    fn = await google.functions.get(name);
  } catch (err) {
    if (err instanceof GoogleApiError && err.status === 404) {
      return {
        kind: 'not-found',
        backendKind: 'cloud-functions',
        message: `No Cloud Function ${info.functionName} exists in project ${info.project}, region ${info.region} (${name}). Check the address.`,
      };
    }
    return { kind: 'unreadable', backendKind: 'cloud-functions', message: `Could not read ${name}: ${explainFailure(err, 'cloudfunctions.functions.get')}` };
  }
  return functionTarget(google, fn, info.project, info.region);
}

/** Completes a function with its underlying Cloud Run service (2nd gen). */
export async function functionTarget(google: GoogleCloud, fn: FunctionInfo, project: string, region: string): Promise<Target> {
  const base: FunctionTarget = { kind: 'cloud-functions', resource: fn.name, project, region, fn };
  if (fn.environment === 'GEN_1') return base;
  if (!fn.runService) {
    return {
      kind: 'unreadable',
      backendKind: 'cloud-functions',
      message: `${fn.name} is a 2nd-gen function, but Google did not say which Cloud Run service runs it (serviceConfig.service is empty); its invoker grants cannot be checked.`,
    };
  }
  try {
    return { ...base, service: await google.run.service(fn.runService), serviceName: fn.runService };
  } catch (err) {
    return {
      kind: 'unreadable',
      backendKind: 'cloud-functions',
      message: `Could not read ${fn.runService}, the Cloud Run service of the 2nd-gen function ${fn.name}: ${explainFailure(err, 'run.services.get')}`,
    };
  }
}

/**
 * A run.app address may be a 2nd-gen function's own URL (its service carries the label
 * `goog-managed-by: cloudfunctions`): then the function is the backend (same grant, but the fix and the
 * message speak of the function). When functions cannot be listed, it stays Cloud Run.
 */
export async function asFunctionIfOwned(google: GoogleCloud, target: RunTarget): Promise<Target> {
  if (target.service.managedBy !== 'cloudfunctions') return target;
  let functions: FunctionInfo[];
  try {
    functions = (await google.functions.list(target.project)).functions;
  } catch {
    return target;
  }
  const suffix = serviceSuffix(target.resource);
  const fn = functions.find((f) => f.runService && serviceSuffix(f.runService) === suffix);
  if (!fn) return target;
  return { kind: 'cloud-functions', resource: fn.name, project: target.project, region: target.region, fn, service: target.service, serviceName: target.resource };
}

/** `locations/R/services/S`: the part of a service name that does not depend on project ID vs number. */
function serviceSuffix(name: string): string {
  return name.replace(/^projects\/[^/]+\//, '');
}
