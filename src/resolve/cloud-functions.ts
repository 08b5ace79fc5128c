import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { FunctionInfo } from '../gcp/types.ts';
import type { AddressInfo } from './address.ts';
import type { RunDirectory } from './run-directory.ts';
import type { FunctionTarget, RunTarget, Target } from './target.ts';

type FunctionAddress = Extract<AddressInfo, { kind: 'cloud-functions' }>;

/** How a run's function addresses are read (see src/resolve/plan.ts). */
export interface FunctionSearch {
  directory: RunDirectory;
  /** Function addresses per project: with several, one listing of the project answers them all. */
  perProject: Map<string, number>;
  /** Function addresses per `PROJECT REGION`: with several, one Cloud Run listing answers for their services. */
  perRegion: Map<string, number>;
}

/** Finds the function behind a cloudfunctions.net address (the v2 API serves both generations). */
export async function resolveCloudFunction(google: GoogleCloud, info: FunctionAddress, search: FunctionSearch): Promise<Target> {
  const name = `projects/${info.project}/locations/${info.region}/functions/${info.functionName}`;
  let fn: FunctionInfo | undefined;
  if ((search.perProject.get(info.project) ?? 0) > 1) {
    // Several functions of the project: its listing answers them all. One it does not have may still be a
    // 1st-gen function only the v1 API knows: read that one by name.
    fn = await google.functions.list(info.project).then((listing) => listing.functions.find((f) => f.name === name), () => undefined);
  }
  try {
    fn ??= await google.functions.get(name);
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
  return functionTarget(google, fn, info.project, info.region, search.directory, (search.perRegion.get(`${info.project} ${info.region}`) ?? 0) > 1);
}

/** Completes a function with its underlying Cloud Run service (2nd gen): read by name, or found in its region's listing when `several` need it. */
export async function functionTarget(
  google: GoogleCloud,
  fn: FunctionInfo,
  project: string,
  region: string,
  directory: RunDirectory,
  several: boolean,
): Promise<Target> {
  const base: FunctionTarget = { kind: 'cloud-functions', resource: fn.name, project, region, fn };
  if (fn.environment === 'GEN_1') return base;
  if (!fn.runService) {
    return {
      kind: 'unreadable',
      backendKind: 'cloud-functions',
      message: `${fn.name} is a 2nd-gen function, but Google did not say which Cloud Run service runs it (serviceConfig.service is empty); its invoker grants cannot be checked.`,
    };
  }
  const parts = /^projects\/([^/]+)\/locations\/([^/]+)\/services\/([^/]+)$/.exec(fn.runService);
  const runService = fn.runService;
  try {
    const listed = parts ? await directory.byName(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '', undefined, several, []) : undefined;
    return { ...base, service: listed ?? (await google.run.service(runService)), serviceName: runService };
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
