import { GoogleAuth } from 'google-auth-library';
import { run_v1 } from 'googleapis/build/src/apis/run/v1.js';
import { run_v2 } from 'googleapis/build/src/apis/run/v2.js';
import { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js';
import { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js';
import { CallExecutor, type ExecutorOptions } from './executor.ts';
import type { FolderInfo, IamPolicy, ProjectInfo, RoleDefinition, RunService, RunServiceListing } from './types.ts';

/** Where calls go: Google itself with Application Default Credentials, or an emulator host without auth. */
export interface GoogleCloudOptions extends Partial<ExecutorOptions> {
  /** `host:port` of an emulator (GATEWAY_GUARD_EMULATOR_HOST); unset for Google. */
  emulatorHost?: string;
}

const POLICY_VERSION = 3;
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

interface RawBinding {
  role?: string | null;
  members?: string[] | null;
  condition?: { title?: string | null; description?: string | null; expression?: string | null } | null;
}

/** The only place that talks to Google: every read the checks need, each asked once per run. */
export class GoogleCloud {
  readonly executor: CallExecutor;
  private readonly runV1: run_v1.Run;
  private readonly runV2: run_v2.Run;
  private readonly crm: cloudresourcemanager_v3.Cloudresourcemanager;
  private readonly iam: iam_v1.Iam;

  constructor(options: GoogleCloudOptions = {}) {
    this.executor = new CallExecutor(options);
    const global = {
      retry: false,
      ...(options.emulatorHost
        ? { rootUrl: `http://${options.emulatorHost}/` }
        : { auth: new GoogleAuth({ scopes: SCOPES }) }),
    };
    this.runV1 = new run_v1.Run(global);
    this.runV2 = new run_v2.Run(global);
    this.crm = new cloudresourcemanager_v3.Cloudresourcemanager(global);
    this.iam = new iam_v1.Iam(global);
  }

  /** Number of HTTP attempts made so far (retries included). */
  get callCount(): number {
    return this.executor.attempts;
  }

  /** A Cloud Run service by full name. */
  runService(name: string): Promise<RunService> {
    return this.executor.once(`run.get ${name}`, `Reading Cloud Run service ${name}`, async (timeout) => {
      const res = await this.runV2.projects.locations.services.get({ name }, { timeout });
      return toRunService(res.data);
    });
  }

  /** Every Cloud Run service of one project and region, all pages. */
  runServices(project: string, region: string): Promise<RunServiceListing> {
    const parent = `projects/${project}/locations/${region}`;
    return this.executor.once(`run.list ${parent}`, `Listing Cloud Run services in ${parent}`, async (timeout) => {
      const listing: RunServiceListing = { services: [], unreachable: [] };
      let pageToken: string | undefined;
      do {
        const res = await this.runV2.projects.locations.services.list({ parent, pageToken }, { timeout });
        for (const s of res.data.services ?? []) listing.services.push(toRunService(s));
        listing.unreachable.push(...(res.data.unreachable ?? []));
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken);
      return listing;
    });
  }

  /** The regions where Cloud Run is offered to a project. */
  runLocations(project: string): Promise<string[]> {
    const name = `projects/${project}`;
    return this.executor.once(`run.locations ${name}`, `Listing Cloud Run regions of ${name}`, async (timeout) => {
      const regions: string[] = [];
      let pageToken: string | undefined;
      do {
        const res = await this.runV1.projects.locations.list({ name, pageToken }, { timeout });
        for (const l of res.data.locations ?? []) if (l.locationId) regions.push(l.locationId);
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken);
      return regions;
    });
  }

  /** The allow policy of a Cloud Run service. */
  runServiceIamPolicy(name: string): Promise<IamPolicy> {
    return this.executor.once(`run.policy ${name}`, `Reading the IAM policy of ${name}`, async (timeout) => {
      const res = await this.runV2.projects.locations.services.getIamPolicy(
        { resource: name, 'options.requestedPolicyVersion': POLICY_VERSION },
        { timeout },
      );
      return toPolicy(res.data.bindings);
    });
  }

  /** A project by ID or number. */
  project(idOrNumber: string): Promise<ProjectInfo> {
    const name = `projects/${idOrNumber}`;
    return this.executor.once(`crm.project ${name}`, `Reading project ${idOrNumber}`, async (timeout) => {
      const res = await this.crm.projects.get({ name }, { timeout });
      const number = (res.data.name ?? '').replace(/^projects\//, '');
      return { projectId: res.data.projectId ?? idOrNumber, projectNumber: number, parent: res.data.parent ?? undefined };
    });
  }

  /** A folder, for its parent. */
  folder(name: string): Promise<FolderInfo> {
    return this.executor.once(`crm.folder ${name}`, `Reading ${name}`, async (timeout) => {
      const res = await this.crm.folders.get({ name }, { timeout });
      return { name, parent: res.data.parent ?? undefined };
    });
  }

  /** The allow policy of a project (`projects/ID`), folder or organization. */
  resourceManagerIamPolicy(resource: string): Promise<IamPolicy> {
    return this.executor.once(`crm.policy ${resource}`, `Reading the IAM policy of ${resource}`, async (timeout) => {
      const params = { resource, requestBody: { options: { requestedPolicyVersion: POLICY_VERSION } } };
      const res = resource.startsWith('folders/')
        ? await this.crm.folders.getIamPolicy(params, { timeout })
        : resource.startsWith('organizations/')
          ? await this.crm.organizations.getIamPolicy(params, { timeout })
          : await this.crm.projects.getIamPolicy(params, { timeout });
      return toPolicy(res.data.bindings);
    });
  }

  /** A role definition, predefined (`roles/x`) or custom (`projects/p/roles/x`, `organizations/o/roles/x`). */
  role(name: string): Promise<RoleDefinition> {
    return this.executor.once(`iam.role ${name}`, `Reading role ${name}`, async (timeout) => {
      const res = name.startsWith('projects/')
        ? await this.iam.projects.roles.get({ name }, { timeout })
        : name.startsWith('organizations/')
          ? await this.iam.organizations.roles.get({ name }, { timeout })
          : await this.iam.roles.get({ name }, { timeout });
      return {
        name,
        title: res.data.title ?? undefined,
        includedPermissions: res.data.includedPermissions ?? [],
        deleted: res.data.deleted === true,
        stage: res.data.stage ?? undefined,
      };
    });
  }

  /** The email of a service account named `projects/P/serviceAccounts/ID` (or `projects/P/accounts/ID`). */
  serviceAccountEmail(name: string): Promise<string> {
    const normalized = name.replace(/^projects\/([^/]+)\/accounts\//, 'projects/$1/serviceAccounts/');
    return this.executor.once(`iam.sa ${normalized}`, `Reading service account ${name}`, async (timeout) => {
      const res = await this.iam.projects.serviceAccounts.get({ name: normalized }, { timeout });
      if (!res.data.email) throw new Error(`service account ${name} has no email`);
      return res.data.email;
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
  };
}

function toPolicy(bindings: RawBinding[] | null | undefined): IamPolicy {
  return {
    bindings: (bindings ?? []).map((b) => ({
      role: b.role ?? '',
      members: b.members ?? [],
      ...(b.condition
        ? {
            condition: {
              title: b.condition.title ?? undefined,
              description: b.condition.description ?? undefined,
              expression: b.condition.expression ?? undefined,
            },
          }
        : {}),
    })),
  };
}
