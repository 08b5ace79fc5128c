import type { RunService } from '../gcp/types.ts';
import type { AccessFacts } from '../iam/facts.ts';
import { whoHolds } from '../iam/evaluate.ts';
import { serviceOrigins } from '../resolve/cloud-run.ts';
import type { RunTarget } from '../resolve/target.ts';
import { originOf } from '../resolve/address.ts';
import type { Backend, Finding, SpecEdit } from '../types.ts';
import { judgeUrlAudience, mintedAudience } from './audience.ts';
import { authDisabledFindings, backendFinding, shellArg } from './finding.ts';
import { accountGrantFindings, mergeUnreadable, publicGrantFindings, publicUnknownFindings, type ResourceCommands } from './grants.ts';

export const RUN_INVOKE = 'run.routes.invoke';

/** A Cloud Run service's name split for gcloud: `NAME --project=P --region=R`. */
function runServiceArgs(serviceName: string): string {
  const [, project = '', , region = '', , name = ''] = serviceName.split('/');
  return `${name} --project=${project} --region=${region}`;
}

/** gcloud commands that change the IAM policy of one Cloud Run service. */
function runCommands(serviceName: string): ResourceCommands {
  const where = runServiceArgs(serviceName);
  return {
    add: (member, role) => `gcloud run services add-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
    remove: (member, role) => `gcloud run services remove-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
  };
}

/**
 * Who may call a Cloud Run service (directly, or as a 2nd-gen function's): public access, the account's
 * grant, and ingress. `resource` is what findings name; `grant` says how to fix a missing grant.
 */
export function runServiceAccessFindings(
  backend: Backend,
  resource: string,
  service: RunService,
  access: AccessFacts,
  account: string,
  now: Date,
  grant: { fix: string; note?: string; on?: string; grantOn?: string },
): Finding[] {
  const answer = whoHolds(RUN_INVOKE, account, access, now);
  const findings: Finding[] = [];
  if (service.invokerIamDisabled) {
    findings.push(
      backendFinding(
        backend,
        'public-access',
        'error',
        `The Cloud Run invoker IAM check is disabled on ${service.name}: anyone can call it, whatever its IAM policy says. Turn the check back on.`,
        { resource, fix: `gcloud run services update ${runServiceArgs(service.name)} --invoker-iam-check` },
      ),
    );
  } else {
    findings.push(...publicUnknownFindings(backend, resource, answer));
  }
  findings.push(...publicGrantFindings(backend, resource, RUN_INVOKE, answer, runCommands(service.name)));
  findings.push(
    ...accountGrantFindings(backend, resource, RUN_INVOKE, account, answer, {
      role: 'roles/run.invoker',
      fix: grant.fix,
      ...(grant.note ? { note: grant.note } : {}),
      ...(grant.on ? { on: grant.on } : {}),
      ...(grant.grantOn ? { grantOn: grant.grantOn } : {}),
    }),
  );
  if (service.ingress && service.ingress !== 'INGRESS_TRAFFIC_ALL' && service.ingress !== 'INGRESS_TRAFFIC_UNSPECIFIED') {
    const internal = service.ingress === 'INGRESS_TRAFFIC_INTERNAL_ONLY' ? 'internal' : 'internal and Cloud Load Balancing';
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `${service.name} accepts only ${internal} traffic (ingress ${service.ingress}); API Gateway calls it from outside your network, so its calls will be refused with 404. Allow all ingress, or route the gateway through a load balancer.`,
        { resource, fix: `gcloud run services update ${runServiceArgs(service.name)} --ingress=all` },
      ),
    );
  }
  return findings;
}

/** Every rule for a Cloud Run backend. Pure: the facts were gathered before. */
export function checkCloudRun(backend: Backend, target: RunTarget, access: AccessFacts, account: string, now: Date): Finding[] {
  const { service, resource } = target;
  const fix = runCommands(resource).add(`serviceAccount:${account}`, 'roles/run.invoker');
  const findings = runServiceAccessFindings(backend, resource, service, access, account, now, { fix });

  if (service.defaultUriDisabled && /\.run\.app\.?$/i.test(new URL(backend.address).hostname)) {
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `${resource} has its default run.app URL disabled, so ${backend.address} does not answer. Enable the default URL or point the backend at the service's custom domain.`,
        { resource, fix: `gcloud run services update ${runServiceArgs(resource)} --default-url` },
      ),
    );
  }
  findings.push(...authDisabledFindings(backend, resource, fix));
  if (!backend.disableAuth) findings.push(...runAudienceFindings(backend, resource, service, []));
  return mergeUnreadable(findings);
}

/** The `jwt_audience` to suggest: the backend address's own origin when the service accepts it, else the service URL. */
function audienceEdit(backend: Backend, service: RunService, exact: string[]): { specEdit?: SpecEdit } {
  const origin = originOf(backend.address);
  const own = origin && judgeUrlAudience(origin, serviceOrigins(service), exact) === 'accepted' ? origin : undefined;
  const value = own ?? serviceOrigins(service)[0];
  return value ? { specEdit: { field: 'jwtAudience', value } } : {};
}

/** `audience-mismatch` for a backend served by a Cloud Run service (also accepting `extraAudiences`). */
export function runAudienceFindings(backend: Backend, resource: string, service: RunService, extraAudiences: string[]): Finding[] {
  const audience = mintedAudience(backend);
  const exact = [...service.customAudiences, ...extraAudiences.flatMap((a) => [a, a.replace(/\/$/, '')])];
  const verdict = judgeUrlAudience(audience, serviceOrigins(service), exact);
  if (verdict === 'accepted') return [];
  const accepted = [...new Set([...serviceOrigins(service), ...service.customAudiences, ...extraAudiences])].join(', ') || 'none';
  return [
    backendFinding(
      backend,
      'audience-mismatch',
      verdict === 'rejected' ? 'error' : 'warning',
      verdict === 'rejected'
        ? `The gateway will mint identity tokens for audience ${audience}, which ${resource} does not accept (it accepts ${accepted}). Set jwt_audience to the service URL, or add a custom audience.`
        : `The gateway will mint identity tokens for audience ${audience}: the service URL with a path. Google does not document whether Cloud Run accepts that; set jwt_audience to the bare service URL.`,
      { resource, ...audienceEdit(backend, service, exact) },
    ),
  ];
}
