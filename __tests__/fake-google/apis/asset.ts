/**
 * Cloud Asset Inventory v1 (best effort, from the world's allow policies): effectiveIamPolicies.batchGet
 * and searchAllIamPolicies. Also the resource → ancestors policy chain used by the troubleshooter.
 */
import { denied, invalid, isProjectRef, listResponse, notFound, renderPolicy } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { Policy, WorldProject } from '../world.ts';

/** One policy of a resource's hierarchy. */
export interface ChainNode {
  /** Full resource name, e.g. `//run.googleapis.com/projects/p/locations/l/services/s`. */
  resource: string;
  assetType: string;
  policy: Policy | undefined;
}

const CRM = '//cloudresourcemanager.googleapis.com/';

const containerType = (name: string): string =>
  name.startsWith('folders/') ? 'cloudresourcemanager.googleapis.com/Folder'
    : name.startsWith('organizations/') ? 'cloudresourcemanager.googleapis.com/Organization'
      : 'cloudresourcemanager.googleapis.com/Project';

function projectNodes(call: Call, project: WorldProject): ChainNode[] {
  return call.index.projectChain(project).map((n) => ({ resource: CRM + n.name, assetType: containerType(n.name), policy: n.policy }));
}

/** The resource and its ancestors with their policies (resource first), or undefined when unknown. */
export function policyChain(call: Call, fullName: string): { nodes: ChainNode[]; project?: WorldProject } | undefined {
  const m = /^\/\/([a-z0-9.-]+\.googleapis\.com)\/(.+)$/.exec(fullName);
  if (!m) return undefined;
  const [, service = '', rest = ''] = m;
  const name = call.index.canonical(rest);
  const projectRef = /^projects\/([^/]+)/.exec(rest)?.[1];
  const project = projectRef ? call.index.project(projectRef) : undefined;
  if (service === 'cloudresourcemanager.googleapis.com') {
    if (/^projects\/[^/]+$/.test(rest)) return project ? { nodes: projectNodes(call, project), project } : undefined;
    const container = call.index.container(rest);
    if (!container) return undefined;
    const nodes: ChainNode[] = [];
    let cur: { name: string; parent?: string; iamPolicy?: Policy } | undefined = container;
    const seen = new Set<string>();
    while (cur && !seen.has(cur.name)) {
      seen.add(cur.name);
      nodes.push({ resource: CRM + cur.name, assetType: containerType(cur.name), policy: cur.iamPolicy });
      cur = cur.parent ? call.index.container(cur.parent) : undefined;
    }
    return { nodes };
  }
  if (!project) return undefined;
  const up = projectNodes(call, project);
  if (service === 'run.googleapis.com') {
    const s = (call.world.runServices ?? []).find((x) => call.index.canonical(x.name) === name);
    return s ? { nodes: [{ resource: fullName, assetType: 'run.googleapis.com/Service', policy: s.iamPolicy }, ...up], project } : undefined;
  }
  if (service === 'cloudfunctions.googleapis.com') {
    const f = (call.world.functions ?? []).find((x) => call.index.canonical(x.name) === name);
    const type = f?.environment === 'GEN_1' ? 'cloudfunctions.googleapis.com/CloudFunction' : 'cloudfunctions.googleapis.com/Function';
    return f ? { nodes: [{ resource: fullName, assetType: type, policy: f.iamPolicy }, ...up], project } : undefined;
  }
  if (service === 'iap.googleapis.com') {
    const nodes: ChainNode[] = [];
    const parts = rest.split('/');
    const byNumber = (key: string): string => key.replace(/^projects\/([^/]+)/, (_x, r: string) => `projects/${call.index.project(r)?.projectNumber ?? r}`);
    for (const n of [8, 6, 4, 3].filter((len) => len <= parts.length)) {
      const res = byNumber(parts.slice(0, n).join('/'));
      let policy: Policy | undefined;
      for (const app of call.world.apps ?? []) {
        for (const [k, v] of Object.entries(app.iapPolicies ?? {})) if (byNumber(k) === res) policy = v;
      }
      nodes.push({ resource: `//iap.googleapis.com/${res}`, assetType: 'iap.googleapis.com/Web', policy });
    }
    return { nodes: [...nodes, ...up], project };
  }
  if (service === 'appengine.googleapis.com') {
    return { nodes: up, project };
  }
  return undefined;
}

function scopeOf(call: Call, permission: string): { kind: string; id: string } {
  const scope = `${call.params.v1Id ?? ''}/${call.params.v1Id1 ?? ''}`;
  const kind = call.params.v1Id ?? '';
  const id = call.params.v1Id1 ?? '';
  if (kind === 'projects') {
    if (!isProjectRef(id)) throw invalid(`Invalid scope: '${scope}'.`);
    if (!call.index.project(id)) throw denied(permission, scope);
  } else if (kind === 'folders' || kind === 'organizations') {
    if (!/^\d+$/.test(id)) throw invalid(`Invalid scope: '${scope}'.`);
    if (!call.index.container(scope)) throw denied(permission, scope);
  } else {
    throw invalid(`Invalid scope: '${scope}'. Expected projects/{ID}, folders/{NUMBER} or organizations/{NUMBER}.`);
  }
  return { kind, id };
}

/** True when a node chain is inside the scope. */
/** Where the scope sits in a resource's chain (resource first, then ancestors), or -1 when outside it. */
function scopeIndex(call: Call, nodes: ChainNode[], scope: { kind: string; id: string }): number {
  const node = scope.kind === 'projects' ? `${CRM}projects/${call.index.project(scope.id)?.projectNumber}` : `${CRM}${scope.kind}/${scope.id}`;
  return nodes.findIndex((n) => n.resource === node);
}

function inScope(call: Call, nodes: ChainNode[], scope: { kind: string; id: string }): boolean {
  return scopeIndex(call, nodes, scope) >= 0;
}

/** Every resource of the world with a chain. */
function allResources(call: Call): string[] {
  const names: string[] = [];
  for (const o of call.world.organizations ?? []) names.push(CRM + o.name);
  for (const f of call.world.folders ?? []) names.push(CRM + f.name);
  for (const p of call.world.projects ?? []) names.push(`${CRM}projects/${p.projectNumber}`);
  for (const s of call.world.runServices ?? []) names.push(`//run.googleapis.com/${call.index.canonical(s.name)}`);
  for (const f of call.world.functions ?? []) names.push(`//cloudfunctions.googleapis.com/${call.index.canonical(f.name)}`);
  for (const a of call.world.apps ?? []) for (const k of Object.keys(a.iapPolicies ?? {})) names.push(`//iap.googleapis.com/${k}`);
  return names;
}

function matchesQuery(call: Call, node: ChainNode, query: string): boolean {
  const text = JSON.stringify(node.policy ?? {}).toLowerCase();
  for (const term of query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    if (term === 'AND') continue;
    const m = /^([\w.]+)[:=]"?([^"]*)"?$/.exec(term);
    const key = m?.[1] ?? '';
    const value = (m?.[2] ?? term.replace(/"/g, '')).toLowerCase();
    if (key === 'policy') {
      if (!text.includes(value)) return false;
    } else if (key === 'policy.role.permissions') {
      const ok = (node.policy?.bindings ?? []).some((b) => (call.index.role(b.role)?.includedPermissions ?? []).some((p) => p.toLowerCase() === value));
      if (!ok) return false;
    } else if (key === 'resource') {
      if (!node.resource.toLowerCase().includes(value)) return false;
    } else if (!`${node.resource} ${text}`.toLowerCase().includes(value)) {
      return false;
    }
  }
  return true;
}

/** Routes of Cloud Asset v1. */
export function assetRoutes(): Route[] {
  return [
    {
      id: 'cloudasset.effectiveIamPolicies.batchGet', method: 'GET', template: 'v1/{v1Id}/{v1Id1}/effectiveIamPolicies:batchGet', query: ['names'], permission: 'cloudasset.assets.analyzeIamPolicy',
      handler: (call) => {
        const scope = scopeOf(call, 'cloudasset.assets.analyzeIamPolicy');
        const names = call.query.getAll('names');
        if (names.length === 0) throw invalid('names is required.');
        if (names.length > 20) throw invalid('At most 20 names are allowed in one request.');
        const policyResults = names.map((fullResourceName) => {
          const chain = policyChain(call, fullResourceName);
          if (!chain) throw notFound(fullResourceName);
          const top = scopeIndex(call, chain.nodes, scope);
          if (top < 0) throw invalid(`Resource ${fullResourceName} is not in scope ${scope.kind}/${scope.id}.`);
          // Google: "policies set on the resource and those set on its parents and ancestors up to the scope".
          const policies = chain.nodes
            .slice(0, top + 1)
            .filter((n) => (n.policy?.bindings ?? []).length > 0)
            .map((n) => ({ attachedResource: n.resource, policy: renderPolicy(n.policy, 3) }));
          return { fullResourceName, policies };
        });
        return { policyResults };
      },
    },
    {
      id: 'cloudasset.searchAllIamPolicies', method: 'GET', template: 'v1/{v1Id}/{v1Id1}:searchAllIamPolicies', query: ['assetTypes', 'orderBy', 'pageSize', 'pageToken', 'query'], permission: 'cloudasset.assets.searchAllIamPolicies',
      handler: (call) => {
        const scope = scopeOf(call, 'cloudasset.assets.searchAllIamPolicies');
        const query = call.query.get('query') ?? '';
        const types = call.query.getAll('assetTypes');
        const results: Record<string, unknown>[] = [];
        for (const name of allResources(call)) {
          const chain = policyChain(call, name);
          const node = chain?.nodes[0];
          if (!chain || !node || !(node.policy?.bindings ?? []).length) continue;
          if (!inScope(call, chain.nodes, scope)) continue;
          if (types.length && !types.some((t) => new RegExp(`^${t.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(node.assetType))) continue;
          if (!matchesQuery(call, node, query)) continue;
          const result: Record<string, unknown> = { resource: node.resource, assetType: node.assetType, policy: renderPolicy(node.policy, 3) };
          const projectNode = chain.nodes.find((n) => n.assetType.endsWith('/Project'));
          if (projectNode) result.project = projectNode.resource.slice(CRM.length);
          const folders = chain.nodes.filter((n) => n.assetType.endsWith('/Folder')).map((n) => n.resource.slice(CRM.length));
          if (folders.length) result.folders = folders;
          const org = chain.nodes.find((n) => n.assetType.endsWith('/Organization'));
          if (org) result.organization = org.resource.slice(CRM.length);
          results.push(result);
        }
        return listResponse(call, 'results', results);
      },
    },
  ];
}

