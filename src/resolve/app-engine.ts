import { explainFailure, GoogleApiError } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { AppInfo } from '../gcp/types.ts';
import type { AddressInfo } from './address.ts';
import type { Target } from './target.ts';

type AppAddress = Extract<AddressInfo, { kind: 'app-engine' }>;

/** Finds the App Engine app (and service) behind an appspot.com address. */
export async function resolveAppEngine(google: GoogleCloud, info: AppAddress): Promise<Target> {
  // The app's ID is its project's: read the app, the service and the project (its number names the IAP
  // resources) at once rather than one after the other.
  const named = info.service && info.service !== 'default' ? info.service : undefined;
  if (named) google.appEngine.service(info.project, named).catch(() => undefined);
  const project = google.resourceManager.project(info.project);
  project.catch(() => undefined);
  let app: AppInfo;
  try {
    app = await google.appEngine.app(info.project);
  } catch (err) {
    if (err instanceof GoogleApiError && err.status === 404) {
      return { kind: 'not-found', backendKind: 'app-engine', message: `Project ${info.project} has no App Engine application (apps/${info.project}). Check the address.` };
    }
    return { kind: 'unreadable', backendKind: 'app-engine', message: `Could not read apps/${info.project}: ${explainFailure(err, 'appengine.applications.get')}` };
  }
  let resource = `apps/${app.id}`;
  let serviceId = info.service;
  let versionId = info.version;
  if (info.service && info.service !== 'default') {
    try {
      resource = await google.appEngine.service(app.id, info.service);
    } catch (err) {
      if (err instanceof GoogleApiError && err.status === 404 && !info.version) {
        // `NAME-dot-PROJECT` routes to service NAME, else to version NAME of the default service.
        serviceId = 'default';
        versionId = info.service;
        resource = `apps/${app.id}/services/default`;
      } else if (err instanceof GoogleApiError && err.status === 404) {
        return { kind: 'not-found', backendKind: 'app-engine', message: `App Engine app ${app.id} has no service ${info.service}. Check the address.` };
      } else {
        return { kind: 'unreadable', backendKind: 'app-engine', message: `Could not read apps/${app.id}/services/${info.service}: ${explainFailure(err, 'appengine.services.get')}` };
      }
    }
  } else if (info.service) {
    resource = `apps/${app.id}/services/default`;
  }
  let projectNumber: string | undefined;
  try {
    projectNumber = (await project).projectNumber;
  } catch {
    // IAP resources are named by project number; the IAP policy facts will report it as unreadable.
  }
  return {
    kind: 'app-engine',
    resource,
    project: info.project,
    ...(projectNumber ? { projectNumber } : {}),
    app,
    serviceId: serviceId ?? 'default',
    ...(versionId ? { versionId } : {}),
  };
}
