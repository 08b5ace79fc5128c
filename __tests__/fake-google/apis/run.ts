/**
 * Cloud Run Admin API v2 (services get/list/getIamPolicy) and v1 (locations.list, services
 * get/list/getIamPolicy, Knative namespaces.services get/list).
 */
import {
  FIXED_TIME, checkLocation, intParam, invalid, lastSegment, listResponse, locationOf, notFound,
  paginate, projectOf, publicFields, renderPolicy, uidOf,
} from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { RunService, WorldProject } from '../world.ts';

const SERVICE_ID = /^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/;

/** Run services of a project, optionally in one region. */
export function runServicesOf(call: Call, project: WorldProject, location?: string): RunService[] {
  return (call.world.runServices ?? []).filter((s) => {
    const name = call.index.canonical(s.name);
    if (!name.startsWith(`projects/${project.projectId}/locations/`)) return false;
    return location === undefined || locationOf(name) === location;
  });
}

/** Cloud Run regions of a project: `runLocations`, else the regions of its services. */
export function runRegions(call: Call, project: WorldProject): string[] {
  return project.runLocations ?? [...new Set(runServicesOf(call, project).map((s) => locationOf(call.index.canonical(s.name))))];
}

/** Regions where the project has Cloud Functions: `functionLocations`, else the regions of its functions. */
export function functionRegions(call: Call, project: WorldProject): string[] {
  if (project.functionLocations) return project.functionLocations;
  return [
    ...new Set(
      (call.world.functions ?? [])
        .map((f) => call.index.canonical(f.name))
        .filter((n) => n.startsWith(`projects/${project.projectId}/locations/`))
        .map(locationOf),
    ),
  ];
}

function findService(call: Call, permission: string): RunService {
  const { projectsId = '', locationsId = '', servicesId = '' } = call.params;
  const name = `projects/${projectsId}/locations/${locationsId}/services/${servicesId}`;
  checkLocation(locationsId, false);
  if (!SERVICE_ID.test(servicesId)) throw invalid(`Invalid service name '${servicesId}': must match [a-z]([-a-z0-9]*[a-z0-9])? and be at most 49 characters.`);
  const project = projectOf(call, projectsId, permission, name);
  const service = runServicesOf(call, project, locationsId).find((s) => lastSegment(s.name) === servicesId);
  if (!service) throw notFound(name);
  return service;
}

/** A world service in the v2 GoogleCloudRunV2Service shape. */
export function v2Service(call: Call, s: RunService): Record<string, unknown> {
  const name = call.index.canonical(s.name);
  const out = publicFields(s);
  return {
    uid: uidOf(name),
    generation: '1',
    createTime: FIXED_TIME,
    updateTime: FIXED_TIME,
    launchStage: 'GA',
    ingress: 'INGRESS_TRAFFIC_ALL',
    ...out,
    ...{ name },
  };
}

const INGRESS_V1: Record<string, string> = {
  INGRESS_TRAFFIC_ALL: 'all',
  INGRESS_TRAFFIC_INTERNAL_ONLY: 'internal',
  INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER: 'internal-and-cloud-load-balancing',
  INGRESS_TRAFFIC_NONE: 'none',
};

/** A world service in the v1 (Knative) Service shape. */
export function v1Service(call: Call, s: RunService): Record<string, unknown> {
  const name = call.index.canonical(s.name);
  const project = call.index.project(name.split('/')[1] ?? '');
  const namespace = project?.projectNumber ?? name.split('/')[1] ?? '';
  const id = lastSegment(name);
  const ingress = INGRESS_V1[s.ingress ?? 'INGRESS_TRAFFIC_ALL'] ?? 'all';
  const annotations: Record<string, string> = {
    'run.googleapis.com/ingress': ingress,
    'run.googleapis.com/ingress-status': ingress,
    'serving.knative.dev/creator': 'deployer@example.com',
  };
  if (s.invokerIamDisabled) annotations['run.googleapis.com/invoker-iam-disabled'] = 'true';
  if (s.defaultUriDisabled) annotations['run.googleapis.com/default-url-disabled'] = 'true';
  if (s.customAudiences?.length) annotations['run.googleapis.com/custom-audiences'] = JSON.stringify(s.customAudiences);
  const url = s.uri ?? s.urls?.[0];
  const status: Record<string, unknown> = {
    observedGeneration: 1,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: FIXED_TIME }],
    latestReadyRevisionName: `${id}-00001-abc`,
    latestCreatedRevisionName: `${id}-00001-abc`,
    traffic: [{ revisionName: `${id}-00001-abc`, percent: 100, latestRevision: true }],
  };
  if (url) {
    status.url = url;
    status.address = { url };
  }
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: id,
      namespace,
      selfLink: `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/${id}`,
      uid: uidOf(name),
      resourceVersion: 'AAYVCvR0bQo',
      generation: 1,
      creationTimestamp: FIXED_TIME,
      labels: { 'cloud.googleapis.com/location': locationOf(name) },
      annotations,
    },
    spec: { template: { spec: { containerConcurrency: 80, timeoutSeconds: 300, containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] } }, traffic: [{ percent: 100, latestRevision: true }] },
    status,
  };
}

function v1List(call: Call, services: RunService[]): Record<string, unknown> {
  if (call.query.get('watch') === 'true') throw invalid('watch is not supported.');
  const { page, nextPageToken } = paginate(call, services, { size: 'limit', token: 'continue' });
  const metadata: Record<string, unknown> = { resourceVersion: 'AAYVCvR0bQo', selfLink: `/${call.path.replace(/^\/+/, '')}` };
  if (nextPageToken) metadata.continue = nextPageToken;
  return { apiVersion: 'serving.knative.dev/v1', kind: 'ServiceList', metadata, items: page.map((s) => v1Service(call, s)) };
}

const V1_LIST_QUERY = ['continue', 'fieldSelector', 'includeUninitialized', 'labelSelector', 'limit', 'resourceVersion', 'watch'];

/** Routes of Cloud Run v1 and v2. */
export function runRoutes(): Route[] {
  return [
    {
      id: 'run.projects.locations.services.getIamPolicy',
      method: 'GET',
      template: 'v2/projects/{projectsId}/locations/{locationsId}/services/{servicesId}:getIamPolicy',
      query: ['options.requestedPolicyVersion'],
      permission: 'run.services.getIamPolicy',
      handler: (call) => renderPolicy(findService(call, 'run.services.getIamPolicy').iamPolicy, intParam(call.query, 'options.requestedPolicyVersion')),
    },
    {
      id: 'run.projects.locations.services.get',
      method: 'GET',
      template: 'v2/projects/{projectsId}/locations/{locationsId}/services/{servicesId}',
      permission: 'run.services.get',
      handler: (call) => v2Service(call, findService(call, 'run.services.get')),
    },
    {
      id: 'run.projects.locations.services.list',
      method: 'GET',
      template: 'v2/projects/{projectsId}/locations/{locationsId}/services',
      query: ['pageSize', 'pageToken', 'showDeleted'],
      permission: 'run.services.list',
      handler: (call) => {
        const { projectsId = '', locationsId = '' } = call.params;
        checkLocation(locationsId, false);
        const project = projectOf(call, projectsId, 'run.services.list', `projects/${projectsId}/locations/${locationsId}`);
        return listResponse(call, 'services', runServicesOf(call, project, locationsId).map((s) => v2Service(call, s)));
      },
    },
    {
      // Same path in Cloud Run v1, Cloud Functions v1 and API Gateway v1: one answer for all.
      id: 'run.projects.locations.list|cloudfunctions.projects.locations.list|apigateway.projects.locations.list',
      method: 'GET',
      template: 'v1/projects/{projectsId}/locations',
      query: ['filter', 'pageSize', 'pageToken'],
      permission: 'run.locations.list',
      handler: (call) => {
        const ref = call.params.projectsId ?? '';
        const project = projectOf(call, ref, 'run.locations.list', `projects/${ref}`);
        const regions = [...new Set([...runRegions(call, project), ...functionRegions(call, project)])].sort();
        return listResponse(call, 'locations', regions.map((r) => locationResource(ref, r)));
      },
    },
    {
      id: 'run.projects.locations.services.getIamPolicy',
      method: 'GET',
      template: 'v1/projects/{projectsId}/locations/{locationsId}/services/{servicesId}:getIamPolicy',
      query: ['options.requestedPolicyVersion'],
      permission: 'run.services.getIamPolicy',
      handler: (call) => renderPolicy(findService(call, 'run.services.getIamPolicy').iamPolicy, intParam(call.query, 'options.requestedPolicyVersion')),
    },
    {
      id: 'run.projects.locations.services.get',
      method: 'GET',
      template: 'v1/projects/{projectsId}/locations/{locationsId}/services/{servicesId}',
      permission: 'run.services.get',
      handler: (call) => v1Service(call, findService(call, 'run.services.get')),
    },
    {
      id: 'run.projects.locations.services.list',
      method: 'GET',
      template: 'v1/projects/{projectsId}/locations/{locationsId}/services',
      query: V1_LIST_QUERY,
      permission: 'run.services.list',
      handler: (call) => {
        const { projectsId = '', locationsId = '' } = call.params;
        checkLocation(locationsId, true);
        const project = projectOf(call, projectsId, 'run.services.list', `projects/${projectsId}/locations/${locationsId}`);
        return v1List(call, runServicesOf(call, project, locationsId === '-' ? undefined : locationsId));
      },
    },
    {
      id: 'run.namespaces.services.get',
      method: 'GET',
      template: 'apis/serving.knative.dev/v1/namespaces/{namespacesId}/services/{servicesId}',
      permission: 'run.services.get',
      handler: (call) => {
        const { namespacesId = '', servicesId = '' } = call.params;
        const name = `namespaces/${namespacesId}/services/${servicesId}`;
        const project = projectOf(call, namespacesId, 'run.services.get', name);
        const found = runServicesOf(call, project).filter((s) => lastSegment(s.name) === servicesId);
        if (found.length === 0) throw notFound(name);
        return v1Service(call, found[0] as RunService);
      },
    },
    {
      id: 'run.namespaces.services.list',
      method: 'GET',
      template: 'apis/serving.knative.dev/v1/namespaces/{namespacesId}/services',
      query: V1_LIST_QUERY,
      permission: 'run.services.list',
      handler: (call) => {
        const ns = call.params.namespacesId ?? '';
        const project = projectOf(call, ns, 'run.services.list', `namespaces/${ns}`);
        return v1List(call, runServicesOf(call, project));
      },
    },
  ];
}

/** A google.cloud.location.Location of a project. */
export function locationResource(projectRef: string, region: string): Record<string, unknown> {
  return {
    name: `projects/${projectRef}/locations/${region}`,
    locationId: region,
    displayName: region,
    labels: { 'cloud.googleapis.com/region': region },
  };
}

