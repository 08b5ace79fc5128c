import type { RunService } from '../gcp/types.ts';
import type { BackendKind } from '../types.ts';

/** The Google Cloud resource an address resolved to, or why there is none. */
export type Target =
  | { kind: 'cloud-run'; resource: string; project: string; region: string; service: RunService }
  /** Google-hosted, but no such resource exists where it was looked for. */
  | { kind: 'not-found'; backendKind: BackendKind; message: string }
  /** Looking it up failed (permission, API disabled, errors): nothing can be said. */
  | { kind: 'unreadable'; backendKind: BackendKind; message: string }
  /** Not a kind of backend this action can verify. */
  | { kind: 'unsupported'; message: string };
