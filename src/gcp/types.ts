/** Plain data read from Google, free of client-library types, for iam/ and checks/. */

/** An IAM condition (CEL). */
export interface IamCondition {
  title?: string;
  description?: string;
  expression?: string;
}

/** Where a fact comes from when a planned change (Terraform) brings it, not Google: `address (action)`. */
export interface PlannedSource {
  address: string;
  action: string;
}

/** One binding of an allow policy. */
export interface IamBinding {
  role: string;
  members: string[];
  condition?: IamCondition;
  /** Set on a binding that a planned change brings (terraform-plan). */
  planned?: PlannedSource;
  /** Why a member of this binding may be anyone (a value known only after apply): public access cannot be ruled out. */
  mayBePublic?: string;
}

/** An allow policy, read with requestedPolicyVersion 3. */
export interface IamPolicy {
  bindings: IamBinding[];
  version?: number;
}

/** A role definition from IAM `roles.get`. */
export interface RoleDefinition {
  name: string;
  title?: string;
  includedPermissions: string[];
  deleted: boolean;
  stage?: string;
}

/** A project from Resource Manager. */
export interface ProjectInfo {
  projectId: string;
  projectNumber: string;
  /** `folders/N` or `organizations/N`, when known. */
  parent?: string;
}

/** A folder from Resource Manager. */
export interface FolderInfo {
  name: string;
  parent?: string;
}

/** The Cloud Run v2 service fields that decide a verdict. */
export interface RunService {
  name: string;
  uri?: string;
  urls: string[];
  ingress?: string;
  invokerIamDisabled: boolean;
  defaultUriDisabled: boolean;
  customAudiences: string[];
  /** The `goog-managed-by` label: `cloudfunctions` on the service of a 2nd-gen function. */
  managedBy?: string;
}

/** Services of one region listing, with the locations Google reported unreachable. */
export interface RunServiceListing {
  services: RunService[];
  unreachable: string[];
}

/** One page of a region's Cloud Run services; `nextPageToken` when there are more. */
export interface RunServicePage extends RunServiceListing {
  nextPageToken?: string;
}

/** The Cloud Functions fields that decide a verdict (v2 API view, which covers both generations). */
export interface FunctionInfo {
  name: string;
  environment: 'GEN_1' | 'GEN_2' | string;
  /** The function's cloudfunctions.net (or run.app) URL; absent for event-triggered 1st-gen functions. */
  url?: string;
  state?: string;
  /** Set when the function is triggered by events, not HTTP. */
  eventType?: string;
  ingressSettings?: string;
  /** 2nd gen: the underlying Cloud Run service, `projects/P/locations/R/services/S`. */
  runService?: string;
  /** 2nd gen: the underlying service's run.app URL. */
  runUri?: string;
}

/** Functions of one project across all regions, with the locations Google reported unreachable. */
export interface FunctionListing {
  functions: FunctionInfo[];
  unreachable: string[];
}

/** The App Engine application fields that decide a verdict. */
export interface AppInfo {
  id: string;
  defaultHostname?: string;
  iapEnabled: boolean;
  oauth2ClientId?: string;
  servingStatus?: string;
}

/** One rule of an IAM deny policy (IAM v2 principal and permission formats). */
export interface DenyRule {
  deniedPrincipals: string[];
  exceptionPrincipals: string[];
  deniedPermissions: string[];
  exceptionPermissions: string[];
  denialCondition?: IamCondition;
}

/** A deny policy attached to a project, folder or organization. */
export interface DenyPolicy {
  name: string;
  displayName?: string;
  rules: DenyRule[];
}

/** One effective tag of a resource (Resource Manager v3 EffectiveTag): its own or inherited. */
export interface EffectiveTag {
  /** `ORG_ID/key` or `PROJECT_ID/key`. */
  namespacedTagKey: string;
  /** `ORG_ID/key/value`. */
  namespacedTagValue: string;
  /** `tagKeys/123`. */
  tagKey: string;
  /** `tagValues/456`. */
  tagValue: string;
  /** Bound on an ancestor (project, folder, organization) rather than on the resource itself. */
  inherited: boolean;
}
