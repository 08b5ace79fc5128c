import type { AccessFacts } from '../iam/facts.ts';
import { whoHolds } from '../iam/evaluate.ts';
import { serviceOrigins } from '../resolve/cloud-run.ts';
import type { Target } from '../resolve/target.ts';
import type { Backend, Finding } from '../types.ts';
import { judgeUrlAudience, mintedAudience } from './audience.ts';
import { backendFinding, shellArg } from './finding.ts';
import { accountGrantFindings, mergeUnreadable, publicGrantFindings, publicUnknownFindings, type ResourceCommands } from './grants.ts';

export const RUN_INVOKE = 'run.routes.invoke';

type RunTarget = Extract<Target, { kind: 'cloud-run' }>;

/** gcloud commands that change the IAM policy of one Cloud Run service. */
export function runCommands(target: RunTarget): ResourceCommands {
  const service = target.resource.split('/').at(-1) ?? target.resource;
  const where = `${service} --project=${target.project} --region=${target.region}`;
  return {
    add: (member, role) => `gcloud run services add-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
    remove: (member, role) => `gcloud run services remove-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
  };
}

/** Every rule for a Cloud Run backend. Pure: the facts were gathered before. */
export function checkCloudRun(backend: Backend, target: RunTarget, access: AccessFacts, account: string, now: Date): Finding[] {
  const { service, resource } = target;
  const commands = runCommands(target);
  const shortName = resource.split('/').at(-1) ?? resource;
  const where = `${shortName} --project=${target.project} --region=${target.region}`;
  const answer = whoHolds(RUN_INVOKE, account, access, now);
  const findings: Finding[] = [];

  if (service.invokerIamDisabled) {
    findings.push(
      backendFinding(
        backend,
        'public-access',
        'error',
        `The Cloud Run invoker IAM check is disabled on ${resource}: anyone can call it, whatever its IAM policy says. Turn the check back on.`,
        { resource, fix: `gcloud run services update ${where} --invoker-iam-check` },
      ),
    );
  }
  findings.push(...publicGrantFindings(backend, resource, RUN_INVOKE, answer, commands));
  if (!service.invokerIamDisabled) findings.push(...publicUnknownFindings(backend, resource, answer));
  findings.push(
    ...accountGrantFindings(backend, resource, RUN_INVOKE, account, answer, {
      role: 'roles/run.invoker',
      fix: commands.add(`serviceAccount:${account}`, 'roles/run.invoker'),
    }),
  );

  if (service.ingress && service.ingress !== 'INGRESS_TRAFFIC_ALL' && service.ingress !== 'INGRESS_TRAFFIC_UNSPECIFIED') {
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `${resource} accepts only ${service.ingress === 'INGRESS_TRAFFIC_INTERNAL_ONLY' ? 'internal' : 'internal and Cloud Load Balancing'} traffic (ingress ${service.ingress}); API Gateway calls it from the internet, so its calls will be refused with 404. Allow all ingress, or put the gateway behind a load balancer.`,
        { resource, fix: `gcloud run services update ${where} --ingress=all` },
      ),
    );
  }
  if (service.defaultUriDisabled && /\.run\.app$/i.test(new URL(backend.address).hostname)) {
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `${resource} has its default run.app URL disabled, so ${backend.address} does not answer. Enable the default URL or point the backend at the service's custom domain.`,
        { resource, fix: `gcloud run services update ${where} --default-url` },
      ),
    );
  }

  if (backend.disableAuth) {
    findings.push(
      backendFinding(
        backend,
        'auth-disabled',
        'error',
        `disable_auth is true: the gateway sends no identity token to ${resource}, so the call only works if the service is public. Remove disable_auth and grant the gateway's service account roles/run.invoker.`,
        { resource, fix: commands.add(`serviceAccount:${account}`, 'roles/run.invoker') },
      ),
    );
  } else {
    const audience = mintedAudience(backend);
    const verdict = judgeUrlAudience(audience, serviceOrigins(service), service.customAudiences);
    if (verdict !== 'accepted') {
      const accepted = [...new Set(serviceOrigins(service)), ...service.customAudiences].join(', ') || 'none';
      findings.push(
        backendFinding(
          backend,
          'audience-mismatch',
          verdict === 'rejected' ? 'error' : 'warning',
          verdict === 'rejected'
            ? `The gateway will mint identity tokens for audience ${audience}, which ${resource} does not accept (it accepts ${accepted}). Set jwt_audience to the service URL, or add a custom audience.`
            : `The gateway will mint identity tokens for audience ${audience}, the service URL with a path; Google does not document whether Cloud Run accepts that. Set jwt_audience to the bare service URL.`,
          { resource },
        ),
      );
    }
  }
  return mergeUnreadable(findings);
}
