/**
 * Cloud Functions v2 (Function shape: both generations) and v1 (CloudFunction shape: GEN_1 only,
 * converted from the world's v2 shape). List accepts the `-` location wildcard.
 */
import {
  FIXED_TIME, checkLocation, intParam, invalid, lastSegment, listResponse, locationOf, notFound, projectOf,
  publicFields, renderPolicy,
} from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { CloudFunction, WorldProject } from '../world.ts';
import { functionRegions, locationResource } from './run.ts';

const FUNCTION_ID = /^[A-Za-z][-_A-Za-z0-9]{0,62}$/;

const isGen1 = (f: CloudFunction): boolean => f.environment === 'GEN_1';

function functionsOf(call: Call, project: WorldProject, location: string): CloudFunction[] {
  return (call.world.functions ?? []).filter((f) => {
    const name = call.index.canonical(f.name);
    return name.startsWith(`projects/${project.projectId}/locations/`) && (location === '-' || locationOf(name) === location);
  });
}

function findFunction(call: Call, permission: string, gen1Only: boolean): CloudFunction {
  const { projectsId = '', locationsId = '', functionsId = '' } = call.params;
  const name = `projects/${projectsId}/locations/${locationsId}/functions/${functionsId}`;
  checkLocation(locationsId, false);
  if (!FUNCTION_ID.test(functionsId)) throw invalid(`Invalid function name '${functionsId}'.`);
  const project = projectOf(call, projectsId, permission, name);
  const f = functionsOf(call, project, locationsId).find((x) => lastSegment(x.name) === functionsId);
  if (!f || (gen1Only && !isGen1(f))) throw notFound(name);
  return f;
}

/** A world function in the v2 Function shape. */
function v2Function(call: Call, f: CloudFunction): Record<string, unknown> {
  const name = call.index.canonical(f.name);
  return { state: 'ACTIVE', environment: 'GEN_2', updateTime: FIXED_TIME, ...publicFields(f, ['v1']), name };
}

const STATUS_V1: Record<string, string> = {
  ACTIVE: 'ACTIVE', FAILED: 'OFFLINE', DEPLOYING: 'DEPLOY_IN_PROGRESS', DELETING: 'DELETE_IN_PROGRESS', UNKNOWN: 'UNKNOWN',
};

/** A GEN_1 world function in the v1 CloudFunction shape. */
function v1Function(call: Call, f: CloudFunction): Record<string, unknown> {
  const name = call.index.canonical(f.name);
  const sc = f.serviceConfig ?? {};
  const bc = (f.buildConfig ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    name,
    status: STATUS_V1[f.state ?? 'ACTIVE'] ?? 'UNKNOWN',
    entryPoint: bc.entryPoint ?? lastSegment(name),
    runtime: bc.runtime ?? 'nodejs20',
    timeout: `${(sc.timeoutSeconds as number | undefined) ?? 60}s`,
    availableMemoryMb: 256,
    updateTime: (f.updateTime as string | undefined) ?? FIXED_TIME,
    versionId: '1',
    ingressSettings: sc.ingressSettings ?? 'ALLOW_ALL',
  };
  if (f.description) out.description = f.description;
  if (f.labels) out.labels = f.labels;
  if (sc.serviceAccountEmail) out.serviceAccountEmail = sc.serviceAccountEmail;
  if (f.eventTrigger) {
    const et = f.eventTrigger;
    out.eventTrigger = {
      eventType: et.eventType,
      resource: (et.pubsubTopic as string | undefined) ?? (et.resource as string | undefined) ?? '',
      service: et.service ?? 'pubsub.googleapis.com',
    };
  } else {
    out.httpsTrigger = { url: f.url ?? sc.uri, securityLevel: sc.securityLevel ?? 'SECURE_ALWAYS' };
  }
  return { ...out, ...(f.v1 ?? {}) };
}

/** Routes of Cloud Functions v1 and v2 (v1 locations.list is shared with Cloud Run, see run.ts). */
export function functionsRoutes(): Route[] {
  const routes: Route[] = [];
  for (const version of ['v1', 'v2'] as const) {
    const gen1Only = version === 'v1';
    const shape = (call: Call, f: CloudFunction): Record<string, unknown> => (gen1Only ? v1Function(call, f) : v2Function(call, f));
    routes.push(
      {
        id: 'cloudfunctions.projects.locations.functions.getIamPolicy',
        method: 'GET',
        template: `${version}/projects/{projectsId}/locations/{locationsId}/functions/{functionsId}:getIamPolicy`,
        query: ['options.requestedPolicyVersion'],
        permission: 'cloudfunctions.functions.getIamPolicy',
        handler: (call) => renderPolicy(findFunction(call, 'cloudfunctions.functions.getIamPolicy', gen1Only).iamPolicy, intParam(call.query, 'options.requestedPolicyVersion')),
      },
      {
        id: 'cloudfunctions.projects.locations.functions.get',
        method: 'GET',
        template: `${version}/projects/{projectsId}/locations/{locationsId}/functions/{functionsId}`,
        query: [gen1Only ? 'versionId' : 'revision'],
        permission: 'cloudfunctions.functions.get',
        handler: (call) => shape(call, findFunction(call, 'cloudfunctions.functions.get', gen1Only)),
      },
      {
        id: 'cloudfunctions.projects.locations.functions.list',
        method: 'GET',
        template: `${version}/projects/{projectsId}/locations/{locationsId}/functions`,
        query: gen1Only ? ['pageSize', 'pageToken'] : ['filter', 'orderBy', 'pageSize', 'pageToken'],
        permission: 'cloudfunctions.functions.list',
        handler: (call) => {
          const { projectsId = '', locationsId = '' } = call.params;
          checkLocation(locationsId, true);
          const project = projectOf(call, projectsId, 'cloudfunctions.functions.list', `projects/${projectsId}/locations/${locationsId}`);
          const list = functionsOf(call, project, locationsId).filter((f) => !gen1Only || isGen1(f));
          return listResponse(call, 'functions', list.map((f) => shape(call, f)));
        },
      },
    );
  }
  routes.push({
    id: 'cloudfunctions.projects.locations.list',
    method: 'GET',
    template: 'v2/projects/{projectsId}/locations',
    query: ['filter', 'pageSize', 'pageToken'],
    permission: 'cloudfunctions.locations.list',
    handler: (call) => {
      const ref = call.params.projectsId ?? '';
      const project = projectOf(call, ref, 'cloudfunctions.locations.list', `projects/${ref}`);
      return listResponse(call, 'locations', functionRegions(call, project).sort().map((r) => locationResource(ref, r)));
    },
  });
  return routes;
}
