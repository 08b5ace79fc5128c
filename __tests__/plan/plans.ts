/**
 * Builders of Terraform JSON plans shaped like `terraform show -json` output of the google provider
 * (format_version 1.2; compare the *.tfplan.json test data of GoogleCloudPlatform/terraform-validator).
 */
import type { ConfigModule, ResourceChange, TerraformPlan } from '../../src/plan/model.ts';

/** One `resource_changes` entry; `address` may carry modules and indexes. */
export function change(
  address: string,
  actions: string[],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  afterUnknown: Record<string, unknown> = {},
  extra: Partial<ResourceChange> = {},
): ResourceChange {
  const local = address.replace(/^(?:module\.[^.[]+(?:\[[^\]]*\])?\.)*/, '');
  const m = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[(.*)\])?$/.exec(local);
  if (!m) throw new Error(`bad address ${address}`);
  const moduleAddress = address.slice(0, address.length - local.length).replace(/\.$/, '');
  const index = m[3] === undefined ? undefined : m[3].startsWith('"') ? (JSON.parse(m[3]) as string) : Number(m[3]);
  return {
    address,
    ...(moduleAddress ? { module_address: moduleAddress } : {}),
    mode: 'managed',
    type: m[1] as string,
    name: m[2] as string,
    ...(index !== undefined ? { index } : {}),
    provider_name: 'registry.terraform.io/hashicorp/google',
    change: {
      actions,
      before,
      after,
      after_unknown: { id: actions.includes('create'), etag: actions.includes('create'), ...afterUnknown },
      before_sensitive: before ? {} : false,
      after_sensitive: after ? {} : false,
    },
    ...extra,
  };
}

/** A plan of `changes`; `project` (when given) is the google provider's default project. */
export function plan(changes: ResourceChange[], options: { project?: string; root?: ConfigModule; complete?: boolean } = {}): TerraformPlan {
  return {
    format_version: '1.2',
    terraform_version: '1.9.5',
    applyable: true,
    complete: options.complete ?? true,
    errored: false,
    resource_changes: changes,
    configuration: {
      provider_config: {
        google: {
          name: 'google',
          full_name: 'registry.terraform.io/hashicorp/google',
          ...(options.project ? { expressions: { project: { constant_value: options.project } } } : {}),
        },
      },
      root_module: options.root ?? {},
    },
  };
}

/** An `_iam_member` of a Cloud Run v2 service. */
export function runMember(project: string | undefined, name: string, role: string, member: string): Record<string, unknown> {
  return { ...(project ? { project } : {}), location: 'us-central1', name, role, member, condition: [] };
}
