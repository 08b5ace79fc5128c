/**
 * Predefined IAM roles of the fake (IAM v1 Role objects), with realistic but trimmed
 * `includedPermissions`. A world's `roles` add custom roles or override these.
 */
import type { Role } from './world.ts';

const RUN_SERVICES = [
  'run.services.create', 'run.services.delete', 'run.services.get', 'run.services.getIamPolicy',
  'run.services.list', 'run.services.update', 'run.services.setIamPolicy',
];
const RUN_READ = ['run.services.get', 'run.services.list', 'run.revisions.get', 'run.revisions.list', 'run.locations.list'];
const FUNCTIONS_READ = ['cloudfunctions.functions.get', 'cloudfunctions.functions.list', 'cloudfunctions.locations.list'];
const FUNCTIONS_WRITE = [
  'cloudfunctions.functions.create', 'cloudfunctions.functions.update', 'cloudfunctions.functions.delete',
  'cloudfunctions.functions.sourceCodeGet', 'cloudfunctions.functions.sourceCodeSet',
];
const APPENGINE_READ = ['appengine.applications.get', 'appengine.services.get', 'appengine.services.list', 'appengine.versions.get', 'appengine.versions.list'];
const CLIENTAUTH = [
  'clientauthconfig.brands.create', 'clientauthconfig.brands.get', 'clientauthconfig.brands.list',
  'clientauthconfig.brands.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.delete',
  'clientauthconfig.clients.get', 'clientauthconfig.clients.getWithSecret', 'clientauthconfig.clients.list',
  'clientauthconfig.clients.update',
];
const RM_READ = ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy'];
const VIEWER = [
  ...RM_READ, ...RUN_READ, ...FUNCTIONS_READ, ...APPENGINE_READ, 'apigateway.apis.get', 'apigateway.apis.list',
  'apigateway.apiconfigs.get', 'apigateway.apiconfigs.list', 'apigateway.gateways.get', 'apigateway.gateways.list',
  'iam.roles.get', 'iam.roles.list', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list',
  'clientauthconfig.brands.get', 'clientauthconfig.brands.list', 'clientauthconfig.clients.get', 'clientauthconfig.clients.list',
];
const EDITOR = [
  ...VIEWER, ...RUN_SERVICES, 'run.routes.invoke', 'cloudfunctions.functions.invoke', 'cloudfunctions.functions.call',
  ...FUNCTIONS_WRITE, 'appengine.applications.update', 'appengine.services.update', 'appengine.versions.create',
  ...CLIENTAUTH, 'iam.serviceAccounts.actAs', 'apigateway.apiconfigs.create', 'apigateway.gateways.update',
];
const OWNER = [
  ...EDITOR, 'resourcemanager.projects.setIamPolicy', 'cloudfunctions.functions.getIamPolicy',
  'cloudfunctions.functions.setIamPolicy', 'iam.roles.create', 'iam.roles.update', 'iap.web.getIamPolicy',
  'iap.web.setIamPolicy', 'iap.webServiceVersions.getIamPolicy', 'iap.webServiceVersions.setIamPolicy',
];

const role = (name: string, title: string, includedPermissions: string[], description = title): Role => ({
  name,
  title,
  description,
  includedPermissions: [...new Set(includedPermissions)].sort(),
  stage: 'GA',
  etag: 'AA==',
});

/** The predefined roles, keyed by name (`roles/...`). */
export const PREDEFINED_ROLES: ReadonlyMap<string, Role> = new Map(
  [
    role('roles/run.invoker', 'Cloud Run Invoker', ['run.routes.invoke', 'run.jobs.run', 'run.jobs.runWithOverrides'], 'Can invoke Cloud Run services.'),
    role('roles/run.servicesInvoker', 'Cloud Run Service Invoker', ['run.routes.invoke'], 'Can invoke Cloud Run services.'),
    role('roles/run.developer', 'Cloud Run Developer', [...RUN_SERVICES.filter((p) => p !== 'run.services.setIamPolicy'), ...RUN_READ, 'run.routes.invoke', 'run.routes.get', 'run.routes.list']),
    role('roles/run.admin', 'Cloud Run Admin', [...RUN_SERVICES, ...RUN_READ, 'run.routes.invoke', 'run.routes.get', 'run.routes.list']),
    role('roles/run.viewer', 'Cloud Run Viewer', [...RUN_READ, 'run.services.getIamPolicy', 'run.routes.get', 'run.routes.list']),
    role('roles/owner', 'Owner', OWNER, 'Full access to most Google Cloud resources.'),
    role('roles/editor', 'Editor', EDITOR, 'View, create, update, and delete most Google Cloud resources.'),
    role('roles/viewer', 'Viewer', VIEWER, 'View most Google Cloud resources.'),
    role('roles/cloudfunctions.invoker', 'Cloud Functions Invoker', ['cloudfunctions.functions.invoke'], 'Ability to invoke 1st gen HTTP functions with restricted access. For 2nd gen functions, use roles/run.invoker on the underlying service.'),
    role('roles/cloudfunctions.admin', 'Cloud Functions Admin', [...FUNCTIONS_READ, ...FUNCTIONS_WRITE, 'cloudfunctions.functions.invoke', 'cloudfunctions.functions.call', 'cloudfunctions.functions.getIamPolicy', 'cloudfunctions.functions.setIamPolicy']),
    role('roles/cloudfunctions.developer', 'Cloud Functions Developer', [...FUNCTIONS_READ, ...FUNCTIONS_WRITE, 'cloudfunctions.functions.invoke', 'cloudfunctions.functions.call']),
    role('roles/cloudfunctions.viewer', 'Cloud Functions Viewer', FUNCTIONS_READ),
    role('roles/iap.httpsResourceAccessor', 'IAP-secured Web App User', ['iap.webServiceVersions.accessViaIAP'], 'Access HTTPS resources which use Identity-Aware Proxy'),
    role('roles/iap.admin', 'IAP Policy Admin', ['iap.web.getIamPolicy', 'iap.web.setIamPolicy', 'iap.webServiceVersions.getIamPolicy', 'iap.webServiceVersions.setIamPolicy', 'iap.webTypes.getIamPolicy']),
    role('roles/appengine.appAdmin', 'App Engine Admin', [...APPENGINE_READ, 'appengine.applications.update', 'appengine.services.update', 'appengine.services.delete', 'appengine.versions.create', 'appengine.versions.update', 'appengine.versions.delete']),
    role('roles/appengine.appViewer', 'App Engine Viewer', APPENGINE_READ),
    role('roles/oauthconfig.editor', 'OAuth Config Editor', CLIENTAUTH),
    role('roles/oauthconfig.viewer', 'OAuth Config Viewer', CLIENTAUTH.filter((p) => /\.(get|list)$/.test(p))),
    role('roles/iam.serviceAccountUser', 'Service Account User', ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list', 'resourcemanager.projects.get']),
    role('roles/iam.securityReviewer', 'Security Reviewer', ['resourcemanager.projects.getIamPolicy', 'run.services.getIamPolicy', 'cloudfunctions.functions.getIamPolicy', 'iap.web.getIamPolicy', 'iam.roles.get', 'iam.roles.list', 'iam.denypolicies.get', 'iam.denypolicies.list']),
    role('roles/apigateway.viewer', 'ApiGateway Viewer', ['apigateway.apis.get', 'apigateway.apis.list', 'apigateway.apiconfigs.get', 'apigateway.apiconfigs.list', 'apigateway.gateways.get', 'apigateway.gateways.list']),
  ].map((r) => [r.name, r]),
);
