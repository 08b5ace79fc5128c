import { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import type { RoleDefinition } from './types.ts';

/** IAM reads: role definitions and service accounts. */
export class IamApi {
  private readonly v1: iam_v1.Iam;

  private readonly executor: CallExecutor;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new iam_v1.Iam(options);
  }

  /** A role definition, predefined (`roles/x`) or custom (`projects/p/roles/x`, `organizations/o/roles/x`). */
  role(name: string): Promise<RoleDefinition> {
    return this.executor.once(`iam.role ${name}`, `Reading role ${name}`, async (timeout) => {
      const res = name.startsWith('projects/')
        ? await this.v1.projects.roles.get({ name }, { timeout })
        : name.startsWith('organizations/')
          ? await this.v1.organizations.roles.get({ name }, { timeout })
          : await this.v1.roles.get({ name }, { timeout });
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
      const res = await this.v1.projects.serviceAccounts.get({ name: normalized }, { timeout });
      if (!res.data.email) throw new Error(`service account ${name} has no email`);
      return res.data.email;
    });
  }
}
