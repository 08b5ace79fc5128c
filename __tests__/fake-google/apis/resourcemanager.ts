/** Cloud Resource Manager v1 (projects, organizations), v2 (folders) and v3 (projects, folders, organizations). */
import { ApiError, FIXED_TIME, invalid, isProjectRef, listResponse, renderPolicy, requestedVersionFromBody } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { WorldFolder, WorldOrganization, WorldProject, WorldTags } from '../world.ts';

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

/** A stable numeric ID derived from a name (tag keys and values get IDs from their namespaced names). */
function idOf(name: string): string {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return String(281474976710656 + h);
}

/** The tag bindings on a resource named by full name, then on its ancestors, nearest first; 403 when unknown. */
function tagChain(call: Call, parent: string): Array<WorldTags | undefined> {
  const unknown = (): ApiError => new ApiError(403, `Permission 'resourcemanager.tagValueBindings.list' denied on resource '${parent}' (or it may not exist).`);
  const m = /^\/\/([a-z]+)\.googleapis\.com\/(.+)$/.exec(parent);
  if (!m) throw invalid(`Invalid parent: '${parent}' is not a full resource name.`);
  const [, service = '', name = ''] = m;
  const chainOf = (p: WorldProject | undefined): Array<WorldTags | undefined> =>
    p ? call.index.projectChain(p).map((n) => (n.name.startsWith('projects/') ? p.tags : call.index.container(n.name) && (call.index.container(n.name) as { tags?: WorldTags }).tags)) : [];
  if (service === 'cloudresourcemanager') {
    const p = /^projects\/([^/]+)$/.exec(name);
    if (p) {
      const project = call.index.project(p[1] ?? '');
      if (!project) throw unknown();
      return chainOf(project);
    }
    const node = call.index.container(name) as { parent?: string; tags?: WorldTags } | undefined;
    if (!node) throw unknown();
    const out: Array<WorldTags | undefined> = [node.tags];
    let up = node.parent;
    const seen = new Set<string>();
    while (up && !seen.has(up)) {
      seen.add(up);
      const n = call.index.container(up) as { parent?: string; tags?: WorldTags } | undefined;
      out.push(n?.tags);
      up = n?.parent;
    }
    return out;
  }
  const project = call.index.project(/^projects\/([^/]+)\//.exec(name)?.[1] ?? '');
  if (service === 'run') {
    const svc = (call.world.runServices ?? []).find((s) => call.index.sameName(s.name, name));
    if (!svc || !project) throw unknown();
    return [svc.tags, ...chainOf(project)];
  }
  if (service === 'cloudfunctions') {
    const fn = (call.world.functions ?? []).find((f) => call.index.sameName(f.name, name));
    if (!fn || !project) throw unknown();
    return [fn.tags, ...chainOf(project)];
  }
  if (service === 'appengine') {
    const appId = /^apps\/([^/]+)/.exec(name)?.[1];
    const app = (call.world.apps ?? []).find((a) => a.id === appId);
    if (!app) throw unknown();
    return [app.tags, ...chainOf(call.index.project(app.id))];
  }
  throw unknown();
}

/** EffectiveTag resources (v3) of a resource: a key bound lower wins over the same key above. */
function effectiveTags(call: Call, parent: string): Array<Record<string, unknown>> {
  const seen = new Set<string>();
  const out: Array<Record<string, unknown>> = [];
  tagChain(call, parent).forEach((tags, level) => {
    for (const [key, value] of Object.entries(tags ?? {})) {
      if (seen.has(key)) continue;
      seen.add(key);
      const namespace = key.split('/')[0] ?? '';
      const owner = /^\d+$/.test(namespace) ? `organizations/${namespace}` : `projects/${call.index.project(namespace)?.projectNumber ?? namespace}`;
      out.push({
        tagValue: `tagValues/${idOf(`${key}/${value}`)}`,
        namespacedTagValue: `${key}/${value}`,
        tagKey: `tagKeys/${idOf(key)}`,
        namespacedTagKey: key,
        tagKeyParentName: owner,
        inherited: level > 0,
      });
    }
  });
  return out;
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
      // Effective tags of a resource: its own tag bindings and those of its project, folders and organization.
      id: 'cloudresourcemanager.effectiveTags.list', method: 'GET', template: 'v3/effectiveTags', query: ['pageSize', 'pageToken', 'parent'], permission: 'resourcemanager.tagValueBindings.list',
      handler: (call) => {
        const parent = call.query.get('parent');
        if (!parent) throw invalid('parent is required: the full resource name, e.g. //run.googleapis.com/projects/p/locations/l/services/s.');
        return listResponse(call, 'effectiveTags', effectiveTags(call, parent));
      },
    },
  ];
}
