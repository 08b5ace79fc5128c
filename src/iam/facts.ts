import type { DenyPolicy, IamPolicy, RoleDefinition } from '../gcp/types.ts';
import type { ConditionFacts } from './conditions.ts';

/** Where a policy sits relative to the backend. */
export type PolicyLevel = 'resource' | 'project' | 'folder' | 'organization' | 'iap';

/** An allow policy that applies to the backend, or why it could not be read. */
export interface PolicyFact {
  /** Full resource name, e.g. `projects/p/locations/l/services/s` or `folders/123`. */
  resource: string;
  level: PolicyLevel;
  policy?: IamPolicy;
  error?: string;
}

/** A role's definition, or why it could not be read. */
export interface RoleFact {
  definition?: RoleDefinition;
  error?: string;
}

/** The deny policies attached to a project, folder or organization, or why they could not be read. */
export interface DenyFact {
  /** e.g. `cloudresourcemanager.googleapis.com/projects/p` */
  attachmentPoint: string;
  policies?: DenyPolicy[];
  error?: string;
}

/** Everything known about who may act on one resource: its policies (resource first, then ancestors) and roles. */
export interface AccessFacts {
  policies: PolicyFact[];
  /** Deny policies of the project and its ancestors; absent when not read (treated as none). */
  denies?: DenyFact[];
  roles: Map<string, RoleFact>;
  /** Set when the resource's ancestry (folders, organization) could not be walked. */
  ancestryError?: string;
  /** What IAM provides to conditions on the resource (kind, effective tags); absent: a Cloud Run service, tags unknown. */
  attributes?: ConditionFacts;
}
