/** App Engine Admin v1: apps.get, apps.services.get, apps.services.list. */
import { denied, isProjectRef, invalid, listResponse, notFound, publicFields } from '../core.ts';
import type { Call, Route } from '../core.ts';
import type { App } from '../world.ts';

/** The app of project `appsId` (the app ID is the project ID). */
export function findApp(call: Call, appsId: string, permission: string): App {
  if (!isProjectRef(appsId)) throw invalid(`Invalid app ID: '${appsId}'.`);
  const project = call.index.project(appsId);
  const app = (call.world.apps ?? []).find((a) => a.id === appsId || (project && a.id === project.projectId));
  if (!app) {
    if (!project) throw denied(permission, `apps/${appsId}`);
    throw notFound(`apps/${appsId}`);
  }
  return app;
}

const servicesOf = (app: App): Array<{ id: string; [f: string]: unknown }> => app.services ?? [{ id: 'default' }];

function appOut(app: App): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: `apps/${app.id}`,
    id: app.id,
    authDomain: 'gmail.com',
    locationId: 'us-central',
    codeBucket: `staging.${app.id}.appspot.com`,
    defaultBucket: `${app.id}.appspot.com`,
    servingStatus: 'SERVING',
    defaultHostname: `${app.id}.uc.r.appspot.com`,
    gcrDomain: 'us.gcr.io',
    databaseType: 'CLOUD_DATASTORE_COMPATIBILITY',
    featureSettings: { splitHealthChecks: true, useContainerOptimizedOs: true },
    ...publicFields(app, ['services', 'iapPolicies', 'iapSettings']),
  };
  if (app.iap) {
    // Google never returns the client secret itself.
    const { oauth2ClientSecret: _secret, ...iap } = app.iap as Record<string, unknown>;
    out.iap = iap;
  }
  return out;
}

function serviceOut(app: App, s: { id: string; [f: string]: unknown }): Record<string, unknown> {
  return { name: `apps/${app.id}/services/${s.id}`, split: { allocations: { '20240501t120000': 1 } }, ...s };
}

/** Routes of App Engine Admin v1. */
export function appEngineRoutes(): Route[] {
  return [
    {
      id: 'appengine.apps.get', method: 'GET', template: 'v1/apps/{appsId}', query: ['includeExtraData'], permission: 'appengine.applications.get',
      handler: (call) => {
        const extra = call.query.get('includeExtraData');
        if (extra !== null && !['INCLUDE_EXTRA_DATA_UNSPECIFIED', 'INCLUDE_EXTRA_DATA_NONE', 'INCLUDE_GOOGLE_GENERATED_METADATA'].includes(extra)) {
          throw invalid(`Invalid value at 'include_extra_data' (type.googleapis.com/google.appengine.v1.IncludeExtraData), "${extra}"`);
        }
        return appOut(findApp(call, call.params.appsId ?? '', 'appengine.applications.get'));
      },
    },
    {
      id: 'appengine.apps.services.get', method: 'GET', template: 'v1/apps/{appsId}/services/{servicesId}', permission: 'appengine.services.get',
      handler: (call) => {
        const app = findApp(call, call.params.appsId ?? '', 'appengine.services.get');
        const id = call.params.servicesId ?? '';
        const s = servicesOf(app).find((x) => x.id === id);
        if (!s) throw notFound(`apps/${app.id}/services/${id}`);
        return serviceOut(app, s);
      },
    },
    {
      id: 'appengine.apps.services.list', method: 'GET', template: 'v1/apps/{appsId}/services', query: ['pageSize', 'pageToken'], permission: 'appengine.services.list',
      handler: (call) => {
        const app = findApp(call, call.params.appsId ?? '', 'appengine.services.list');
        return listResponse(call, 'services', servicesOf(app).map((s) => serviceOut(app, s)));
      },
    },
  ];
}

