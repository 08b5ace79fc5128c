import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { RunService } from '../gcp/types.ts';
import { originOf, type AddressInfo } from './address.ts';
import type { Target } from './target.ts';

type RunAddress = Extract<AddressInfo, { kind: 'cloud-run' }>;

/** Finds the Cloud Run service behind a run.app address. */
export async function resolveCloudRun(google: GoogleCloud, info: RunAddress, candidateProjects: string[]): Promise<Target> {
  if (info.form === 'deterministic') return resolveDeterministic(google, info);
  if (candidateProjects.length === 0) {
    return {
      kind: 'not-found',
      backendKind: 'cloud-run',
      message:
        `${info.origin} does not name its project (hash-style run.app URL), and there is no project to search: ` +
        'set the `project` input (CLI: --project), or `projects` in the policy file, to the project(s) that host this service.',
    };
  }
  const problems: string[] = [];
  const results = await Promise.all(candidateProjects.map((project) => searchProject(google, project, info.origin, problems)));
  const found = results.find((t) => t !== undefined);
  if (found) return found;
  if (problems.length > 0) {
    return {
      kind: 'unreadable',
      backendKind: 'cloud-run',
      message: `Could not search every candidate project for ${info.origin}: ${problems.join(' ')}`,
    };
  }
  return {
    kind: 'not-found',
    backendKind: 'cloud-run',
    message: `No Cloud Run service has the URL ${info.origin} in project(s) ${candidateProjects.join(', ')}. Check the address, or add the hosting project to the \`project\` input (CLI: --project).`,
  };
}

async function resolveDeterministic(google: GoogleCloud, info: Extract<RunAddress, { form: 'deterministic' }>): Promise<Target> {
  let project = info.projectNumber;
  try {
    project = (await google.resourceManager.project(info.projectNumber)).projectId;
  } catch {
    // The Run API accepts a project number too; the project's own policy read will report the denial.
  }
  const name = `projects/${project}/locations/${info.region}/services/${info.service}`;
  try {
    const service = await google.run.service(name);
    return runTarget(service, project, info.region);
  } catch (err) {
    if (!(err instanceof GoogleApiError) || err.status !== 404) {
      return { kind: 'unreadable', backendKind: 'cloud-run', message: `Could not read ${name}: ${explainFailure(err, 'run.services.get')}` };
    }
  }
  // Long service names are shortened in deterministic URLs: fall back to matching the region's URLs.
  const problems: string[] = [];
  const found = await searchRegion(google, project, info.region, info.origin, problems);
  if (found) return found;
  if (problems.length > 0) return { kind: 'unreadable', backendKind: 'cloud-run', message: problems.join(' ') };
  return {
    kind: 'not-found',
    backendKind: 'cloud-run',
    message: `No Cloud Run service ${info.service} (or any with the URL ${info.origin}) exists in ${project}, region ${info.region}.`,
  };
}

async function searchProject(google: GoogleCloud, project: string, origin: string, problems: string[]): Promise<Target | undefined> {
  let regions: string[];
  try {
    regions = await google.run.locations(project);
  } catch (err) {
    problems.push(`Listing Cloud Run regions of ${project} failed: ${explainFailure(err, 'run.locations.list')}`);
    return undefined;
  }
  // Google says not to parse hash URLs, but their region code is a good first guess (`-uc` for
  // us-central1): list those regions first, and the 40-odd others only when the service is not there.
  const code = /-([a-z]{2,3})\.a\.run\.app$/.exec(origin)?.[1];
  const likely = regions.filter((region) => regionInitials(region) === code);
  for (const batch of [likely, regions.filter((region) => !likely.includes(region))]) {
    const results = await Promise.all(batch.map((region) => searchRegion(google, project, region, origin, problems)));
    const found = results.find((t) => t !== undefined);
    if (found) return found;
  }
  return undefined;
}

/** `us-central1` → `uc`, `europe-west1` → `ew`: the usual region code of hash-style run.app URLs. */
export function regionInitials(region: string): string {
  return region
    .replace(/\d+$/, '')
    .split('-')
    .map((part) => part[0] ?? '')
    .join('');
}

async function searchRegion(
  google: GoogleCloud,
  project: string,
  region: string,
  origin: string,
  problems: string[],
): Promise<Target | undefined> {
  try {
    const listing = await google.run.services(project, region);
    const service = listing.services.find((s) => serviceOrigins(s).includes(origin));
    if (service) return runTarget(service, project, region);
    for (const location of listing.unreachable) problems.push(`Cloud Run reported ${location} unreachable while listing ${project}.`);
  } catch (err) {
    problems.push(`Listing Cloud Run services in ${project}/${region} failed: ${explainFailure(err, 'run.services.list')}`);
  }
  return undefined;
}

/** Every origin a service answers on. */
export function serviceOrigins(service: RunService): string[] {
  return [service.uri, ...service.urls].flatMap((u) => (u ? [originOf(u) ?? ''] : [])).filter(Boolean);
}

function runTarget(service: RunService, project: string, region: string): Target {
  const name = service.name || `projects/${project}/locations/${region}/services/unknown`;
  return { kind: 'cloud-run', resource: name, project, region, service };
}
