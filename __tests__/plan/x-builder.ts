/**
 * Builds plans shaped like `terraform show -json` output (format 1.2, as Terraform 1.5+ and OpenTofu write)
 * for tests; see __tests__/fixtures/plans/x-workspace/infra/tfplan.json for a whole one.
 */
import { parseAddress } from '../../src/plan/address.ts';

export interface ChangeOptions {
  before?: unknown;
  after_unknown?: unknown;
  after_sensitive?: unknown;
  mode?: 'managed' | 'data';
}

/** One `resource_changes` entry; module_address, type, name and index come from the address. */
export function change(address: string, actions: string[], after: unknown, options: ChangeOptions = {}): Record<string, unknown> {
  const parsed = parseAddress(address);
  if (!parsed) throw new Error(`bad address ${address}`);
  const moduleAddress = address.slice(0, Math.max(0, address.lastIndexOf(`${parsed.mode === 'data' ? 'data.' : ''}${parsed.type}.`) - 1));
  return {
    address,
    ...(moduleAddress ? { module_address: moduleAddress } : {}),
    mode: options.mode ?? parsed.mode,
    type: parsed.type,
    name: parsed.name,
    ...(parsed.key === undefined ? {} : { index: parsed.key }),
    provider_name: 'registry.terraform.io/hashicorp/google',
    change: {
      actions,
      before: options.before ?? null,
      after,
      after_unknown: options.after_unknown ?? {},
      before_sensitive: options.before === undefined ? false : {},
      after_sensitive: options.after_sensitive ?? {},
    },
  };
}

/** A whole plan; `extra` overrides top-level keys (e.g. `complete: false`, OpenTofu without `applyable`). */
export function plan(changes: unknown[], configuration: unknown = { provider_config: { google: { name: 'google', full_name: 'registry.terraform.io/hashicorp/google' } }, root_module: {} }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    planned_values: { root_module: {} },
    resource_changes: changes,
    configuration,
    timestamp: '2026-12-05T17:30:00Z',
    applyable: true,
    complete: true,
    errored: false,
    ...extra,
  };
}

export interface ApiConfigOptions {
  address?: string;
  actions?: string[];
  project?: string;
  documents: Array<{ path: string; text: string } | { path: string; unknown: true }>;
  /** An email or resource name; 'unknown' = known only after apply; absent = no gateway_config. */
  serviceAccount?: string;
}

/** A `google_api_gateway_api_config` change. */
export function apiConfig(options: ApiConfigOptions): Record<string, unknown> {
  const address = options.address ?? 'google_api_gateway_api_config.shop';
  const unknownSa = options.serviceAccount === 'unknown';
  const after = {
    api: 'shop',
    api_config_id: 'shop-v3',
    project: options.project ?? 'gw-host',
    openapi_documents: [
      { document: options.documents.map((d) => ('unknown' in d ? { path: d.path } : { path: d.path, contents: Buffer.from(d.text).toString('base64') })) },
    ],
    gateway_config: options.serviceAccount === undefined ? [] : [{ backend_config: [unknownSa ? {} : { google_service_account: options.serviceAccount }] }],
    grpc_services: [],
    managed_service_configs: [],
    labels: null,
    timeouts: null,
  };
  const afterUnknown = {
    id: true,
    name: true,
    service_config_id: true,
    openapi_documents: [{ document: options.documents.map((d) => ('unknown' in d ? { contents: true } : {})) }],
    gateway_config: options.serviceAccount === undefined ? [] : [{ backend_config: [unknownSa ? { google_service_account: true } : {}] }],
  };
  return change(address, options.actions ?? ['create'], after, { after_unknown: afterUnknown });
}
