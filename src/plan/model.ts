/**
 * Terraform/OpenTofu JSON plans (`terraform show -json PLANFILE`): the parts gateway-guard reads.
 * Shapes follow Terraform's "JSON Output Format" documentation (format_version 1.x).
 */

/** One entry of `resource_changes`. */
export interface ResourceChange {
  /** e.g. `module.api.google_cloud_run_v2_service_iam_member.invoker["orders"]` */
  address: string;
  module_address?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: string | number;
  provider_name?: string;
  /** Set on the change of a deposed object (its delete removes that object only). */
  deposed?: string;
  change: {
    /** `["no-op"]`, `["create"]`, `["read"]`, `["update"]`, `["delete","create"]`, `["create","delete"]`, `["delete"]`, `["forget"]`, `["create","forget"]`, `["forget","create"]` */
    actions: string[];
    before: unknown;
    after: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
  };
  action_reason?: string;
}

/** A resource of `configuration` (expressions keep the references a value is made from). */
export interface ConfigResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  provider_config_key?: string;
  expressions?: Record<string, unknown>;
  for_each_expression?: unknown;
  count_expression?: unknown;
}

/** A module of `configuration`. */
export interface ConfigModule {
  resources?: ConfigResource[];
  module_calls?: Record<string, { source?: string; module?: ConfigModule; expressions?: Record<string, unknown> }>;
}

/** The top level of a JSON plan. */
export interface TerraformPlan {
  format_version: string;
  terraform_version?: string;
  /** Absent in OpenTofu's plans. */
  applyable?: boolean;
  /** Absent in OpenTofu's plans; false for a plan made with `-target`. */
  complete?: boolean;
  errored?: boolean;
  /** Root module variables; the reader keeps only those the provider's project/region settings refer to. */
  variables?: Record<string, unknown>;
  resource_changes?: ResourceChange[];
  configuration?: {
    provider_config?: Record<string, { name?: string; full_name?: string; expressions?: Record<string, unknown> }>;
    root_module?: ConfigModule;
  };
}

/** One plan file, read and validated. */
export interface PlanFile {
  /** Path relative to the workspace, as shown to users. */
  file: string;
  /** Absolute directory of the plan file: taken as the root module when locating `.tf` blocks. */
  dir: string;
  plan: TerraformPlan;
}
