/** Plain data read from Google, free of client-library types, for iam/ and checks/. */

/** An IAM condition (CEL). */
export interface IamCondition {
  title?: string;
  description?: string;
  expression?: string;
}

/** One binding of an allow policy. */
export interface IamBinding {
  role: string;
  members: string[];
  condition?: IamCondition;
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
}

/** Services of one region listing, with the locations Google reported unreachable. */
export interface RunServiceListing {
  services: RunService[];
  unreachable: string[];
}
