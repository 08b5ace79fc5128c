import { cloudfunctions_v1 } from 'googleapis/build/src/apis/cloudfunctions/v1.js';
import { cloudfunctions_v2 } from 'googleapis/build/src/apis/cloudfunctions/v2.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { allPages, POLICY_VERSION, toPolicy } from './policy.ts';
import type { FunctionInfo, FunctionListing, IamPolicy } from './types.ts';

/** Cloud Functions reads. The v2 API serves both generations; 1st-gen policies are read through v1. */
export class CloudFunctionsApi {
  private readonly executor: CallExecutor;
  private readonly v1: cloudfunctions_v1.Cloudfunctions;
  private readonly v2: cloudfunctions_v2.Cloudfunctions;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new cloudfunctions_v1.Cloudfunctions(options);
    this.v2 = new cloudfunctions_v2.Cloudfunctions(options);
  }

  /** A function by full name, `projects/P/locations/R/functions/F`. */
  get(name: string): Promise<FunctionInfo> {
    return this.executor.once(`functions.get ${name}`, `Reading Cloud Function ${name}`, async (timeout) => {
      try {
        return toFunctionInfo((await this.v2.projects.locations.functions.get({ name }, { timeout })).data);
      } catch (err) {
        // The v2 API serves 1st-gen functions too, but where it does not know one, the v1 API may.
        if ((err as { status?: number }).status !== 404) throw err;
        return fromV1((await this.v1.projects.locations.functions.get({ name }, { timeout })).data);
      }
    }, 'critical');
  }

  /** Every function of a project, in every region (the `-` location). */
  list(project: string): Promise<FunctionListing> {
    const parent = `projects/${project}/locations/-`;
    return this.executor.once(`functions.list ${parent}`, `Listing Cloud Functions of projects/${project}`, async (timeout) => {
      const listing: FunctionListing = { functions: [], unreachable: [] };
      await allPages(
        async (pageToken) => (await this.v2.projects.locations.functions.list({ parent, pageToken }, { timeout })).data,
        (page) => {
          for (const f of page.functions ?? []) listing.functions.push(toFunctionInfo(f));
          listing.unreachable.push(...(page.unreachable ?? []));
        },
      );
      return listing;
    }, 'critical');
  }

  /** The allow policy of a function, through the API of its generation. */
  iamPolicy(name: string, environment: string): Promise<IamPolicy> {
    return this.executor.once(`functions.policy ${name}`, `Reading the IAM policy of ${name}`, async (timeout) => {
      const params = { resource: name, 'options.requestedPolicyVersion': POLICY_VERSION };
      const res =
        environment === 'GEN_1'
          ? await this.v1.projects.locations.functions.getIamPolicy(params, { timeout })
          : await this.v2.projects.locations.functions.getIamPolicy(params, { timeout });
      return toPolicy(res.data.bindings);
    });
  }
}

function fromV1(f: cloudfunctions_v1.Schema$CloudFunction): FunctionInfo {
  return {
    name: f.name ?? '',
    environment: 'GEN_1',
    url: f.httpsTrigger?.url ?? undefined,
    state: f.status ?? undefined,
    eventType: f.eventTrigger ? (f.eventTrigger.eventType ?? 'event') : undefined,
    ingressSettings: f.ingressSettings ?? undefined,
  };
}

function toFunctionInfo(f: cloudfunctions_v2.Schema$Function): FunctionInfo {
  return {
    name: f.name ?? '',
    environment: f.environment ?? 'GEN_2',
    url: f.url ?? undefined,
    state: f.state ?? undefined,
    eventType: f.eventTrigger ? (f.eventTrigger.eventType ?? 'event') : undefined,
    ingressSettings: f.serviceConfig?.ingressSettings ?? undefined,
    runService: f.serviceConfig?.service ?? undefined,
    runUri: f.serviceConfig?.uri ?? undefined,
  };
}
