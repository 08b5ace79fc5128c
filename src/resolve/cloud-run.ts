import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { RunService, RunServiceListing } from '../gcp/types.ts';
import { originOf, type AddressInfo } from './address.ts';
import type { Target } from './target.ts';

type RunAddress = Extract<AddressInfo, { kind: 'cloud-run' }>;

/**
 * Finds the Cloud Run service behind a run.app address. `candidates` gives the projects to search for a
 * hash-style URL (and, for a deterministic one, where to look for its project number if Google will not
 * look it up).
 */
export async function resolveCloudRun(google: GoogleCloud, info: RunAddress, candidates: () => Promise<string[]>): Promise<Target> {
  if (info.form === 'deterministic') return resolveDeterministic(google, info, candidates);
  const candidateProjects = await candidates();
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
  const found = await firstFound(candidateProjects.map((project) => searchProject(google, project, info.origin, problems)));
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

async function resolveDeterministic(
  google: GoogleCloud,
  info: Extract<RunAddress, { form: 'deterministic' }>,
  candidates: () => Promise<string[]>,
): Promise<Target> {
  const project = (await projectIdOf(google, info.projectNumber, candidates)) ?? info.projectNumber;
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

/**
 * The project ID of a project number: asked of Resource Manager, else found among the candidate projects.
 * When neither works the number itself is used (Google's APIs accept it; the reads will say what fails).
 */
async function projectIdOf(google: GoogleCloud, projectNumber: string, candidates: () => Promise<string[]>): Promise<string | undefined> {
  try {
    return (await google.resourceManager.project(projectNumber)).projectId;
  } catch {
    const known = await Promise.all(
      (await candidates()).map((id) => google.resourceManager.project(id).then((p) => p, () => undefined)),
    );
    return known.find((p) => p?.projectNumber === projectNumber)?.projectId;
  }
}

async function searchProject(google: GoogleCloud, project: string, origin: string, problems: string[]): Promise<Target | undefined> {
  // Google says not to parse hash URLs, but their region code is a good first guess: list that region
  // right away (while the project's regions are listed), and the 40-odd others only if the service is not there.
  const code = /-([a-z]{2,3})\.a\.run\.app$/.exec(origin)?.[1] ?? '';
  const guess = REGION_OF_CODE[code];
  if (guess) google.run.services(project, guess).catch(() => undefined);
  let regions: string[];
  try {
    regions = await google.run.locations(project);
  } catch (err) {
    if (!(err instanceof GoogleApiError) || (err.status !== 404 && err.status !== 501)) {
      problems.push(`Listing Cloud Run regions of ${project} failed: ${explainFailure(err, 'run.locations.list')}`);
      return undefined;
    }
    // No region list to be had (the method is missing, not denied): search every region Cloud Run has.
    regions = [...new Set(Object.values(REGION_OF_CODE))];
  }
  const likely = regions.filter((region) => region === guess || regionInitials(region) === code);
  for (const batch of [likely, regions.filter((region) => !likely.includes(region))]) {
    const results = await Promise.all(batch.map((region) => searchRegion(google, project, region, origin, problems)));
    const found = results.find((t) => t !== undefined);
    if (found) return found;
  }
  return undefined;
}

/** Region codes of hash-style run.app URLs (the same as App Engine's region IDs), where known. */
const REGION_OF_CODE: Record<string, string> = {
  uc: 'us-central1',
  ue: 'us-east1',
  uk: 'us-east4',
  uw: 'us-west1',
  wl: 'us-west2',
  wm: 'us-west3',
  wn: 'us-west4',
  nn: 'northamerica-northeast1',
  rj: 'southamerica-east1',
  ew: 'europe-west1',
  nw: 'europe-west2',
  ey: 'europe-west3',
  ez: 'europe-west4',
  oa: 'europe-west6',
  lm: 'europe-central2',
  an: 'asia-northeast1',
  dt: 'asia-northeast2',
  du: 'asia-northeast3',
  de: 'asia-east1',
  df: 'asia-east2',
  el: 'asia-south1',
  as: 'asia-southeast1',
  et: 'asia-southeast2',
  ts: 'australia-southeast1',
};

/** `us-central1` → `uc`, `europe-west1` → `ew`: a fallback guess at a region's code. */
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
    const service = byOrigin(listing).get(origin);
    if (service) return runTarget(service, project, region);
    for (const location of listing.unreachable) problems.push(`Cloud Run reported ${location} unreachable while listing ${project}.`);
  } catch (err) {
    // 404: no such region for this project, so no service there either.
    if (!(err instanceof GoogleApiError && err.status === 404)) {
      problems.push(`Listing Cloud Run services in ${project}/${region} failed: ${explainFailure(err, 'run.services.list')}`);
    }
  }
  return undefined;
}

/** The first search that finds the service, without waiting for the others; undefined when none does. */
function firstFound(searches: Array<Promise<Target | undefined>>): Promise<Target | undefined> {
  return new Promise((resolve) => {
    let pending = searches.length;
    if (pending === 0) resolve(undefined);
    for (const search of searches) {
      void search.then((target) => {
        pending--;
        if (target) resolve(target);
        else if (pending === 0) resolve(undefined);
      });
    }
  });
}

const originIndex = new WeakMap<RunServiceListing, Map<string, RunService>>();

/** A listing's services by every origin they answer on (built once per listing, not once per address). */
function byOrigin(listing: RunServiceListing): Map<string, RunService> {
  let index = originIndex.get(listing);
  if (!index) {
    index = new Map();
    for (const service of listing.services) for (const origin of serviceOrigins(service)) if (!index.has(origin)) index.set(origin, service);
    originIndex.set(listing, index);
  }
  return index;
}

/** Every origin a service answers on. */
export function serviceOrigins(service: RunService): string[] {
  return [service.uri, ...service.urls].flatMap((u) => (u ? [originOf(u) ?? ''] : [])).filter(Boolean);
}

function runTarget(service: RunService, project: string, region: string): Target {
  const name = service.name || `projects/${project}/locations/${region}/services/unknown`;
  return { kind: 'cloud-run', resource: name, project, region, service };
}
