/** What each rule means and how to fix it: SARIF rule help, and the README's rule table. */
import type { RuleId } from '../types.ts';

/** Documentation of one rule. */
export interface RuleDoc {
  /** Short title, a sentence fragment. */
  title: string;
  /** Default severity (SPEC.md); a policy may override it. */
  severity: 'error' | 'warning';
  /** GitHub code scanning `security-severity`, 0.0–10.0. */
  securitySeverity: string;
  /** What the finding means and why it matters. */
  meaning: string;
  /** How to fix it (markdown). */
  fix: string;
}

/** One entry per rule ID. */
export const RULE_DOCS: Record<RuleId, RuleDoc> = {
  'public-access': {
    title: 'Backend can be called without authentication',
    severity: 'error',
    securitySeverity: '9.0',
    meaning:
      'Anyone can call the backend directly, bypassing the gateway and its API keys, quotas and authentication: ' +
      '`allUsers` or `allAuthenticatedUsers` holds an invoking permission on the resource or one of its ancestors, ' +
      "the Cloud Run invoker IAM check is disabled, the App Engine app is not behind IAP, or the app's IAP resource " +
      'grants `allUsers` or `allAuthenticatedUsers`.',
    fix:
      'Remove the public binding (e.g. `gcloud run services remove-iam-policy-binding SERVICE --region=REGION ' +
      '--member=allUsers --role=roles/run.invoker`), turn the invoker IAM check back on ' +
      '(`gcloud run services update SERVICE --region=REGION --invoker-iam-check`), or enable IAP on the App Engine app. ' +
      'If the backend is public by design, add a policy exception with the reason.',
  },
  'missing-invoker': {
    title: "Gateway service account cannot invoke the backend",
    severity: 'error',
    securitySeverity: '7.0',
    meaning:
      "The gateway's service account lacks the permission the backend's kind requires: `run.routes.invoke` on a " +
      'Cloud Run service or on the Cloud Run service under a 2nd-gen function, `cloudfunctions.functions.invoke` on ' +
      'a 1st-gen function. Grants to `allUsers`/`allAuthenticatedUsers` do not count: the gateway must still work ' +
      'once public access is removed.',
    fix:
      'Grant the invoker role to the service account: `gcloud run services add-iam-policy-binding SERVICE ' +
      '--region=REGION --member=serviceAccount:SA --role=roles/run.invoker` (Cloud Run, and 2nd-gen functions through ' +
      '`gcloud functions add-invoker-policy-binding`), or `gcloud functions add-iam-policy-binding FUNCTION ' +
      '--region=REGION --member=serviceAccount:SA --role=roles/cloudfunctions.invoker` (1st gen).',
  },
  'missing-iap-access': {
    title: 'Gateway service account cannot pass IAP',
    severity: 'error',
    securitySeverity: '7.0',
    meaning:
      "App Engine behind IAP: the gateway's service account lacks IAP-secured Web App User " +
      "(`roles/iap.httpsResourceAccessor`) on the app's IAP resource or its project. No other predefined role, " +
      'not even Owner or Editor, lets a request through IAP.',
    fix:
      '`gcloud iap web add-iam-policy-binding --resource-type=app-engine --project=PROJECT ' +
      '--member=serviceAccount:SA --role=roles/iap.httpsResourceAccessor`.',
  },
  'missing-app-engine-permissions': {
    title: 'Gateway service account lacks App Engine permissions',
    severity: 'error',
    securitySeverity: '6.0',
    meaning:
      "To call an App Engine backend the gateway's service account also needs `appengine.applications.update`, " +
      '`clientauthconfig.clients.create` and `clientauthconfig.clients.getWithSecret`; the message names the ones ' +
      'missing. Among predefined roles only Editor and Owner hold all three.',
    fix:
      'Create a custom role with the three permissions and grant it: `gcloud iam roles create gatewayAppEngineCaller ' +
      '--project=PROJECT --permissions=appengine.applications.update,clientauthconfig.clients.create,' +
      'clientauthconfig.clients.getWithSecret`, then `gcloud projects add-iam-policy-binding PROJECT ' +
      '--member=serviceAccount:SA --role=projects/PROJECT/roles/gatewayAppEngineCaller`.',
  },
  'auth-disabled': {
    title: 'Gateway sends no identity token to the backend',
    severity: 'error',
    securitySeverity: '8.0',
    meaning:
      '`disable_auth: true` (`disableAuth`) makes the gateway call the backend without an identity token, so the ' +
      'backend only works if anyone can call it.',
    fix:
      'Remove `disable_auth` and grant the gateway service account the invoker role. If the backend authenticates ' +
      'requests some other way, add a policy exception with the reason.',
  },
  'audience-mismatch': {
    title: 'Backend rejects the audience of the gateway token',
    severity: 'error',
    securitySeverity: '6.0',
    meaning:
      'The audience the gateway puts in its identity token (`jwt_audience`/`jwtAudience`, else the full address) is ' +
      'not one the backend accepts: App Engine behind IAP needs the IAP OAuth client ID, a 1st-gen function its full ' +
      "URL, Cloud Run one of the service's URLs or custom audiences. A warning where Google's behaviour is not " +
      'documented.',
    fix:
      'Set `jwt_audience` (`jwtAudience` in OpenAPI 3) to an audience the backend accepts, or add it to the Cloud Run ' +
      'service: `gcloud run services update SERVICE --region=REGION --add-custom-audiences=AUDIENCE`.',
  },
  'unreachable-backend': {
    title: 'Gateway cannot reach the backend',
    severity: 'warning',
    securitySeverity: '4.0',
    meaning:
      'Even with the right grant the gateway cannot reach the backend: Cloud Run ingress other than all traffic, the ' +
      'default run.app URL disabled, a function whose ingress is internal only, an event-triggered (non-HTTP) ' +
      'function, an App Engine application that is not serving, or a Google address written with plain http or another port.',
    fix:
      'Allow all ingress and keep IAM as the guard (`gcloud run services update SERVICE --region=REGION --ingress=all`, ' +
      '`--ingress-settings=all` for functions), re-enable the default URL, or point the gateway at an HTTP backend.',
  },
  'conditional-grant': {
    title: 'Needed grant exists only under an IAM condition',
    severity: 'warning',
    securitySeverity: '4.0',
    meaning:
      'The service account holds the needed permission only under an IAM condition whose result depends on the ' +
      'moment of the call: true now by way of `request.time` (an end date, a time of day, a day of week; the ' +
      'message gives the end or the schedule, and says first when it ends within 14 days), or decided by each ' +
      "request's own attributes (IAP request path or host); or a deny rule may apply through a group the account " +
      'may belong to. Conditions are evaluated as IAM evaluates them: one that is false now, or that can hold only ' +
      'through an attribute IAM does not provide for the backend (`resource.name`; `resource.type` and ' +
      '`resource.service` except behind IAP), grants nothing (`missing-invoker`, saying why); one that holds ' +
      'without depending on time (e.g. a tag) is a grant.',
    fix: 'Add an unconditional binding (or one whose condition holds without the time, such as a tag), or add a policy exception if the time limit is intended.',
  },
  'unverified-grant': {
    title: 'Needed grant cannot be verified',
    severity: 'warning',
    securitySeverity: '4.0',
    meaning:
      'The needed permission is granted only to principals whose membership cannot be read (`group:`, ' +
      '`principalSet:`). A `domain:` member never includes a service account, so it is no grant at all.',
    fix:
      'Grant the role to `serviceAccount:SA` directly, or set `troubleshoot: true` to let the Policy Troubleshooter ' +
      'check group membership.',
  },
  'backend-not-found': {
    title: 'Backend address matches no resource',
    severity: 'error',
    securitySeverity: '6.0',
    meaning:
      'A Google-hosted address (run.app, cloudfunctions.net, appspot.com) matches no Cloud Run service, function or ' +
      'App Engine app in the projects searched: a typo, a deleted resource, or the wrong project. With ' +
      '`allowed-projects`, an address in any other project is reported so without any Google call.',
    fix:
      'Correct the address, deploy the backend first, or name its project in the `project` input or the policy ' +
      "file's `projects` (needed for hash-style run.app URLs); outside the allowed projects, add its project to " +
      'the `allowed-projects` input.',
  },
  'unsupported-backend': {
    title: 'Backend kind cannot be verified',
    severity: 'warning',
    securitySeverity: '3.0',
    meaning:
      'The address is not Cloud Run, Cloud Functions or App Engine (e.g. GKE, Compute Engine or an external host), ' +
      'so its access control cannot be checked.',
    fix:
      "Make sure the backend validates the gateway's identity token itself, then add a policy exception or set the " +
      "rule's severity to `off`.",
  },
  'iam-unreadable': {
    title: 'Resource or IAM policy could not be read',
    severity: 'error',
    securitySeverity: '5.0',
    meaning:
      'A resource or policy needed for a verdict could not be read (permission denied, not found, repeated server ' +
      'errors). The gate fails closed: it never passes on missing data. Google often answers 403 for a resource ' +
      'that does not exist. Its severity cannot be overridden, and a policy exception covers it only for one exact ' +
      '`resource`.',
    fix:
      'Grant the identity running the check read access (get/list and getIamPolicy) on the resource and its ' +
      'ancestors; the message names the permission. The README lists the minimal roles.',
  },
  'invalid-spec': {
    title: 'Spec cannot be read or is malformed',
    severity: 'error',
    securitySeverity: '5.0',
    meaning:
      'The spec cannot be read or parsed, is not OpenAPI, or an `x-google-backend` is malformed (in OpenAPI 3 it must ' +
      'be the name of an entry in `x-google-api-management.backends`). API Gateway would reject it.',
    fix: 'Fix the spec at the reported line.',
  },
  'invalid-plan': {
    title: 'Terraform plan cannot be read or is not a plan',
    severity: 'error',
    securitySeverity: '5.0',
    meaning:
      'A `terraform-plan` file cannot be read, is not a plan in Terraform\'s JSON format (`terraform show -json`, ' +
      '`format_version` 1.x with `resource_changes`), or is a plan that errored. The planned state cannot be judged.',
    fix: 'Pass the output of `terraform show -json PLANFILE` (or `tofu show -json PLANFILE`) of a plan that succeeded.',
  },
};
