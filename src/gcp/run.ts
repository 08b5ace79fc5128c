import { run_v1 } from 'googleapis/build/src/apis/run/v1.js';
import { run_v2 } from 'googleapis/build/src/apis/run/v2.js';
import type { CallExecutor } from './executor.ts';
import { allPages, POLICY_VERSION, toPolicy } from './policy.ts';
import type { ClientOptions } from './client-options.ts';
import type { IamPolicy, RunService, RunServiceListing, RunServicePage } from './types.ts';

/** Cloud Run reads: services, their regions, their policies. */
export class CloudRunApi {
  private readonly v1: run_v1.Run;
  private readonly v2: run_v2.Run;

  private readonly executor: CallExecutor;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new run_v1.Run(options);
    this.v2 = new run_v2.Run(options);
  }

  /** A Cloud Run service by full name. */
  service(name: string): Promise<RunService> {
    return this.executor.once(`run.get ${name}`, `Reading Cloud Run service ${name}`, async (timeout) => {
      const res = await this.v2.projects.locations.services.get({ name }, { timeout });
      return toRunService(res.data);
    }, 'critical');
  }

  /** Every Cloud Run service of one project and region, all pages (each page read once, shared with {@link servicesPage}). */
  async services(project: string, region: string): Promise<RunServiceListing> {
    const listing: RunServiceListing = { services: [], unreachable: [] };
    const seen = new Set<string>();
    for (let page = await this.servicesPage(project, region); ; page = await this.servicesPage(project, region, page.nextPageToken)) {
      listing.services.push(...page.services);
      listing.unreachable.push(...page.unreachable);
      if (!page.nextPageToken) return listing;
      if (seen.has(page.nextPageToken)) throw new Error(`the API repeated page token ${page.nextPageToken}`);
      seen.add(page.nextPageToken);
    }
  }

  /** One page of the Cloud Run services of a project and region: the first, or the one `pageToken` names. */
  servicesPage(project: string, region: string, pageToken?: string): Promise<RunServicePage> {
    const parent = `projects/${project}/locations/${region}`;
    return this.executor.once(`run.list ${parent} ${pageToken ?? ''}`, `Listing Cloud Run services in ${parent}`, async (timeout) => {
      const { data } = await this.v2.projects.locations.services.list({ parent, pageToken }, { timeout });
      return {
        services: (data.services ?? []).map(toRunService),
        unreachable: data.unreachable ?? [],
        ...(data.nextPageToken ? { nextPageToken: data.nextPageToken } : {}),
      };
    }, 'critical');
  }

  /** The regions where Cloud Run is offered to a project. */
  locations(project: string): Promise<string[]> {
    const name = `projects/${project}`;
    return this.executor.once(`run.locations ${name}`, `Listing Cloud Run regions of ${name}`, async (timeout) => {
      const regions: string[] = [];
      await allPages(
        async (pageToken) => (await this.v1.projects.locations.list({ name, pageToken }, { timeout })).data,
        (page) => {
          for (const l of page.locations ?? []) if (l.locationId) regions.push(l.locationId);
        },
      );
      return regions;
    }, 'critical');
  }

  /** The allow policy of a Cloud Run service. */
  iamPolicy(name: string): Promise<IamPolicy> {
    return this.executor.once(`run.policy ${name}`, `Reading the IAM policy of ${name}`, async (timeout) => {
      const res = await this.v2.projects.locations.services.getIamPolicy(
        { resource: name, 'options.requestedPolicyVersion': POLICY_VERSION },
        { timeout },
      );
      return toPolicy(res.data.bindings);
    });
  }
}

function toRunService(s: run_v2.Schema$GoogleCloudRunV2Service): RunService {
  return {
    name: s.name ?? '',
    uri: s.uri ?? undefined,
    urls: s.urls ?? [],
    ingress: s.ingress ?? undefined,
    invokerIamDisabled: s.invokerIamDisabled === true,
    defaultUriDisabled: s.defaultUriDisabled === true,
    customAudiences: s.customAudiences ?? [],
    ...(s.labels?.['goog-managed-by'] ? { managedBy: s.labels['goog-managed-by'] } : {}),
  };
}
