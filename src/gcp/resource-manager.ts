import { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { POLICY_VERSION, toPolicy } from './policy.ts';
import type { FolderInfo, IamPolicy, ProjectInfo } from './types.ts';

/** Resource Manager reads: projects, folders, and the allow policies of projects, folders and organizations. */
export class ResourceManagerApi {
  private readonly v3: cloudresourcemanager_v3.Cloudresourcemanager;

  private readonly executor: CallExecutor;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
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
}
