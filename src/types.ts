/** Shared data model of the pipeline: spec → resolve → facts → checks → report. */

/** Stable rule IDs of SPEC.md. */
export const RULES = [
  'public-access',
  'missing-invoker',
  'missing-iap-access',
  'missing-app-engine-permissions',
  'auth-disabled',
  'audience-mismatch',
  'unreachable-backend',
  'conditional-grant',
  'unverified-grant',
  'backend-not-found',
  'unsupported-backend',
  'iam-unreadable',
  'invalid-spec',
  'invalid-plan',
] as const;
export type RuleId = (typeof RULES)[number];

/** Severity of a finding; `notice` is also used for excepted findings. */
export type Severity = 'error' | 'warning' | 'notice';

/** Kind of Google Cloud resource behind a backend address. */
export type BackendKind = 'cloud-run' | 'cloud-functions' | 'app-engine' | 'unknown';

/** One `x-google-backend` as written, normalised to one shape for Swagger 2.0 and OpenAPI 3.x. */
export interface BackendConfig {
  address: string;
  jwtAudience?: string;
  disableAuth?: boolean;
  pathTranslation?: string;
  deadline?: number;
  protocol?: string;
}

/** One declaration of a backend in a spec file, with the operations that use it. */
export interface Backend extends BackendConfig {
  /** Spec file, relative to GITHUB_WORKSPACE (or a document path for deployed configs). */
  file: string;
  /** 1-based line of the `x-google-backend` key (or of its `address`). */
  line: number;
  /** Operations routed to this declaration, e.g. `GET /orders`. */
  operations: string[];
  /** Name in `x-google-api-management.backends` (OpenAPI 3.x only). */
  name?: string;
}

/** A problem found, located where a reviewer can act on it. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  message: string;
  /** Spec file, relative to GITHUB_WORKSPACE. */
  file?: string;
  line?: number;
  address?: string;
  resource?: string;
  /** The permission a grant finding is about, e.g. `run.routes.invoke`. */
  permission?: string;
  /** A command (or policy snippet) that fixes the problem, when there is one. */
  fix?: string;
  /** The service account a grant finding is about (for fixes in other media than `fix`). */
  account?: string;
  /** Where the missing grant belongs when not on `resource`: a 2nd-gen function's Cloud Run service. */
  grantOn?: string;
  /** A change to the backend's `x-google-backend` that fixes the finding (a spec-side fix). */
  specEdit?: SpecEdit;
  /** The fix in each medium it has (filled by the report stage from the fields above). */
  fixes?: FixMedia;
  /** Set when a policy exception covers the finding; it then reports as a notice. */
  exception?: { reason: string; expires?: string };
  /** The planned (Terraform) changes the finding rests on, each also named in `message`. */
  planned?: Array<{ address: string; action: string; file?: string; line?: number }>;
}

/** Set `field` of a backend declaration to `value`, or remove it (no `value`). */
export interface SpecEdit {
  field: 'address' | 'jwtAudience' | 'disableAuth';
  value?: string;
}

/** One fix in the media a team may use: gcloud, Terraform, or a change to a spec line. */
export interface FixMedia {
  gcloud?: string;
  /** The Terraform resource (address, and `.tf` file and line when located) whose next apply would revert the `gcloud` fix, when a plan shows one. */
  gcloudRevertedBy?: { address: string; file?: string; line?: number };
  terraform?: string;
  /** Replace line `line` of `file` (now `original`) with `replacement` (several lines, or empty to delete it). */
  spec?: { file: string; line: number; replacement: string; original?: string };
}

/** Result of reading the spec files. */
export interface SpecReadResult {
  /** Files read, relative to the workspace. */
  files: string[];
  backends: Backend[];
  /** `invalid-spec` findings. */
  findings: Finding[];
}
