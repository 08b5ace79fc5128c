import type { AppInfo, FunctionInfo, RunService } from '../gcp/types.ts';
import type { BackendKind } from '../types.ts';

/** A Cloud Run service behind a run.app address. */
export interface RunTarget {
  kind: 'cloud-run';
  resource: string;
  project: string;
  region: string;
  service: RunService;
}

/** A Cloud Function; for 2nd gen, with the Cloud Run service that really receives the calls. */
export interface FunctionTarget {
  kind: 'cloud-functions';
  resource: string;
  project: string;
  region: string;
  fn: FunctionInfo;
  /** 2nd gen only: the underlying service (authorizes the call with run.routes.invoke). */
  service?: RunService;
  /** 2nd gen only: the underlying service's full name. */
  serviceName?: string;
}

/** An App Engine app (and the service the address names, if any), guarded by IAP. */
export interface AppEngineTarget {
  kind: 'app-engine';
  resource: string;
  project: string;
  projectNumber?: string;
  app: AppInfo;
  /** The service the address names; `default` when it names none. */
  serviceId: string;
  versionId?: string;
}

/** The Google Cloud resource an address resolved to, or why there is none. */
export type Target =
  | RunTarget
  | FunctionTarget
  | AppEngineTarget
  /** Google-hosted, but no such resource exists where it was looked for. */
  | { kind: 'not-found'; backendKind: BackendKind; message: string }
  /** Looking it up failed (permission, API disabled, errors): nothing can be said. */
  | { kind: 'unreadable'; backendKind: BackendKind; message: string }
  /** Not a kind of backend this action can verify. */
  | { kind: 'unsupported'; message: string };

/** A target that names a resource. */
export type ResolvedTarget = RunTarget | FunctionTarget | AppEngineTarget;
