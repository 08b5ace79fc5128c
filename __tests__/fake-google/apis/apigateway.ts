/** API Gateway v1: apis, apis.configs and gateways (get + list). `configs.get` returns documents only with `view=FULL`. */
import { FIXED_TIME, checkLocation, invalid, lastSegment, listResponse, notFound, projectOf } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { WorldProject } from '../world.ts';

function location(loc: string, wildcard: boolean): void {
  if (loc === 'global') return;
  checkLocation(loc, wildcard);
}

/** World items under `parent` (project by ID or number; location `-` = any). */
function under<T extends { name: string }>(call: Call, items: T[] | undefined, project: WorldProject, rest: (parts: string[]) => boolean): T[] {
  return (items ?? []).filter((x) => {
    const parts = call.index.canonical(x.name).split('/');
    return parts[1] === project.projectId && rest(parts);
  });
}

const base = (call: Call, x: { name: string; [f: string]: unknown }): Record<string, unknown> => ({
  createTime: FIXED_TIME, updateTime: FIXED_TIME, state: 'ACTIVE', ...x, name: call.index.canonical(x.name),
});

function configOut(call: Call, c: { name: string; [f: string]: unknown }, full: boolean): Record<string, unknown> {
  const out = base(call, c);
  const id = lastSegment(c.name);
  out.serviceConfigId ??= `${id}-0abc123def456`;
  if (!full) {
    delete out.openapiDocuments;
    delete out.grpcServices;
    delete out.managedServiceConfigs;
  }
  return out;
}

function viewOf(call: Call): boolean {
  const view = call.query.get('view');
  if (view === null || view === 'VIEW_UNSPECIFIED' || view === 'BASIC') return false;
  if (view === 'FULL') return true;
  throw invalid(`Invalid value at 'view' (type.googleapis.com/google.cloud.apigateway.v1.GetApiConfigRequest.ConfigView), "${view}"`);
}

/** Routes of API Gateway v1 (its `v1/projects/{p}/locations` is answered by run.ts). */
export function apiGatewayRoutes(): Route[] {
  const LIST = ['filter', 'orderBy', 'pageSize', 'pageToken'];
  return [
    {
      id: 'apigateway.projects.locations.apis.configs.get', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/apis/{apisId}/configs/{configsId}', query: ['view'], permission: 'apigateway.apiconfigs.get',
      handler: (call) => {
        const { projectsId = '', locationsId = '', apisId = '', configsId = '' } = call.params;
        const name = `projects/${projectsId}/locations/${locationsId}/apis/${apisId}/configs/${configsId}`;
        location(locationsId, false);
        const full = viewOf(call);
        const project = projectOf(call, projectsId, 'apigateway.apiconfigs.get', name);
        const c = under(call, call.world.apiConfigs, project, (p) => p[3] === locationsId && p[5] === apisId && p[7] === configsId)[0];
        if (!c) throw notFound(name);
        return configOut(call, c, full);
      },
    },
    {
      id: 'apigateway.projects.locations.apis.configs.list', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/apis/{apisId}/configs', query: LIST, permission: 'apigateway.apiconfigs.list',
      handler: (call) => {
        const { projectsId = '', locationsId = '', apisId = '' } = call.params;
        location(locationsId, false);
        const project = projectOf(call, projectsId, 'apigateway.apiconfigs.list', `projects/${projectsId}/locations/${locationsId}/apis/${apisId}`);
        const list = under(call, call.world.apiConfigs, project, (p) => p[3] === locationsId && (apisId === '-' || p[5] === apisId));
        return listResponse(call, 'apiConfigs', list.map((c) => configOut(call, c, false)));
      },
    },
    {
      id: 'apigateway.projects.locations.apis.get', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/apis/{apisId}', permission: 'apigateway.apis.get',
      handler: (call) => {
        const { projectsId = '', locationsId = '', apisId = '' } = call.params;
        const name = `projects/${projectsId}/locations/${locationsId}/apis/${apisId}`;
        location(locationsId, false);
        const project = projectOf(call, projectsId, 'apigateway.apis.get', name);
        const a = under(call, call.world.apis, project, (p) => p[3] === locationsId && p[5] === apisId)[0];
        if (!a) throw notFound(name);
        return { managedService: `${apisId}-0abc123def456.apigateway.${project.projectId}.cloud.goog`, ...base(call, a) };
      },
    },
    {
      id: 'apigateway.projects.locations.apis.list', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/apis', query: LIST, permission: 'apigateway.apis.list',
      handler: (call) => {
        const { projectsId = '', locationsId = '' } = call.params;
        location(locationsId, true);
        const project = projectOf(call, projectsId, 'apigateway.apis.list', `projects/${projectsId}/locations/${locationsId}`);
        const list = under(call, call.world.apis, project, (p) => locationsId === '-' || p[3] === locationsId);
        return listResponse(call, 'apis', list.map((a) => base(call, a)));
      },
    },
    {
      id: 'apigateway.projects.locations.gateways.get', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/gateways/{gatewaysId}', permission: 'apigateway.gateways.get',
      handler: (call) => {
        const { projectsId = '', locationsId = '', gatewaysId = '' } = call.params;
        const name = `projects/${projectsId}/locations/${locationsId}/gateways/${gatewaysId}`;
        location(locationsId, false);
        const project = projectOf(call, projectsId, 'apigateway.gateways.get', name);
        const g = under(call, call.world.gateways, project, (p) => p[3] === locationsId && p[5] === gatewaysId)[0];
        if (!g) throw notFound(name);
        return base(call, g);
      },
    },
    {
      id: 'apigateway.projects.locations.gateways.list', method: 'GET', template: 'v1/projects/{projectsId}/locations/{locationsId}/gateways', query: LIST, permission: 'apigateway.gateways.list',
      handler: (call) => {
        const { projectsId = '', locationsId = '' } = call.params;
        location(locationsId, true);
        const project = projectOf(call, projectsId, 'apigateway.gateways.list', `projects/${projectsId}/locations/${locationsId}`);
        const list = under(call, call.world.gateways, project, (p) => locationsId === '-' || p[3] === locationsId);
        return listResponse(call, 'gateways', list.map((g) => base(call, g)));
      },
    },
  ];
}
