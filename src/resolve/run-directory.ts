import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { RunService, RunServicePage } from '../gcp/types.ts';
import { originOf } from './address.ts';

/**
 * Cloud Run services of a project and region, found whichever way costs fewer calls: one `services.get` per
 * service when a region has a single one to find, the region's listing (read page by page, only as far as
 * needed, each page once per run) when it has several, or when the listing is being read anyway.
 */
export class RunDirectory {
  private readonly google: GoogleCloud;
  /** `project region` pairs whose listing was started. */
  private readonly listed = new Set<string>();

  constructor(google: GoogleCloud) {
    this.google = google;
  }

  /**
   * The service `name` of a region (or, as long names are shortened in deterministic URLs, the one answering
   * on `origin`); undefined when there is none. `several`: more services of this region are looked up by name,
   * so one listing page answers them all. A read that fails (other than 404) throws, as `services.get` would.
   */
  async byName(project: string, region: string, name: string, origin: string | undefined, several: boolean, problems: string[]): Promise<RunService | undefined> {
    const full = `projects/${project}/locations/${region}/services/${name}`;
    if (several || this.listed.has(`${project} ${region}`)) {
      try {
        return await this.find(project, region, { name, origin }, problems);
      } catch {
        // Listing denied or failing: a read by name may still work (and says why not if it does not).
      }
    }
    try {
      return await this.google.run.service(full);
    } catch (err) {
      if (!(err instanceof GoogleApiError) || err.status !== 404) throw err;
    }
    if (origin === undefined) return undefined;
    return this.search(project, region, origin, problems);
  }

  /** The regions where Cloud Run is offered to a project. */
  locations(project: string): Promise<string[]> {
    return this.google.run.locations(project);
  }

  /** The service answering on `origin` in a region, or undefined; a listing that fails is a problem, a region that does not exist is not. */
  async search(project: string, region: string, origin: string, problems: string[]): Promise<RunService | undefined> {
    try {
      return await this.find(project, region, { origin }, problems);
    } catch (err) {
      // 404: no such region for this project, so no service there either.
      if (!(err instanceof GoogleApiError && err.status === 404)) {
        problems.push(`Listing Cloud Run services in ${project}/${region} failed: ${explainFailure(err, 'run.services.list')}`);
      }
      return undefined;
    }
  }

  /** Reads the region's listing page by page until a service has the name or origin; unreachable locations are problems when none does. */
  private async find(project: string, region: string, wanted: { name?: string; origin?: string }, problems: string[]): Promise<RunService | undefined> {
    this.listed.add(`${project} ${region}`);
    const unreachable: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.google.run.servicesPage(project, region, token);
      const index = indexOf(page);
      const found = (wanted.name !== undefined ? index.get(`name ${wanted.name}`) : undefined) ?? (wanted.origin !== undefined ? index.get(wanted.origin) : undefined);
      if (found) return found;
      unreachable.push(...page.unreachable);
      token = page.nextPageToken;
      if (token && seen.has(token)) throw new Error(`the API repeated page token ${token}`);
      if (token) seen.add(token);
    } while (token);
    for (const location of unreachable) problems.push(`Cloud Run reported ${location} unreachable while listing ${project}.`);
    return undefined;
  }
}

const indexes = new WeakMap<RunServicePage, Map<string, RunService>>();

/** A page's services by short name (`name NAME`) and by every origin they answer on: built once per page, not per address. */
function indexOf(page: RunServicePage): Map<string, RunService> {
  let index = indexes.get(page);
  if (!index) {
    index = new Map();
    for (const service of page.services) {
      const key = `name ${lastSegment(service.name)}`;
      if (!index.has(key)) index.set(key, service);
      for (const origin of serviceOrigins(service)) if (!index.has(origin)) index.set(origin, service);
    }
    indexes.set(page, index);
  }
  return index;
}

/** Every origin a service answers on. */
export function serviceOrigins(service: RunService): string[] {
  return [service.uri, ...service.urls].flatMap((u) => (u ? [originOf(u) ?? ''] : [])).filter(Boolean);
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
