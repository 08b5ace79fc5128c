import type { AppEngineTarget } from '../resolve/target.ts';
import type { AccessFacts } from '../iam/facts.ts';
import { whoHolds } from '../iam/evaluate.ts';
import type { Backend, Finding } from '../types.ts';
import { backendFinding, shellArg } from './finding.ts';
import { accountGrantFindings, describeGrant, mergeUnreadable, publicGrantFindings, publicUnknownFindings, type ResourceCommands } from './grants.ts';

const IAP_ACCESS = 'iap.webServiceVersions.accessViaIAP';
/** What API Gateway's service account needs besides IAP access, per Google's guide. */
export const APP_ENGINE_PERMISSIONS = ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'];

function iapCommands(target: AppEngineTarget): ResourceCommands {
  const service = target.serviceId === 'default' ? '' : ` --service=${target.serviceId}`;
  const where = `--project=${target.project} --resource-type=app-engine${service}`;
  return {
    add: (member, role) => `gcloud iap web add-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
    remove: (member, role) => `gcloud iap web remove-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
  };
}

/** Every rule for an App Engine backend behind IAP. Pure. */
export function checkAppEngine(backend: Backend, target: AppEngineTarget, access: AccessFacts, account: string, now: Date): Finding[] {
  const { resource, app } = target;
  const member = `serviceAccount:${account}`;
  const commands = iapCommands(target);
  const findings: Finding[] = [];
  const answer = whoHolds(IAP_ACCESS, account, access, now);

  if (!app.iapEnabled) {
    findings.push(
      backendFinding(
        backend,
        'public-access',
        'error',
        `Identity-Aware Proxy is off for App Engine app ${app.id}: anyone can call ${backend.address}. Turn IAP on, then grant the gateway's service account IAP-secured Web App User.`,
        { resource, fix: `gcloud iap web enable --resource-type=app-engine --project=${target.project}` },
      ),
    );
  } else {
    findings.push(...publicUnknownFindings(backend, resource, answer));
  }
  findings.push(...publicGrantFindings(backend, resource, IAP_ACCESS, answer, commands));
  findings.push(
    ...accountGrantFindings(backend, resource, IAP_ACCESS, account, answer, {
      rule: 'missing-iap-access',
      role: 'roles/iap.httpsResourceAccessor (IAP-secured Web App User)',
      fix: commands.add(member, 'roles/iap.httpsResourceAccessor'),
      note: 'Owner and Editor do not include it.',
    }),
  );
  findings.push(...appEnginePermissionFindings(backend, target, access, account, now));
  if (app.servingStatus && app.servingStatus !== 'SERVING' && app.servingStatus !== 'UNSPECIFIED') {
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `App Engine app ${app.id} is not serving (servingStatus ${app.servingStatus}): the gateway's calls will fail whatever the grants. Re-enable the application (App Engine settings in the console).`,
        { resource },
      ),
    );
  }

  if (backend.disableAuth) {
    findings.push(
      backendFinding(
        backend,
        'auth-disabled',
        'error',
        `disable_auth is true: the gateway sends no identity token to ${resource}, so IAP refuses every call (or the app is public). Remove disable_auth and set jwt_audience to the IAP OAuth client ID.`,
        { resource, specEdit: { field: 'disableAuth' } },
      ),
    );
  } else if (app.iapEnabled) {
    findings.push(...iapAudienceFindings(backend, target));
  }
  return mergeUnreadable(findings);
}

function appEnginePermissionFindings(backend: Backend, target: AppEngineTarget, access: AccessFacts, account: string, now: Date): Finding[] {
  const projectChain: AccessFacts = { ...access, policies: access.policies.filter((p) => p.level !== 'resource' && p.level !== 'iap') };
  const answers = APP_ENGINE_PERMISSIONS.map((permission) => ({ permission, answer: whoHolds(permission, account, projectChain, now) }));
  const resource = `projects/${target.project}`;
  const role = `projects/${target.project}/roles/apiGatewayAppEngineCaller`;
  const fix =
    `gcloud iam roles create apiGatewayAppEngineCaller --project=${target.project} --title="API Gateway App Engine caller" --permissions=${APP_ENGINE_PERMISSIONS.join(',')} && ` +
    `gcloud projects add-iam-policy-binding ${target.project} --member=${shellArg(`serviceAccount:${account}`)} --role=${role}`;
  // Deny rules decide a permission whatever the grants: the shared account-side rules report them.
  const findings: Finding[] = answers
    .filter(({ answer: { deny, direct } }) => deny.denied.length > 0 || (direct.length > 0 && deny.mayBeDenied.length + deny.unknown.length > 0))
    .flatMap(({ permission, answer }) => accountGrantFindings(backend, resource, permission, account, answer, { role, fix, rule: 'missing-app-engine-permissions' }));
  const pending = answers.filter((a) => a.answer.direct.length === 0 && a.answer.deny.denied.length === 0);
  const unknown = pending.filter((a) => a.answer.unknownForAccount.length > 0 && a.answer.conditional.length + a.answer.unverified.length === 0);
  const weak = pending.filter((a) => a.answer.conditional.length + a.answer.unverified.length > 0);
  const missing = pending.filter((a) => !unknown.includes(a) && !weak.includes(a)).map((a) => a.permission);
  if (missing.length > 0) {
    findings.push(
      backendFinding(
        backend,
        'missing-app-engine-permissions',
        'error',
        `${account} lacks ${missing.join(', ')} on ${resource} (and its folders and organization), which API Gateway needs to call an App Engine backend behind IAP. Among predefined roles only Editor and Owner hold all three; grant a custom role instead.`,
        { resource, fix, account },
      ),
    );
  }
  for (const { permission, answer } of weak) {
    const grant = answer.conditional[0] ?? answer.unverified[0];
    if (!grant) continue;
    findings.push(
      backendFinding(
        backend,
        answer.conditional.length > 0 ? 'conditional-grant' : 'unverified-grant',
        'warning',
        `${account} holds ${permission} only through ${describeGrant(grant)}.${grant.schedule ? ` ${grant.schedule}` : ''} Grant it to the service account without a condition.`,
        { resource },
      ),
    );
  }
  if (unknown.length > 0) {
    findings.push(
      backendFinding(
        backend,
        'iam-unreadable',
        'error',
        `Cannot verify that ${account} holds ${unknown.map((u) => u.permission).join(', ')}: ${[...new Set(unknown.flatMap((u) => u.answer.unknownForAccount))].join(' ')}`,
        { resource },
      ),
    );
  }
  return findings;
}

/** Behind IAP, the token's audience must be the IAP OAuth client ID. */
function iapAudienceFindings(backend: Backend, target: AppEngineTarget): Finding[] {
  const clientId = target.app.oauth2ClientId;
  if (!clientId) {
    return [
      backendFinding(
        backend,
        'audience-mismatch',
        'warning',
        `App Engine app ${target.app.id} reports no IAP OAuth client ID, so the audience the gateway must mint cannot be verified. Set jwt_audience to the client ID shown on the IAP page.`,
        { resource: target.resource },
      ),
    ];
  }
  if (backend.jwtAudience === clientId) return [];
  return [
    backendFinding(
      backend,
      'audience-mismatch',
      'error',
      backend.jwtAudience
        ? `jwt_audience is ${backend.jwtAudience}, but IAP accepts only tokens for its OAuth client ID ${clientId}. Set jwt_audience: ${clientId}.`
        : `No jwt_audience is set, so the gateway mints tokens for ${backend.address}; IAP accepts only its OAuth client ID. Set jwt_audience: ${clientId}.`,
      { resource: target.resource, specEdit: { field: 'jwtAudience', value: clientId } },
    ),
  ];
}
