import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { RunService } from '../gcp/types.ts';
import type { AddressInfo } from './address.ts';
import type { RunDirectory } from './run-directory.ts';
import type { Target } from './target.ts';

export { serviceOrigins } from './run-directory.ts';

type RunAddress = Extract<AddressInfo, { kind: 'cloud-run' }>;

/** Where a run's Cloud Run addresses are looked for, shared by all of them (see src/resolve/plan.ts). */
export interface RunSearch {
  directory: RunDirectory;
  /** Projects to search first for hash-style URLs: the `project` input's (and the policy file's). */
  first: string[];
  /** Projects to search next: those other addresses name (numbers read as IDs), asked for only when needed. */
  named: () => Promise<string[]>;
  /** Deterministic addresses per `PROJECTNUMBER REGION`: with several, one listing answers them all. */
  namedIn: Map<string, number>;
  /** Per URL hash: the project where the first address of that hash was found (the hash is the project's). */
  hosts: Map<string, Promise<string | undefined>>;
  /**
   * Fewer hashes than projects to search first: some of them host none, so one address per hash scouts
   * them and the others of its hash follow where it was found. Otherwise every address looks in each.
   */
  scout: boolean;
}

/**
 * Finds the Cloud Run service behind a run.app address. A hash-style URL is looked for where it is most
 * likely and no further than needed: the region its code suggests in the `project` input's projects, the
 * project where another URL of the same hash was found, then every region, then the other candidates.
 */
export async function resolveCloudRun(google: GoogleCloud, info: RunAddress, search: RunSearch): Promise<Target> {
  if (info.form === 'deterministic') return resolveDeterministic(google, info, search);
  // The first projects are searched at once; those other addresses name (a number takes a read to become an
  // ID) only once the first have not got the service.
  const problems: string[] = [];
  const found = await searchHash(search, info.origin, problems);
  if (found) return found;
  const candidateProjects = [...new Set([...search.first, ...(await search.named())])];
  if (candidateProjects.length === 0) {
    return {
      kind: 'not-found',
      backendKind: 'cloud-run',
      message:
        `${info.origin} does not name its project (hash-style run.app URL), and there is no project to search: ` +
        'set the `project` input (CLI: --project), or `projects` in the policy file, to the project(s) that host this service.',
    };
  }
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

async function searchHash(search: RunSearch, origin: string, problems: string[]): Promise<Target | undefined> {
  // Google says not to parse hash URLs, but their parts are good guesses: the code names a region, and the
  // hash is the same for every service of a project. Guesses only order the search; they never end it.
  const { code, hash } = hashParts(origin);
  const guess = REGION_OF_CODE[code];
  const scouting = hash !== '' && search.scout;
  const scout = scouting ? search.hosts.get(hash) : undefined;
  let settle: ((project: string | undefined) => void) | undefined;
  if (scouting && !scout) search.hosts.set(hash, new Promise((resolve) => (settle = resolve)));
  const host = scout ? await scout : undefined;
  try {
    // Tiers, each asked for only when the one before has not got the service.
    const tiers: Array<() => Promise<string[]>> = [async () => search.first, async () => (await search.named()).filter((p) => !search.first.includes(p))];
    if (host) tiers.unshift(async () => [host]);
    for (const tier of tiers) {
      const found = await searchProjects(search.directory, await tier(), origin, code, guess, problems);
      if (found) {
        settle?.(found.kind === 'cloud-run' ? found.project : undefined);
        return found;
      }
    }
    return undefined;
  } finally {
    settle?.(undefined);
  }
}

/** The region code and hash of `[TAG---]NAME-HASH-CODE.a.run.app` (empty when the host has no such parts). */
export function hashParts(origin: string): { code: string; hash: string } {
  const m = /-([a-z0-9]+)-([a-z]{2,3})\.a\.run\.app$/.exec(origin);
  return { hash: m?.[1] ?? '', code: m?.[2] ?? /-([a-z]{2,3})\.a\.run\.app$/.exec(origin)?.[1] ?? '' };
}

/** Searches some projects at once: the guessed region of each first, then their other regions. */
async function searchProjects(
  directory: RunDirectory,
  projects: string[],
  origin: string,
  code: string,
  guess: string | undefined,
  problems: string[],
): Promise<Target | undefined> {
  if (projects.length === 0) return undefined;
  if (guess) {
    const found = await firstFound(projects.map((project) => searchRegion(directory, project, guess, origin, problems)));
    if (found) return found;
  }
  return firstFound(projects.map((project) => searchOtherRegions(directory, project, origin, code, guess, problems)));
}

async function searchOtherRegions(
  directory: RunDirectory,
  project: string,
  origin: string,
  code: string,
  guess: string | undefined,
  problems: string[],
): Promise<Target | undefined> {
  let regions: string[];
  try {
    regions = await directory.locations(project);
  } catch (err) {
    if (!(err instanceof GoogleApiError) || (err.status !== 404 && err.status !== 501)) {
      problems.push(`Listing Cloud Run regions of ${project} failed: ${explainFailure(err, 'run.locations.list')}`);
      return undefined;
    }
    // No region list to be had (the method is missing, not denied): search every region Cloud Run has.
    regions = [...new Set(Object.values(REGION_OF_CODE))];
  }
  regions = regions.filter((region) => region !== guess);
  const likely = regions.filter((region) => regionInitials(region) === code);
  for (const batch of [likely, regions.filter((region) => !likely.includes(region))]) {
    const found = await firstFound(batch.map((region) => searchRegion(directory, project, region, origin, problems)));
    if (found) return found;
  }
  return undefined;
}

async function resolveDeterministic(google: GoogleCloud, info: Extract<RunAddress, { form: 'deterministic' }>, search: RunSearch): Promise<Target> {
  // Google's APIs take the number where they take the ID: look for the service by number right away, while
  // the project is read (its ID names the policies of the project and its ancestors).
  const projectId = projectIdOf(google, info.projectNumber, search);
  const several = (search.namedIn.get(`${info.projectNumber} ${info.region}`) ?? 0) > 1;
  const problems: string[] = [];
  let service: RunService | undefined;
  let failure: unknown;
  try {
    // Long service names are shortened in deterministic URLs: what is not found by name is matched by URL.
    service = await search.directory.byName(info.projectNumber, info.region, info.service, info.origin, several, problems);
  } catch (err) {
    failure = err;
  }
  const project = (await projectId) ?? info.projectNumber;
  const name = `projects/${project}/locations/${info.region}/services/${info.service}`;
  if (failure !== undefined) return { kind: 'unreadable', backendKind: 'cloud-run', message: `Could not read ${name}: ${explainFailure(failure, 'run.services.get')}` };
  if (service) return runTarget(service, project, info.region);
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
async function projectIdOf(google: GoogleCloud, projectNumber: string, search: RunSearch): Promise<string | undefined> {
  try {
    return (await google.resourceManager.project(projectNumber)).projectId;
  } catch {
    const known = await Promise.all(
      [...search.first, ...(await search.named())].map((id) => google.resourceManager.project(id).then((p) => p, () => undefined)),
    );
    return known.find((p) => p?.projectNumber === projectNumber)?.projectId;
  }
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

async function searchRegion(directory: RunDirectory, project: string, region: string, origin: string, problems: string[]): Promise<Target | undefined> {
  const service = await directory.search(project, region, origin, problems);
  return service ? runTarget(service, project, region) : undefined;
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

function runTarget(service: RunService, project: string, region: string): Target {
  // Named by project ID whenever it is known, whatever form Google's answer used (a service read by project
  // number may come back named by number): policies, plans and reports all name resources by ID.
  const id = service.name?.split('/').at(-1);
  const name = id ? `projects/${project}/locations/${region}/services/${id}` : `projects/${project}/locations/${region}/services/unknown`;
  return { kind: 'cloud-run', resource: name, project, region, service };
}
