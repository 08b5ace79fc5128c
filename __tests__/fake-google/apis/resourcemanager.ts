/** Cloud Resource Manager v1 (projects, organizations), v2 (folders) and v3 (projects, folders, organizations). */
import { ApiError, FIXED_TIME, invalid, isProjectRef, listResponse, renderPolicy, requestedVersionFromBody } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { WorldFolder, WorldOrganization, WorldProject } from '../world.ts';

const v1Denied = (): ApiError => new ApiError(403, 'The caller does not have permission');
const v3Denied = (permission: string, name: string): ApiError =>
  new ApiError(403, `Permission '${permission}' denied on resource '//cloudresourcemanager.googleapis.com/${name}' (or it may not exist).`);

function projectV1(call: Call, ref: string): WorldProject {
  if (!isProjectRef(ref)) throw invalid(`Request contains an invalid argument.`);
  const p = call.index.project(ref);
  if (!p) throw v1Denied();
  return p;
}

function projectV3(call: Call, ref: string, permission: string): WorldProject {
  if (!isProjectRef(ref)) throw invalid(`Request contains an invalid argument.`);
  const p = call.index.project(ref);
  if (!p) throw v3Denied(permission, `projects/${ref}`);
  return p;
}

function container<T extends WorldFolder | WorldOrganization>(list: T[] | undefined, kind: string, id: string, onMissing: () => ApiError): T {
  if (!/^\d+$/.test(id)) throw invalid(`Invalid ${kind} name: '${kind}/${id}'.`);
  const found = (list ?? []).find((x) => x.name === `${kind}/${id}`);
  if (!found) throw onMissing();
  return found;
}

const resourceId = (name: string): { type: string; id: string } => {
  const [kind = '', id = ''] = name.split('/');
  return { type: kind === 'folders' ? 'folder' : kind === 'organizations' ? 'organization' : 'project', id };
};

function v1Project(p: WorldProject): Record<string, unknown> {
  const out: Record<string, unknown> = {
    projectNumber: p.projectNumber,
    projectId: p.projectId,
    lifecycleState: p.state ?? 'ACTIVE',
    name: p.displayName ?? p.projectId,
    createTime: p.createTime ?? FIXED_TIME,
  };
  if (p.labels) out.labels = p.labels;
  if (p.parent) out.parent = resourceId(p.parent);
  return out;
}

function v3Project(p: WorldProject): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: `projects/${p.projectNumber}`,
    projectId: p.projectId,
    state: p.state ?? 'ACTIVE',
    displayName: p.displayName ?? p.projectId,
    createTime: p.createTime ?? FIXED_TIME,
    updateTime: p.createTime ?? FIXED_TIME,
    etag: `W/"${p.projectNumber.slice(-8)}"`,
  };
  if (p.parent) out.parent = p.parent;
  if (p.labels) out.labels = p.labels;
  return out;
}

const v2Folder = (f: WorldFolder): Record<string, unknown> => ({
  name: f.name, parent: f.parent, displayName: f.displayName ?? f.name, lifecycleState: f.state ?? 'ACTIVE', createTime: FIXED_TIME,
});
const v3Folder = (f: WorldFolder): Record<string, unknown> => ({
  name: f.name, parent: f.parent, displayName: f.displayName ?? f.name, state: f.state ?? 'ACTIVE', createTime: FIXED_TIME, updateTime: FIXED_TIME, etag: 'BwX3',
});
const v1Org = (o: WorldOrganization): Record<string, unknown> => ({
  name: o.name, displayName: o.displayName ?? o.name, owner: { directoryCustomerId: o.directoryCustomerId ?? 'C0abc123' }, creationTime: FIXED_TIME, lifecycleState: o.state ?? 'ACTIVE',
});
const v3Org = (o: WorldOrganization): Record<string, unknown> => ({
  name: o.name, displayName: o.displayName ?? o.name, directoryCustomerId: o.directoryCustomerId ?? 'C0abc123', state: o.state ?? 'ACTIVE', createTime: FIXED_TIME, updateTime: FIXED_TIME, etag: 'BwX3',
});

/** Best-effort filter/query: `id:X`, `projectId:X`, `parent:folders/N`, `parent.id:N`, `name:X`, `lifecycleState:ACTIVE`. */
function matchesQuery(p: WorldProject, query: string | null): boolean {
  if (!query) return true;
  for (const term of query.split(/\s+(?:AND\s+)?/).filter(Boolean)) {
    const m = /^([\w.]+)[:=]"?([^"]*)"?$/.exec(term);
    if (!m) continue;
    const [, key = '', value = ''] = m;
    const k = key.toLowerCase();
    if ((k === 'id' || k === 'projectid') && p.projectId !== value) return false;
    if (k === 'name' && (p.displayName ?? p.projectId) !== value) return false;
    if (k === 'parent' && p.parent !== value) return false;
    if (k === 'parent.id' && p.parent?.split('/')[1] !== value) return false;
    if ((k === 'lifecyclestate' || k === 'state') && (p.state ?? 'ACTIVE') !== value) return false;
  }
  return true;
}

/** Routes of Resource Manager v1, v2 and v3. */
export function resourceManagerRoutes(): Route[] {
  return [
    // v1
    {
      id: 'cloudresourcemanager.projects.get', method: 'GET', template: 'v1/projects/{projectId}', permission: 'resourcemanager.projects.get',
      handler: (call) => v1Project(projectV1(call, call.params.projectId ?? '')),
    },
    {
      id: 'cloudresourcemanager.projects.list', method: 'GET', template: 'v1/projects', query: ['filter', 'pageSize', 'pageToken'], permission: 'resourcemanager.projects.list',
      handler: (call) => listResponse(call, 'projects', (call.world.projects ?? []).filter((p) => matchesQuery(p, call.query.get('filter'))).map(v1Project)),
    },
    {
      id: 'cloudresourcemanager.projects.getIamPolicy', method: 'POST', template: 'v1/projects/{resource}:getIamPolicy', permission: 'resourcemanager.projects.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        return renderPolicy(projectV1(call, call.params.resource ?? '').iamPolicy, version);
      },
    },
    {
      id: 'cloudresourcemanager.projects.getAncestry', method: 'POST', template: 'v1/projects/{projectId}:getAncestry', permission: 'resourcemanager.projects.get',
      handler: (call) => {
        if (call.body !== undefined && (typeof call.body !== 'object' || call.body === null || Object.keys(call.body).length > 0)) {
          throw invalid('Invalid JSON payload received. GetAncestryRequest has no fields.');
        }
        const p = projectV1(call, call.params.projectId ?? '');
        const chain = call.index.projectChain(p);
        return { ancestor: [{ resourceId: { type: 'project', id: p.projectId } }, ...chain.slice(1).map((n) => ({ resourceId: resourceId(n.name) }))] };
      },
    },
    {
      id: 'cloudresourcemanager.organizations.get', method: 'GET', template: 'v1/organizations/{organizationsId}', permission: 'resourcemanager.organizations.get',
      handler: (call) => v1Org(container(call.world.organizations, 'organizations', call.params.organizationsId ?? '', v1Denied)),
    },
    {
      id: 'cloudresourcemanager.organizations.getIamPolicy', method: 'POST', template: 'v1/organizations/{organizationsId}:getIamPolicy', permission: 'resourcemanager.organizations.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        return renderPolicy(container(call.world.organizations, 'organizations', call.params.organizationsId ?? '', v1Denied).iamPolicy, version);
      },
    },
    // v2
    {
      id: 'cloudresourcemanager.folders.get', method: 'GET', template: 'v2/folders/{foldersId}', permission: 'resourcemanager.folders.get',
      handler: (call) => v2Folder(container(call.world.folders, 'folders', call.params.foldersId ?? '', v1Denied)),
    },
    {
      id: 'cloudresourcemanager.folders.getIamPolicy', method: 'POST', template: 'v2/folders/{foldersId}:getIamPolicy', permission: 'resourcemanager.folders.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        return renderPolicy(container(call.world.folders, 'folders', call.params.foldersId ?? '', v1Denied).iamPolicy, version);
      },
    },
    // v3
    {
      id: 'cloudresourcemanager.projects.search', method: 'GET', template: 'v3/projects:search', query: ['pageSize', 'pageToken', 'query'], permission: 'resourcemanager.projects.get',
      handler: (call) => listResponse(call, 'projects', (call.world.projects ?? []).filter((p) => matchesQuery(p, call.query.get('query'))).map(v3Project)),
    },
    {
      id: 'cloudresourcemanager.projects.get', method: 'GET', template: 'v3/projects/{projectsId}', permission: 'resourcemanager.projects.get',
      handler: (call) => v3Project(projectV3(call, call.params.projectsId ?? '', 'resourcemanager.projects.get')),
    },
    {
      id: 'cloudresourcemanager.projects.list', method: 'GET', template: 'v3/projects', query: ['pageSize', 'pageToken', 'parent', 'showDeleted'], permission: 'resourcemanager.projects.list',
      handler: (call) => {
        const parent = call.query.get('parent');
        if (!parent) throw invalid('parent is required: list projects under folders/{id} or organizations/{id}.');
        if (!/^(folders|organizations)\/\d+$/.test(parent)) throw invalid(`Invalid parent: '${parent}'.`);
        return listResponse(call, 'projects', (call.world.projects ?? []).filter((p) => p.parent === parent).map(v3Project));
      },
    },
    {
      id: 'cloudresourcemanager.projects.getIamPolicy', method: 'POST', template: 'v3/projects/{projectsId}:getIamPolicy', permission: 'resourcemanager.projects.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        return renderPolicy(projectV3(call, call.params.projectsId ?? '', 'resourcemanager.projects.getIamPolicy').iamPolicy, version);
      },
    },
    {
      id: 'cloudresourcemanager.folders.get', method: 'GET', template: 'v3/folders/{foldersId}', permission: 'resourcemanager.folders.get',
      handler: (call) => {
        const id = call.params.foldersId ?? '';
        return v3Folder(container(call.world.folders, 'folders', id, () => v3Denied('resourcemanager.folders.get', `folders/${id}`)));
      },
    },
    {
      id: 'cloudresourcemanager.folders.getIamPolicy', method: 'POST', template: 'v3/folders/{foldersId}:getIamPolicy', permission: 'resourcemanager.folders.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        const id = call.params.foldersId ?? '';
        return renderPolicy(container(call.world.folders, 'folders', id, () => v3Denied('resourcemanager.folders.getIamPolicy', `folders/${id}`)).iamPolicy, version);
      },
    },
    {
      id: 'cloudresourcemanager.organizations.get', method: 'GET', template: 'v3/organizations/{organizationsId}', permission: 'resourcemanager.organizations.get',
      handler: (call) => {
        const id = call.params.organizationsId ?? '';
        return v3Org(container(call.world.organizations, 'organizations', id, () => v3Denied('resourcemanager.organizations.get', `organizations/${id}`)));
      },
    },
    {
      id: 'cloudresourcemanager.organizations.getIamPolicy', method: 'POST', template: 'v3/organizations/{organizationsId}:getIamPolicy', permission: 'resourcemanager.organizations.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        const id = call.params.organizationsId ?? '';
        return renderPolicy(container(call.world.organizations, 'organizations', id, () => v3Denied('resourcemanager.organizations.getIamPolicy', `organizations/${id}`)).iamPolicy, version);
      },
    },
    {
      // Effective tags of a resource (its own and inherited). The world holds no tags yet: every resource has none.
      id: 'cloudresourcemanager.effectiveTags.list', method: 'GET', template: 'v3/effectiveTags', query: ['pageSize', 'pageToken', 'parent'], permission: 'resourcemanager.tagValueBindings.list',
      handler: (call) => {
        const parent = call.query.get('parent');
        if (!parent) throw invalid('parent is required: the full resource name, e.g. //run.googleapis.com/projects/p/locations/l/services/s.');
        return listResponse(call, 'effectiveTags', []);
      },
    },
  ];
}
