import { checkCloudRun } from './checks/cloud-run.ts';
import { unresolvedTargetFindings } from './checks/target.ts';
import type { GoogleCloud } from './gcp/google-cloud.ts';
import type { AccessFacts } from './iam/facts.ts';
import { ancestorPolicies, readPolicy, withRoles } from './iam/gather.ts';
import type { BackendResult } from './report/model.ts';
import { classifyAddress, namedProject, type AddressInfo } from './resolve/address.ts';
import { resolveCloudRun } from './resolve/cloud-run.ts';
import type { Target } from './resolve/target.ts';
import type { Backend, BackendKind, Finding } from './types.ts';

/** What the checks need besides the backends. */
export interface CheckContext {
  google: GoogleCloud;
  /** The gateway service account for each spec file (by file), falling back to `defaultAccount`. */
  accountFor: (file: string) => string;
  /** Projects to search for addresses that do not name theirs. */
  projects: string[];
  now: Date;
}

/** Findings and per-declaration results for every backend. */
export interface CheckOutcome {
  backends: BackendResult[];
  findings: Finding[];
}

/** Resolves every address, gathers the IAM facts once per resource, and applies the rules. */
export async function checkBackends(backends: Backend[], ctx: CheckContext): Promise<CheckOutcome> {
  const addresses = [...new Set(backends.map((b) => b.address))];
  const infos = new Map(addresses.map((a) => [a, classifyAddress(a)] as const));
  const candidates = await candidateProjects(ctx, [...infos.values()]);
  const targets = new Map<string, Promise<Target>>();
  for (const [address, info] of infos) targets.set(address, resolveTarget(ctx.google, info, candidates));

  const accounts = [...new Set(backends.map((b) => ctx.accountFor(b.file)))];
  const accessByResource = new Map<string, Promise<AccessFacts>>();
  const accessOf = (target: Extract<Target, { resource: string }>): Promise<AccessFacts> => {
    let access = accessByResource.get(target.resource);
    if (!access) {
      access = gatherAccess(ctx.google, target, accounts);
      accessByResource.set(target.resource, access);
    }
    return access;
  };

  const perBackend = await Promise.all(
    backends.map(async (backend) => {
      const target = await (targets.get(backend.address) as Promise<Target>);
      const account = ctx.accountFor(backend.file);
      const findings =
        target.kind === 'cloud-run'
          ? checkCloudRun(backend, target, await accessOf(target), account, ctx.now)
          : unresolvedTargetFindings(backend, target);
      const result: BackendResult = {
        address: backend.address,
        kind: kindOf(target, infos.get(backend.address)),
        operations: backend.operations,
        file: backend.file,
        line: backend.line,
        status: 'pass',
        ...('resource' in target ? { resource: target.resource } : {}),
      };
      return { result, findings };
    }),
  );
  return { backends: perBackend.map((p) => p.result), findings: perBackend.flatMap((p) => p.findings) };
}

function resolveTarget(google: GoogleCloud, info: AddressInfo, candidates: string[]): Promise<Target> {
  switch (info.kind) {
    case 'cloud-run':
      return resolveCloudRun(google, info, candidates);
    case 'cloud-functions':
      return Promise.resolve({ kind: 'unsupported', message: `${info.origin} is a Cloud Functions address, not yet verified` });
    case 'app-engine':
      return Promise.resolve({ kind: 'unsupported', message: `${info.origin} is an App Engine address, not yet verified` });
    case 'unknown':
      return Promise.resolve({ kind: 'unsupported', message: `The address is not verifiable: ${info.reason}` });
  }
}

async function gatherAccess(google: GoogleCloud, target: Extract<Target, { resource: string }>, accounts: string[]): Promise<AccessFacts> {
  const [own, ancestors] = await Promise.all([
    readPolicy(target.resource, 'resource', 'run.services.getIamPolicy', () => google.run.iamPolicy(target.resource)),
    ancestorPolicies(google, target.project),
  ]);
  return withRoles(google, [own, ...ancestors.policies], accounts, ancestors.ancestryError);
}

/** The `project` input's projects, then those other addresses name (numbers turned into IDs where readable). */
async function candidateProjects(ctx: CheckContext, infos: AddressInfo[]): Promise<string[]> {
  if (!infos.some((i) => i.kind === 'cloud-run' && i.form === 'hash')) return ctx.projects;
  const named = infos.map(namedProject).filter((p): p is string => p !== undefined);
  const ids = await Promise.all(
    named.map(async (p) => (/^\d+$/.test(p) ? await ctx.google.resourceManager.project(p).then((info) => info.projectId, () => p) : p)),
  );
  return [...new Set([...ctx.projects, ...ids])];
}

function kindOf(target: Target, info: AddressInfo | undefined): BackendKind {
  if (target.kind === 'cloud-run') return 'cloud-run';
  if (target.kind === 'not-found' || target.kind === 'unreadable') return target.backendKind;
  return info && info.kind !== 'unknown' ? info.kind : 'unknown';
}
