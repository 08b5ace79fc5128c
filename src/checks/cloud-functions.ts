import type { FunctionTarget } from '../resolve/target.ts';
import type { BackendFacts } from '../facts.ts';
import { whoHolds } from '../iam/evaluate.ts';
import type { Backend, Finding } from '../types.ts';
import { RUN_INVOKE, runAudienceFindings, runServiceAccessFindings } from './cloud-run.ts';
import { mintedAudience } from './audience.ts';
import { authDisabledFindings, backendFinding, shellArg } from './finding.ts';
import { accountGrantFindings, mergeUnreadable, publicGrantFindings, publicUnknownFindings, type ResourceCommands } from './grants.ts';

const FUNCTIONS_INVOKE = 'cloudfunctions.functions.invoke';

/** `NAME --project=P --region=R` for gcloud functions commands. */
function functionArgs(name: string): string {
  const [, project = '', , region = '', , fn = ''] = name.split('/');
  return `${fn} --project=${project} --region=${region}`;
}

function functionCommands(name: string): ResourceCommands {
  const where = functionArgs(name);
  return {
    add: (member, role) => `gcloud functions add-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
    remove: (member, role) => `gcloud functions remove-iam-policy-binding ${where} --member=${shellArg(member)} --role=${role}`,
  };
}

/** Every rule for a Cloud Functions backend, 1st or 2nd gen. Pure. */
export function checkCloudFunction(backend: Backend, target: FunctionTarget, facts: BackendFacts, account: string, now: Date): Finding[] {
  const { fn, resource } = target;
  const member = `serviceAccount:${account}`;
  const findings: Finding[] = [];
  if (target.service) {
    const fix = `gcloud functions add-invoker-policy-binding ${functionArgs(fn.name)} --member=${shellArg(member)}`;
    const oldStyle = facts.functionAccess ? whoHolds(FUNCTIONS_INVOKE, account, facts.functionAccess, now).direct : [];
    const note = oldStyle.length
      ? `It holds ${oldStyle[0]?.role} on ${oldStyle[0]?.resource}, which grants ${FUNCTIONS_INVOKE}: that authorizes 1st-gen functions only. A 2nd-gen function is called through its Cloud Run service ${target.serviceName}, which needs ${RUN_INVOKE} (roles/run.invoker).`
      : `A 2nd-gen function is called through its Cloud Run service ${target.serviceName}, so the grant belongs there.`;
    const on = `${target.serviceName} (the Cloud Run service of the 2nd-gen function ${fn.name})`;
    findings.push(...runServiceAccessFindings(backend, resource, target.service, facts.access, account, now, { fix, note, on, grantOn: target.serviceName }));
    if (!findings.some((f) => f.rule === 'unreachable-backend')) findings.push(...ingressFindings(backend, resource, fn));
    findings.push(...authDisabledFindings(backend, resource, fix));
    if (!backend.disableAuth) findings.push(...runAudienceFindings(backend, resource, target.service, fn.url ? [fn.url] : []));
  } else {
    const commands = functionCommands(fn.name);
    const fix = commands.add(member, 'roles/cloudfunctions.invoker');
    const answer = whoHolds(FUNCTIONS_INVOKE, account, facts.access, now);
    findings.push(...publicGrantFindings(backend, resource, FUNCTIONS_INVOKE, answer, commands));
    findings.push(...publicUnknownFindings(backend, resource, answer));
    findings.push(...accountGrantFindings(backend, resource, FUNCTIONS_INVOKE, account, answer, { role: 'roles/cloudfunctions.invoker', fix }));
    findings.push(...ingressFindings(backend, resource, fn));
    findings.push(...authDisabledFindings(backend, resource, fix));
    if (!backend.disableAuth && fn.url) findings.push(...gen1AudienceFindings(backend, resource, fn.url));
  }
  if (fn.eventType) {
    findings.push(
      backendFinding(
        backend,
        'unreachable-backend',
        'warning',
        `${resource} is triggered by events (${fn.eventType}), not HTTP: it has no URL the gateway can call. Point the backend at an HTTP function.`,
        { resource },
      ),
    );
  }
  return mergeUnreadable(findings);
}

/** `unreachable-backend` when the function takes only internal (or load-balancer) traffic. */
function ingressFindings(backend: Backend, resource: string, fn: FunctionTarget['fn']): Finding[] {
  const ingress = fn.ingressSettings;
  if (ingress !== 'ALLOW_INTERNAL_ONLY' && ingress !== 'ALLOW_INTERNAL_AND_GCLB') return [];
  return [
    backendFinding(
      backend,
      'unreachable-backend',
      'warning',
      `${resource} accepts only internal${ingress === 'ALLOW_INTERNAL_AND_GCLB' ? ' and Cloud Load Balancing' : ''} traffic (ingress ${ingress}); API Gateway calls it from outside your network, so its calls will be refused. Allow all ingress.`,
      { resource, fix: `gcloud functions deploy ${functionArgs(fn.name)} --ingress-settings=all` },
    ),
  ];
}

/** A 1st-gen function accepts exactly its URL as audience. */
function gen1AudienceFindings(backend: Backend, resource: string, url: string): Finding[] {
  const audience = mintedAudience(backend);
  if (audience.replace(/\/$/, '') === url.replace(/\/$/, '')) return [];
  return [
    backendFinding(
      backend,
      'audience-mismatch',
      'error',
      `The gateway will mint identity tokens for audience ${audience}, but a 1st-gen function accepts only its URL ${url}. Set jwt_audience: ${url}.`,
      { resource, specEdit: { field: 'jwtAudience', value: url } },
    ),
  ];
}
