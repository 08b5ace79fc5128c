import { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { allPages, POLICY_VERSION, toPolicy } from './policy.ts';
import type { EffectiveTag, FolderInfo, IamPolicy, ProjectInfo } from './types.ts';

/** Resource Manager reads: projects, folders, and the allow policies of projects, folders and organizations. */
export class ResourceManagerApi {
  private readonly v3: cloudresourcemanager_v3.Cloudresourcemanager;

  private readonly executor: CallExecutor;

  private readonly options: ClientOptions;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.options = options;
    this.v3 = new cloudresourcemanager_v3.Cloudresourcemanager(options);
  }

  /** A project by ID or number (read once for both). */
  project(idOrNumber: string): Promise<ProjectInfo> {
    const key = (ref: string) => `crm.project projects/${ref}`;
    return this.executor.once(key(idOrNumber), `Reading project ${idOrNumber}`, async (timeout) => {
      const res = await this.v3.projects.get({ name: `projects/${idOrNumber}` }, { timeout });
      const number = (res.data.name ?? '').replace(/^projects\//, '');
      const info = { projectId: res.data.projectId ?? idOrNumber, projectNumber: number, parent: res.data.parent ?? undefined };
      this.executor.remember(key(idOrNumber === number ? info.projectId : number), info);
      return info;
    }, 'critical');
  }

  /** A folder, for its parent. */
  folder(name: string): Promise<FolderInfo> {
    return this.executor.once(`crm.folder ${name}`, `Reading ${name}`, async (timeout) => {
      const res = await this.v3.folders.get({ name }, { timeout });
      return { name, parent: res.data.parent ?? undefined };
    }, 'critical');
  }

  /** The allow policy of a project (`projects/ID`), folder or organization. */
  iamPolicy(resource: string): Promise<IamPolicy> {
    return this.executor.once(`crm.policy ${resource}`, `Reading the IAM policy of ${resource}`, async (timeout) => {
      const params = { resource, requestBody: { options: { requestedPolicyVersion: POLICY_VERSION } } };
      const res = resource.startsWith('folders/')
        ? await this.v3.folders.getIamPolicy(params, { timeout })
        : resource.startsWith('organizations/')
          ? await this.v3.organizations.getIamPolicy(params, { timeout })
          : await this.v3.projects.getIamPolicy(params, { timeout });
      return toPolicy(res.data.bindings);
    }, 'high');
  }

  /**
   * The effective tags of a resource by full name (`//run.googleapis.com/projects/P/locations/L/services/S`):
   * its own and inherited ones. Regional resources are asked at the regional endpoint (`location`).
   */
  effectiveTags(fullName: string, location?: string): Promise<EffectiveTag[]> {
    const rootUrl = this.options.rootUrl ?? (location ? `https://${location}-cloudresourcemanager.googleapis.com/` : undefined);
    return this.executor.once(`crm.tags ${fullName}`, `Listing the effective tags of ${fullName}`, async (timeout) => {
      const tags: EffectiveTag[] = [];
      await allPages(
        async (pageToken) => (await this.v3.effectiveTags.list({ parent: fullName, pageToken }, { timeout, ...(rootUrl ? { rootUrl } : {}) })).data,
        (page) => {
          for (const t of page.effectiveTags ?? []) {
            tags.push({
              namespacedTagKey: t.namespacedTagKey ?? '',
              namespacedTagValue: t.namespacedTagValue ?? '',
              tagKey: t.tagKey ?? '',
              tagValue: t.tagValue ?? '',
              inherited: t.inherited === true,
            });
          }
        },
      );
      return tags;
    }, 'high');
  }
}
