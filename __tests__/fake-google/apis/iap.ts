/** Identity-Aware Proxy v1: getIamPolicy and getIapSettings on IAP resources (`projects/N/iap_web/...`). */
import { denied, invalid, isProjectRef, notFound, renderPolicy, requestedVersionFromBody } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { App, Policy } from '../world.ts';

interface IapTarget {
  /** Resource name with the project number. */
  name: string;
  app?: App;
}

const IAP_WEB = /^projects\/([^/]+)\/iap_web(?:\/([^/]+)(?:\/services\/([^/]+)(?:\/versions\/([^/]+))?)?)?$/;

/** Resolves an IAP resource name; unknown project → 403, unknown app/service → 404. */
function target(call: Call, resource: string, permission: string): IapTarget {
  const m = IAP_WEB.exec(resource);
  if (!m) throw invalid(`Invalid IAP resource name: '${resource}'.`);
  const [, projectRef = '', type, service, version] = m;
  if (!isProjectRef(projectRef)) throw invalid(`Invalid project in IAP resource name: '${resource}'.`);
  const project = call.index.project(projectRef);
  if (!project) throw denied(permission, resource);
  const name = resource.replace(/^projects\/[^/]+/, `projects/${project.projectNumber}`);
  if (type === undefined) return { name };
  if (!type.startsWith('appengine-')) {
    if (!/^compute(-[a-z0-9-]+)?$/.test(type)) throw invalid(`Invalid IAP resource type '${type}'.`);
    return { name };
  }
  const appId = type.slice('appengine-'.length);
  const app = (call.world.apps ?? []).find((a) => a.id === appId && a.id === project.projectId);
  if (!app) throw notFound(resource);
  if (service !== undefined && !(app.services ?? [{ id: 'default' }]).some((s) => s.id === service)) throw notFound(resource);
  void version;
  return { name, app };
}

/** The stored value for an IAP resource name, whichever project form the world used as key. */
function lookup<T>(call: Call, maps: Array<Record<string, T> | undefined>, name: string): T | undefined {
  for (const map of maps) {
    for (const [key, value] of Object.entries(map ?? {})) {
      const canon = key.replace(/^projects\/([^/]+)/, (_m, ref: string) => `projects/${call.index.project(ref)?.projectNumber ?? ref}`);
      if (canon === name) return value;
    }
  }
  return undefined;
}

/** Routes of IAP v1 (its `v1/{+resource}:getIamPolicy` catch-all must come after Resource Manager's). */
export function iapRoutes(): Route[] {
  return [
    {
      id: 'iap.getIamPolicy', method: 'POST', template: 'v1/{+resource}:getIamPolicy', permission: 'iap.web.getIamPolicy',
      handler: (call) => {
        const version = requestedVersionFromBody(call.body);
        const resource = call.params.resource ?? '';
        const permission = /\/services\//.test(resource) ? 'iap.webServiceVersions.getIamPolicy' : 'iap.web.getIamPolicy';
        const t = target(call, resource, permission);
        const policy = lookup<Policy>(call, (call.world.apps ?? []).map((a) => a.iapPolicies), t.name);
        return renderPolicy(policy, version);
      },
    },
    {
      id: 'iap.getIapSettings', method: 'GET', template: 'v1/{+name}:iapSettings', permission: 'iap.web.getSettings',
      handler: (call) => {
        const name = call.params.name ?? '';
        const t = target(call, name, 'iap.web.getSettings');
        const settings = lookup<Record<string, unknown>>(call, (call.world.apps ?? []).map((a) => a.iapSettings), t.name);
        return { ...(settings ?? {}), name };
      },
    },
  ];
}
