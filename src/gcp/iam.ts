import { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js';
import { iam_v2 } from 'googleapis/build/src/apis/iam/v2.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { allPages } from './policy.ts';
import type { DenyPolicy, DenyRule, RoleDefinition } from './types.ts';

/** IAM reads: role definitions, service accounts, deny policies. */
export class IamApi {
  private readonly v1: iam_v1.Iam;
  private readonly v2: iam_v2.Iam;

  private readonly executor: CallExecutor;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new iam_v1.Iam(options);
    this.v2 = new iam_v2.Iam(options);
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
    }, 'high');
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

  /**
   * The deny policies attached to `attachmentPoint` (e.g. `cloudresourcemanager.googleapis.com/projects/p`),
   * with their rules: Google's list omits rules, so each listed policy without them is read once more.
   */
  async denyPolicies(attachmentPoint: string): Promise<DenyPolicy[]> {
    const parent = `policies/${encodeURIComponent(attachmentPoint)}/denypolicies`;
    const listed = await this.executor.once(`iam.deny ${attachmentPoint}`, `Listing the deny policies of ${attachmentPoint}`, async (timeout) => {
      const policies: iam_v2.Schema$GoogleIamV2Policy[] = [];
      await allPages(
        async (pageToken) => (await this.v2.policies.listPolicies({ parent, pageToken }, { timeout })).data,
        (page) => policies.push(...(page.policies ?? [])),
      );
      return policies;
    }, 'high');
    const full = await Promise.all(
      listed.map((p) =>
        p.rules || !p.name
          ? p
          : this.executor.once(`iam.denyPolicy ${p.name}`, `Reading deny policy ${p.name}`, async (timeout) => {
              return (await this.v2.policies.get({ name: p.name as string }, { timeout })).data;
            }, 'high'),
      ),
    );
    return full.map(toDenyPolicy);
  }
}

function toDenyPolicy(p: iam_v2.Schema$GoogleIamV2Policy): DenyPolicy {
  const rules: DenyRule[] = [];
  for (const rule of p.rules ?? []) {
    const d = rule.denyRule;
    if (!d) continue;
    rules.push({
      deniedPrincipals: d.deniedPrincipals ?? [],
      exceptionPrincipals: d.exceptionPrincipals ?? [],
      deniedPermissions: d.deniedPermissions ?? [],
      exceptionPermissions: d.exceptionPermissions ?? [],
      ...(d.denialCondition?.expression
        ? { denialCondition: { title: d.denialCondition.title ?? undefined, expression: d.denialCondition.expression } }
        : {}),
    });
  }
  return { name: p.name ?? '', displayName: p.displayName ?? undefined, rules };
}
