/**
 * Shared machinery of the fake: Google-style errors, routes, pagination, IAM policy rendering and an
 * index over the world (project ID/number, ancestry, roles).
 */
import { createHash } from 'node:crypto';
import { PREDEFINED_ROLES } from './catalog.ts';
import type { Binding, Policy, Role, World, WorldProject } from './world.ts';

/** google.rpc.Code names by HTTP status. */
export const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  502: 'UNKNOWN',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** An error answered as `{"error":{"code","message","status"}}`. */
export class ApiError extends Error {
  readonly code: number;
  readonly status: string;
  readonly headers: Record<string, string>;
  constructor(code: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = STATUS_NAMES[code] ?? (code >= 500 ? 'INTERNAL' : 'UNKNOWN');
    this.headers = headers;
  }
  /** The JSON body Google sends. */
  body(): { error: { code: number; message: string; status: string } } {
    return { error: { code: this.code, message: this.message, status: this.status } };
  }
}

export const notFound = (name: string): ApiError => new ApiError(404, `Resource '${name}' was not found`);
export const denied = (permission: string, resource: string): ApiError =>
  new ApiError(403, `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`);
export const invalid = (message: string): ApiError => new ApiError(400, message);

/** What a handler sees of a request. */
export interface Call {
  method: string;
  /** Path parameters, percent-decoded, by the discovery document's flatPath names. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  world: World;
  index: WorldIndex;
  /** Default and maximum page size. */
  pageSize: number;
  /** Raw request path (for page-token binding). */
  path: string;
}

/** One method of one API: verb + flatPath template (from the discovery document) → handler. */
export interface Route {
  /** Discovery method id, e.g. `run.projects.locations.services.get` (several for shared paths). */
  id: string;
  method: 'GET' | 'POST';
  /**
   * flatPath of the discovery document, e.g. `v2/projects/{projectsId}/locations/{locationsId}/services`;
   * `{+name}` matches one or more segments.
   */
  template: string;
  /** Query parameters the method accepts (besides the standard ones). */
  query?: string[];
  /** Permission checked by Google (used in 403 messages of injected faults). */
  permission?: string;
  handler: (call: Call) => unknown;
}

const SYSTEM_PARAMS = new Set([
  '$.xgafv', 'access_token', 'alt', 'callback', 'fields', 'key', 'oauth_token', 'prettyPrint', 'quotaUser',
  'upload_protocol', 'uploadType', 'userIp',
]);

/** Rejects query parameters the method does not declare, as Google's front end does. */
export function checkQuery(route: Route, query: URLSearchParams): void {
  const allowed = new Set(route.query ?? []);
  for (const key of query.keys()) {
    if (SYSTEM_PARAMS.has(key) || allowed.has(key)) continue;
    throw invalid(
      `Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${key}' could not be found in request message.`,
    );
  }
}

/** Reads an int32 query parameter (400 on a malformed value). */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalid(`Invalid value at '${snake(name)}' (TYPE_INT32), "${raw}"`);
  return Number(raw);
}

/** Reads a bool query parameter (400 on a malformed value). */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw invalid(`Invalid value at '${snake(name)}' (TYPE_BOOL), "${raw}"`);
  return raw === 'true';
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Opaque page tokens bound to the list they came from. */
function listKey(call: Call): string {
  const q = [...call.query.entries()].filter(([k]) => !['pageToken', 'pageSize', 'continue', 'limit'].includes(k)).sort();
  return createHash('sha256').update(`${call.path}?${JSON.stringify(q)}`).digest('hex').slice(0, 12);
}

/**
 * One page of `items`: `pageSize` (default and maximum: the world's page size) and `pageToken`.
 * Throws 400 for a negative size or a token not issued for this list.
 */
export function paginate<T>(
  call: Call,
  items: T[],
  names: { size: string; token: string } = { size: 'pageSize', token: 'pageToken' },
): { page: T[]; nextPageToken?: string } {
  const asked = intParam(call.query, names.size);
  if (asked !== undefined && asked < 0) throw invalid(`Invalid ${names.size}: must be non-negative`);
  const size = asked === undefined || asked === 0 ? call.pageSize : Math.min(asked, call.pageSize);
  let offset = 0;
  const token = call.query.get(names.token);
  if (token) {
    let decoded: { o?: unknown; k?: unknown } | undefined;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; k?: unknown };
    } catch {
      decoded = undefined;
    }
    if (!decoded || typeof decoded.o !== 'number' || decoded.k !== listKey(call) || decoded.o < 0) {
      throw invalid('The page token is invalid.');
    }
    offset = decoded.o;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  if (next < items.length) {
    return { page, nextPageToken: Buffer.from(JSON.stringify({ o: next, k: listKey(call) })).toString('base64url') };
  }
  return { page };
}

/** Builds `{ [field]: page, nextPageToken? }`, omitting an empty list as Google's JSON does. */
export function listResponse<T>(call: Call, field: string, items: T[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { page, nextPageToken } = paginate(call, items);
  const out: Record<string, unknown> = {};
  if (page.length > 0) out[field] = page;
  if (nextPageToken) out.nextPageToken = nextPageToken;
  return { ...out, ...extra };
}

const hex = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);

/** The etag of a policy as Google shows it (`ACAB` for an empty policy). */
export function policyEtag(policy: Policy | undefined): string {
  if (policy?.etag) return policy.etag;
  if (!policy?.bindings?.length) return 'ACAB';
  return 'BwY' + createHash('sha1').update(JSON.stringify(policy.bindings)).digest('base64').slice(0, 9);
}

/**
 * Renders a stored policy for `getIamPolicy` with `options.requestedPolicyVersion` = `requested`.
 * Below version 3, conditional bindings come back with a `_withcond_<hex>` role suffix, no condition,
 * and `version: 1`, as Google does.
 */
export function renderPolicy(policy: Policy | undefined, requested: number | undefined): Record<string, unknown> {
  if (requested !== undefined && ![0, 1, 3].includes(requested)) {
    throw invalid(`Invalid requested policy version: ${requested}. Valid versions are 0, 1 and 3.`);
  }
  const bindings: Binding[] = (policy?.bindings ?? []).map((b) => ({ ...b, members: [...(b.members ?? [])] }));
  const conditional = bindings.some((b) => b.condition);
  const out: Record<string, unknown> = {};
  if (conditional && (requested ?? 0) < 3) {
    out.version = 1;
    out.bindings = bindings.map((b) =>
      b.condition ? { role: `${b.role}_withcond_${hex(JSON.stringify(b.condition), 20)}`, members: b.members } : b,
    );
  } else {
    out.version = policy?.version ?? (conditional ? 3 : 1);
    if (bindings.length > 0) out.bindings = bindings;
  }
  if (policy?.auditConfigs?.length) out.auditConfigs = policy.auditConfigs;
  out.etag = policyEtag(policy);
  return out;
}

/** `options.requestedPolicyVersion` from the JSON body of a POST getIamPolicy. */
export function requestedVersionFromBody(body: unknown): number | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('Invalid JSON payload received. Expected an object.');
  for (const key of Object.keys(body)) {
    if (key !== 'options') throw invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
  }
  const options = (body as { options?: unknown }).options;
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw invalid(`Invalid JSON payload received. Unknown name "options": Proto field is not repeating, cannot start list.`);
  for (const key of Object.keys(options)) {
    if (key !== 'requestedPolicyVersion') {
      throw invalid(`Invalid JSON payload received. Unknown name "${key}" at 'options': Cannot find field.`);
    }
  }
  const v = (options as { requestedPolicyVersion?: unknown }).requestedPolicyVersion;
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw invalid(`Invalid value at 'options.requested_policy_version' (TYPE_INT32), ${JSON.stringify(v)}`);
  }
  return n;
}

/** One node of a resource hierarchy with its allow policy. */
export interface PolicyNode {
  /** Resource manager name: `projects/NUMBER`, `folders/N`, `organizations/N`. */
  name: string;
  policy: Policy | undefined;
}

const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const DOMAIN_PROJECT_ID = /^[a-z][-a-z0-9.]{0,62}:[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const PROJECT_NUMBER = /^\d{1,20}$/;

/** True when `ref` is a well-formed project ID or number. */
export const isProjectRef = (ref: string): boolean =>
  PROJECT_ID.test(ref) || PROJECT_NUMBER.test(ref) || DOMAIN_PROJECT_ID.test(ref);

/** Lookups over a world. Built per request, so tests may mutate the world between calls. */
export class WorldIndex {
  readonly world: World;
  constructor(world: World) {
    this.world = world;
  }

  /** A project by ID or number. */
  project(ref: string): WorldProject | undefined {
    return (this.world.projects ?? []).find((p) => p.projectId === ref || p.projectNumber === ref);
  }

  /** Rewrites `projects/{id or number}/...` to the project ID form (unknown projects unchanged). */
  canonical(name: string): string {
    const m = /^projects\/([^/]+)(\/.*)?$/.exec(name);
    if (!m || !m[1]) return name;
    const p = this.project(m[1]);
    return p ? `projects/${p.projectId}${m[2] ?? ''}` : name;
  }

  /** Same resource name, project given by ID or number on either side. */
  sameName(a: string, b: string): boolean {
    return this.canonical(a) === this.canonical(b);
  }

  /** A folder or organization by name. */
  container(name: string): { name: string; parent?: string; iamPolicy?: Policy } | undefined {
    if (name.startsWith('folders/')) return (this.world.folders ?? []).find((f) => f.name === name);
    if (name.startsWith('organizations/')) return (this.world.organizations ?? []).find((o) => o.name === name);
    return undefined;
  }

  /** The project and its ancestors (folders, organization), nearest first, with their policies. */
  projectChain(project: WorldProject): PolicyNode[] {
    const chain: PolicyNode[] = [{ name: `projects/${project.projectNumber}`, policy: project.iamPolicy }];
    let parent = project.parent;
    const seen = new Set<string>();
    while (parent && !seen.has(parent)) {
      seen.add(parent);
      const node = this.container(parent);
      chain.push({ name: parent, policy: node?.iamPolicy });
      parent = node && 'parent' in node ? node.parent : undefined;
    }
    return chain;
  }

  /** A role by name: world roles first, then the predefined catalog. */
  role(name: string): Role | undefined {
    const own = (this.world.roles ?? []).find((r) => r.name === name || this.sameName(r.name, name));
    return own ?? PREDEFINED_ROLES.get(name);
  }
}

/**
 * The project a request names (ID or number). Malformed → 400; unknown → 403, as Google answers
 * for projects the caller cannot see.
 */
export function projectOf(call: Call, ref: string, permission: string, resource: string): WorldProject {
  if (!isProjectRef(ref)) throw invalid(`Invalid resource field value in the request: project '${ref}' is not a valid project ID or number.`);
  const project = call.index.project(ref);
  if (!project) throw denied(permission, resource);
  return project;
}

const LOCATION = /^[a-z]+(-[a-z]+)+\d+$/;

/** Validates a region ID (`-` only where `wildcard`). */
export function checkLocation(location: string, wildcard: boolean): void {
  if (location === '-' && wildcard) return;
  if (location === '-') throw invalid(`Location '-' is not supported by this method: list each location separately.`);
  if (!LOCATION.test(location)) throw invalid(`Invalid location: '${location}'.`);
}

/** Region of a `projects/P/locations/L/...` name. */
export const locationOf = (name: string): string => name.split('/')[3] ?? '';

/** Last segment of a resource name. */
export const lastSegment = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** Copy of a world resource without fake-only fields. */
export function publicFields<T extends object>(resource: T, drop: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    if (k === 'iamPolicy' || drop.includes(k)) continue;
    out[k] = structuredClone(v);
  }
  return out;
}

/** Stable pseudo-random UUID derived from a name. */
export function uidOf(name: string): string {
  const h = hex(name, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic timestamp for resources that do not give one. */
export const FIXED_TIME = '2024-05-01T12:00:00.000000Z';
