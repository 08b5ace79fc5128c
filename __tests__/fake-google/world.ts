/**
 * A "world": the declarative state of a fake Google Cloud, loaded from YAML or JSON.
 *
 * Resources use Google's own field names and JSON shapes (as in the discovery documents), plus an
 * `iamPolicy` (IAM v1 Policy) on every resource that has one. Top-level keys:
 *
 * - `projects`: {@link WorldProject} `projectId`, `projectNumber`, `parent` (`organizations/N` | `folders/N`),
 *   `displayName`, `state`, `labels`, `iamPolicy`, `runLocations`, `functionLocations`.
 * - `organizations` / `folders`: `name`, `displayName`, `parent` (folders), `state`, `iamPolicy`.
 * - `roles`: IAM v1 Role; custom (`projects/P/roles/X`, `organizations/O/roles/X`) or predefined overrides.
 * - `runServices`: Cloud Run v2 Service (`name`, `uri`, `urls`, `ingress`, `invokerIamDisabled`, ...) + `iamPolicy`.
 * - `functions`: Cloud Functions v2 Function (`environment` GEN_1|GEN_2, `url`, `serviceConfig`, `eventTrigger`,
 *   `state`) + `iamPolicy`; optional `v1` (CloudFunction fields merged over the converted GEN_1 shape).
 * - `apps`: App Engine Application (`id`, `locationId`, `defaultHostname`, `iap`) + `services: [{id}]`,
 *   `iapPolicies` (IAP resource name → Policy), `iapSettings` (IAP resource name → IapSettings).
 * - `serviceAccounts`: IAM v1 ServiceAccount (`name`, `email`, `uniqueId`, `projectId`, ...).
 * - `denyPolicies`: `[{ attachmentPoint, policies: GoogleIamV2Policy[] }]`.
 * - `apis` / `apiConfigs` / `gateways`: API Gateway v1 ApigatewayApi / ApigatewayApiConfig / ApigatewayGateway.
 * - `troubleshoot`: canned Policy Troubleshooter v3 responses keyed `principal|fullResourceName|permission`.
 * - `faults`: {@link WorldFault}; `latencyMs`; `pageSize` (default and maximum page size); `quotaPerMinute`.
 *
 * Organizations, folders, projects, run services, functions and apps may carry `tags` ({@link WorldTags}):
 * tag bindings, served as effective tags (own and inherited; a key bound lower wins) by `effectiveTags.list`.
 */
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';

/** google.type.Expr: a CEL condition of a binding. */
export interface Expr {
  title?: string;
  description?: string;
  expression: string;
  location?: string;
}

/** IAM v1 Binding. */
export interface Binding {
  role: string;
  members: string[];
  condition?: Expr;
}

/** IAM v1 Policy as stored in the world (`version` and `etag` are computed when absent). */
export interface Policy {
  version?: number;
  etag?: string;
  bindings?: Binding[];
  auditConfigs?: unknown[];
}

/**
 * Tag bindings on a resource: namespaced tag key (`ORG_ID/key` or `PROJECT_ID/key`) → short value name,
 * e.g. `{ "1000/env": prod }`. Tag key and value IDs are derived from the names.
 */
export type WorldTags = Record<string, string>;

/** A project; `projectNumber` is a decimal string. */
export interface WorldProject {
  tags?: WorldTags;
  projectId: string;
  projectNumber: string;
  parent?: string;
  displayName?: string;
  state?: 'ACTIVE' | 'DELETE_REQUESTED';
  labels?: Record<string, string>;
  createTime?: string;
  iamPolicy?: Policy;
  /** Regions Cloud Run reports for the project (else: regions of its run services). */
  runLocations?: string[];
  /** Regions Cloud Functions reports for the project (else: regions of its functions). */
  functionLocations?: string[];
}

/** An organization (`organizations/N`). */
export interface WorldOrganization {
  tags?: WorldTags;
  name: string;
  displayName?: string;
  directoryCustomerId?: string;
  state?: string;
  iamPolicy?: Policy;
}

/** A folder (`folders/N`), child of an organization or folder. */
export interface WorldFolder {
  tags?: WorldTags;
  name: string;
  parent: string;
  displayName?: string;
  state?: string;
  iamPolicy?: Policy;
}

/** IAM v1 Role. */
export interface Role {
  name: string;
  title?: string;
  description?: string;
  includedPermissions?: string[];
  stage?: string;
  etag?: string;
  deleted?: boolean;
}

/** Cloud Run v2 Service (GoogleCloudRunV2Service, any extra fields pass through) plus its policy. */
export interface RunService {
  tags?: WorldTags;
  name: string;
  uri?: string;
  urls?: string[];
  ingress?: string;
  invokerIamDisabled?: boolean;
  defaultUriDisabled?: boolean;
  customAudiences?: string[];
  iamPolicy?: Policy;
  [field: string]: unknown;
}

/** Cloud Functions v2 Function plus its policy; `v1` overrides fields of the v1 CloudFunction view. */
export interface CloudFunction {
  tags?: WorldTags;
  name: string;
  environment?: 'GEN_1' | 'GEN_2' | 'ENVIRONMENT_UNSPECIFIED';
  url?: string;
  state?: string;
  serviceConfig?: { service?: string; uri?: string; ingressSettings?: string; [f: string]: unknown };
  eventTrigger?: { eventType?: string; [f: string]: unknown };
  iamPolicy?: Policy;
  v1?: Record<string, unknown>;
  [field: string]: unknown;
}

/** App Engine Application plus services, IAP policies and IAP settings. */
export interface App {
  tags?: WorldTags;
  id: string;
  name?: string;
  locationId?: string;
  defaultHostname?: string;
  iap?: { enabled?: boolean; oauth2ClientId?: string; oauth2ClientSecretSha256?: string };
  services?: Array<{ id: string; [f: string]: unknown }>;
  /** IAP resource name (`projects/N/iap_web[/appengine-ID[/services/S[/versions/V]]]`) → Policy. */
  iapPolicies?: Record<string, Policy>;
  /** IAP resource name → IapSettings. */
  iapSettings?: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

/** IAM v1 ServiceAccount. */
export interface ServiceAccount {
  name?: string;
  email: string;
  uniqueId: string;
  projectId: string;
  displayName?: string;
  disabled?: boolean;
  [field: string]: unknown;
}

/** IAM v2 deny policies attached to one attachment point (`cloudresourcemanager.googleapis.com/projects/N`). */
export interface DenyAttachment {
  attachmentPoint: string;
  policies: Array<{ name?: string; rules?: unknown[]; [f: string]: unknown }>;
}

/** API Gateway v1 resources. */
export interface GatewayApi {
  name: string;
  [field: string]: unknown;
}
/** API Gateway v1 ApiConfig (`openapiDocuments[].document.contents` is base64). */
export interface GatewayApiConfig {
  name: string;
  gatewayServiceAccount?: string;
  openapiDocuments?: Array<{ document: { path?: string; contents?: string } }>;
  [field: string]: unknown;
}
/** API Gateway v1 Gateway. */
export interface Gateway {
  name: string;
  apiConfig?: string;
  [field: string]: unknown;
}

/** A fault: the first `times` requests matching `method` and the `path` regex get `status`. */
export interface WorldFault {
  method?: string;
  path: string;
  status: number;
  times?: number;
  retryAfter?: string;
  message?: string;
}

/** The whole world. */
export interface World {
  projects?: WorldProject[];
  organizations?: WorldOrganization[];
  folders?: WorldFolder[];
  roles?: Role[];
  runServices?: RunService[];
  functions?: CloudFunction[];
  apps?: App[];
  serviceAccounts?: ServiceAccount[];
  denyPolicies?: DenyAttachment[];
  apis?: GatewayApi[];
  apiConfigs?: GatewayApiConfig[];
  gateways?: Gateway[];
  troubleshoot?: Record<string, unknown>;
  faults?: WorldFault[];
  latencyMs?: number;
  pageSize?: number;
  quotaPerMinute?: number;
}

const KNOWN_KEYS = new Set([
  'projects', 'organizations', 'folders', 'roles', 'runServices', 'functions', 'apps', 'serviceAccounts',
  'denyPolicies', 'apis', 'apiConfigs', 'gateways', 'troubleshoot', 'faults', 'latencyMs', 'pageSize',
  'quotaPerMinute',
]);

/** Checks the top level and the required fields of a parsed world; throws with the path of a problem. */
export function validateWorld(value: unknown, source = 'world'): World {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: a world is a mapping`);
  const w = value as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`${source}: unknown key '${key}'`);
  }
  const need = (list: string, fields: string[]): void => {
    const items = w[list];
    if (items === undefined) return;
    if (!Array.isArray(items)) throw new Error(`${source}: '${list}' must be a list`);
    items.forEach((item: unknown, i) => {
      if (!item || typeof item !== 'object') throw new Error(`${source}: ${list}[${i}] must be a mapping`);
      for (const f of fields) {
        if ((item as Record<string, unknown>)[f] === undefined) throw new Error(`${source}: ${list}[${i}].${f} is required`);
      }
    });
  };
  need('projects', ['projectId', 'projectNumber']);
  need('organizations', ['name']);
  need('folders', ['name', 'parent']);
  need('roles', ['name']);
  need('runServices', ['name']);
  need('functions', ['name']);
  need('apps', ['id']);
  need('serviceAccounts', ['email', 'uniqueId', 'projectId']);
  need('denyPolicies', ['attachmentPoint', 'policies']);
  need('apis', ['name']);
  need('apiConfigs', ['name']);
  need('gateways', ['name']);
  need('faults', ['path', 'status']);
  for (const list of ['organizations', 'folders', 'projects', 'runServices', 'functions', 'apps']) {
    ((w[list] as Array<Record<string, unknown>> | undefined) ?? []).forEach((item, i) => checkTags(item.tags, `${source}: ${list}[${i}].tags`));
  }
  for (const p of (w.projects as WorldProject[] | undefined) ?? []) {
    p.projectNumber = String(p.projectNumber);
  }
  return w as World;
}

function checkTags(tags: unknown, where: string): void {
  if (tags === undefined) return;
  if (!tags || typeof tags !== 'object' || Array.isArray(tags)) throw new Error(`${where} must map namespaced tag keys to values`);
  for (const [key, value] of Object.entries(tags)) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(key)) throw new Error(`${where}: '${key}' is not a namespaced tag key (ORG_ID/key or PROJECT_ID/key)`);
    if (typeof value !== 'string' || !/^[^/\s]+$/.test(value)) throw new Error(`${where}.${key} must be a tag value's short name`);
  }
}

/** Reads a world from a YAML or JSON file. */
export async function loadWorld(path: string): Promise<World> {
  const text = await readFile(path, 'utf8');
  return validateWorld(load(text), path);
}
