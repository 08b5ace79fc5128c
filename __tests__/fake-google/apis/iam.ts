/** IAM v1 (roles get/list, service accounts get) and IAM v2 (deny policies listPolicies/get). */
import { PREDEFINED_ROLES } from '../catalog.ts';
import { ApiError, boolParam, denied, invalid, isProjectRef, lastSegment, listResponse, notFound } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { DenyAttachment, Role } from '../world.ts';

const CUSTOM_ROLE_ID = /^[a-zA-Z0-9_.]{3,64}$/;
const PREDEFINED_ID = /^[a-zA-Z0-9_.]+$/;

function roleView(call: Call, role: Role, listing: boolean): Record<string, unknown> {
  const view = call.query.get('view') ?? (listing ? 'BASIC' : 'FULL');
  if (!['BASIC', 'FULL'].includes(view)) throw invalid(`Invalid value at 'view' (type.googleapis.com/google.iam.admin.v1.RoleView), "${view}"`);
  const out: Record<string, unknown> = { ...role };
  out.etag ??= 'BwX1b3FQ3y0=';
  if (view === 'BASIC') delete out.includedPermissions;
  if (!role.deleted) delete out.deleted;
  return out;
}

function customParent(call: Call, kind: 'projects' | 'organizations', id: string, permission: string): string {
  if (kind === 'projects') {
    if (!isProjectRef(id)) throw invalid(`Invalid project ID: '${id}'.`);
    const p = call.index.project(id);
    if (!p) throw denied(permission, `projects/${id}`);
    return `projects/${p.projectId}`;
  }
  if (!/^\d+$/.test(id)) throw invalid(`Invalid organization ID: '${id}'.`);
  if (!(call.world.organizations ?? []).some((o) => o.name === `organizations/${id}`)) throw denied(permission, `organizations/${id}`);
  return `organizations/${id}`;
}

function getCustomRole(call: Call, kind: 'projects' | 'organizations', parentId: string, roleId: string): Record<string, unknown> {
  const parent = customParent(call, kind, parentId, 'iam.roles.get');
  if (!CUSTOM_ROLE_ID.test(roleId)) throw invalid(`The role name must be in the format roles/{role}, organizations/{organization_id}/roles/{role}, or projects/{project_id}/roles/{role}.`);
  const name = `${parent}/roles/${roleId}`;
  const role = (call.world.roles ?? []).find((r) => call.index.sameName(r.name, name));
  if (!role) throw notFound(`${kind}/${parentId}/roles/${roleId}`);
  return roleView(call, { ...role, name: `${kind}/${parentId}/roles/${roleId}` }, false);
}

function listCustomRoles(call: Call, kind: 'projects' | 'organizations', parentId: string): Record<string, unknown> {
  const parent = customParent(call, kind, parentId, 'iam.roles.list');
  const showDeleted = boolParam(call.query, 'showDeleted') ?? false;
  const roles = (call.world.roles ?? []).filter((r) => {
    const n = call.index.canonical(r.name);
    return n.startsWith(`${parent}/roles/`) && (showDeleted || !r.deleted);
  });
  return listResponse(call, 'roles', roles.map((r) => roleView(call, r, true)));
}

/** A world file's attachment point, written encoded (`a%2Fb`) or plain, in plain form. */
const decodeAll = (s: string): string => {
  let cur = s;
  for (let i = 0; i < 3 && /%[0-9a-fA-F]{2}/.test(cur); i++) {
    try {
      cur = decodeURIComponent(cur);
    } catch {
      break;
    }
  }
  return cur;
};

const ATTACHMENT = /^cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\/([^/]+)$/;

/**
 * The deny policies of the attachment point named by `segment`, the path segment after the server's one
 * decoding: the resource name holds the point URL-encoded (`a%2Fb`), so it is decoded exactly once more.
 */
function attachment(call: Call, segment: string): DenyAttachment | undefined {
  let point: string;
  try {
    point = decodeURIComponent(segment);
  } catch {
    throw invalid(`Invalid attachment point: '${segment}'.`);
  }
  const m = ATTACHMENT.exec(point);
  if (!m) throw invalid(`Invalid attachment point: '${point}'. Expected cloudresourcemanager.googleapis.com/{projects|folders|organizations}/ID, URL-encoded.`);
  const normal = (p: string): string => {
    const mm = ATTACHMENT.exec(p);
    if (!mm || mm[1] !== 'projects') return p;
    const project = call.index.project(mm[2] ?? '');
    return project ? `cloudresourcemanager.googleapis.com/projects/${project.projectNumber}` : p;
  };
  if (m[1] === 'projects') {
    if (!call.index.project(m[2] ?? '')) throw denied('iam.denypolicies.list', `policies/${encodeURIComponent(point)}/denypolicies`);
  }
  return (call.world.denyPolicies ?? []).find((d) => normal(decodeAll(d.attachmentPoint)) === normal(point));
}

function denyPolicyOut(point: string, p: DenyAttachment['policies'][number]): Record<string, unknown> {
  const id = p.name ? lastSegment(p.name) : 'policy';
  return {
    uid: p.uid ?? `${id}-uid`,
    kind: 'DenyPolicy',
    etag: 'MTc1NjY=',
    createTime: '2024-05-01T12:00:00Z',
    updateTime: '2024-05-01T12:00:00Z',
    ...p,
    ...{ name: `policies/${encodeURIComponent(point)}/denypolicies/${id}` },
  };
}

/**
 * Splits the path of a v2 policies request as Google routes it (`v2/policies/{policiesId}/{policiesId1}[/{policiesId2}]`):
 * the attachment point is one segment. Sent plain (its `/` as path separators) it matches no route.
 */
function policyPath(rest: string): { point: string; kind: string; id?: string } {
  const [point = '', kind, id, ...extra] = rest.split('/');
  if (kind === undefined || extra.length > 0) throw notFound(`policies/${rest}`);
  if (kind !== 'denypolicies') throw invalid(`Invalid policy parent: 'policies/${rest}'. Only deny policies (kind 'denypolicies') are supported.`);
  return id === undefined ? { point, kind } : { point, kind, id };
}

/** Routes of IAM v1 and v2. */
export function iamRoutes(): Route[] {
  return [
    {
      id: 'iam.roles.get', method: 'GET', template: 'v1/roles/{rolesId}', permission: 'iam.roles.get',
      handler: (call) => {
        const id = call.params.rolesId ?? '';
        if (!PREDEFINED_ID.test(id)) throw invalid(`The role name must be in the format roles/{role}, organizations/{organization_id}/roles/{role}, or projects/{project_id}/roles/{role}.`);
        const role = call.index.role(`roles/${id}`);
        if (!role) throw notFound(`roles/${id}`);
        return roleView(call, role, false);
      },
    },
    {
      id: 'iam.roles.list', method: 'GET', template: 'v1/roles', query: ['pageSize', 'pageToken', 'parent', 'showDeleted', 'view'], permission: 'iam.roles.list',
      handler: (call) => {
        const parent = call.query.get('parent');
        if (parent) {
          const m = /^(projects|organizations)\/([^/]+)$/.exec(parent);
          if (!m) throw invalid(`Invalid parent: '${parent}'.`);
          return listCustomRoles(call, m[1] as 'projects' | 'organizations', m[2] ?? '');
        }
        const byName = new Map(PREDEFINED_ROLES);
        for (const r of call.world.roles ?? []) if (r.name.startsWith('roles/')) byName.set(r.name, r);
        const showDeleted = boolParam(call.query, 'showDeleted') ?? false;
        const roles = [...byName.values()].filter((r) => showDeleted || !r.deleted).sort((a, b) => a.name.localeCompare(b.name));
        return listResponse(call, 'roles', roles.map((r) => roleView(call, r, true)));
      },
    },
    {
      id: 'iam.projects.roles.get', method: 'GET', template: 'v1/projects/{projectsId}/roles/{rolesId}', query: [], permission: 'iam.roles.get',
      handler: (call) => getCustomRole(call, 'projects', call.params.projectsId ?? '', call.params.rolesId ?? ''),
    },
    {
      id: 'iam.projects.roles.list', method: 'GET', template: 'v1/projects/{projectsId}/roles', query: ['pageSize', 'pageToken', 'showDeleted', 'view'], permission: 'iam.roles.list',
      handler: (call) => listCustomRoles(call, 'projects', call.params.projectsId ?? ''),
    },
    {
      id: 'iam.organizations.roles.get', method: 'GET', template: 'v1/organizations/{organizationsId}/roles/{rolesId}', permission: 'iam.roles.get',
      handler: (call) => getCustomRole(call, 'organizations', call.params.organizationsId ?? '', call.params.rolesId ?? ''),
    },
    {
      id: 'iam.organizations.roles.list', method: 'GET', template: 'v1/organizations/{organizationsId}/roles', query: ['pageSize', 'pageToken', 'showDeleted', 'view'], permission: 'iam.roles.list',
      handler: (call) => listCustomRoles(call, 'organizations', call.params.organizationsId ?? ''),
    },
    {
      id: 'iam.projects.serviceAccounts.get', method: 'GET', template: 'v1/projects/{projectsId}/serviceAccounts/{serviceAccountsId}', permission: 'iam.serviceAccounts.get',
      handler: (call) => {
        const { projectsId = '', serviceAccountsId = '' } = call.params;
        if (projectsId !== '-' && !isProjectRef(projectsId)) throw invalid(`Invalid project ID: '${projectsId}'.`);
        if (!/^\d{21}$/.test(serviceAccountsId) && !/^[^@\s]+@[^@\s]+$/.test(serviceAccountsId)) {
          throw invalid(`Invalid form of account ID ${serviceAccountsId}. Should be [Gaia ID |Email |Unique ID |] of the account`);
        }
        const sa = (call.world.serviceAccounts ?? []).find((s) => s.email === serviceAccountsId || s.uniqueId === serviceAccountsId);
        const project = projectsId === '-' ? undefined : call.index.project(projectsId);
        if (projectsId !== '-' && !project) throw denied('iam.serviceAccounts.get', `projects/${projectsId}/serviceAccounts/${serviceAccountsId}`);
        if (!sa || (project && !call.index.sameName(`projects/${sa.projectId}`, `projects/${project.projectId}`))) {
          throw new ApiError(404, `Unknown service account`);
        }
        return {
          etag: 'MDEwMjE5MjA=',
          oauth2ClientId: sa.uniqueId,
          ...sa,
          ...{ name: `projects/${sa.projectId}/serviceAccounts/${sa.email}` },
        };
      },
    },
    // IAM v2: `{+parent}` = policies/{attachment point, URL-encoded}/denypolicies.
    {
      id: 'iam.policies.listPolicies|iam.policies.get', method: 'GET', template: 'v2/policies/{+rest}', query: ['pageSize', 'pageToken'], permission: 'iam.denypolicies.list',
      handler: (call) => {
        const { point, id } = policyPath(call.params.rest ?? '');
        const found = attachment(call, point);
        const policies = (found?.policies ?? []).map((p) => denyPolicyOut(decodeURIComponent(point), p));
        // Google's listPolicies returns policy metadata only: "In particular, policy rules are omitted."
        if (id === undefined) return listResponse(call, 'policies', policies.map(({ rules: _rules, ...meta }) => meta));
        if ([...call.query.keys()].some((k) => k === 'pageSize' || k === 'pageToken')) {
          throw invalid('Invalid JSON payload received. Unknown name "pageSize": Cannot bind query parameter.');
        }
        const policy = policies.find((p) => lastSegment(String(p.name)) === id);
        if (!policy) throw notFound(`policies/${point}/denypolicies/${id}`);
        return policy;
      },
    },
  ];
}
