import { checkAppEngine } from './checks/app-engine.ts';
import { checkCloudFunction } from './checks/cloud-functions.ts';
import { checkCloudRun } from './checks/cloud-run.ts';
import { backendFinding } from './checks/finding.ts';
import { describeGrant } from './checks/grants.ts';
import { applySecondOpinion, type AccessTuple } from './checks/second-opinion.ts';
import { whoHolds } from './iam/evaluate.ts';
import type { AccessFacts } from './iam/facts.ts';
import { unresolvedTargetFindings } from './checks/target.ts';
import { explainFailure } from './gcp/errors.ts';
import { gatherFacts, gatherFactsInBulk, iapResources, type BackendFacts } from './facts.ts';
import { ancestorPolicies, rolePrefetcher } from './iam/gather.ts';
import type { GoogleCloud } from './gcp/google-cloud.ts';
import type { BackendResult } from './report/model.ts';
import { classifyAddress, type AddressInfo } from './resolve/address.ts';
import { resolveAll } from './resolve/plan.ts';
import { withinAllowedProjects, type ProjectScope, type ScopedAddresses } from './resolve/allowed.ts';
import type { ResolvedTarget, Target } from './resolve/target.ts';
import type { Backend, BackendKind, Finding } from './types.ts';
import { loadCelFor } from './iam/cel-engine.ts';
import { PlanOverlay } from './plan/apply.ts';
import type { PlannedChange } from './plan/changes.ts';

/** What the checks need besides the backends. */
export interface CheckContext {
  google: GoogleCloud;
  /** The gateway service account for a spec file. */
  accountFor: (file: string) => string;
  /** Projects to search for addresses that do not name theirs. */
  projects: string[];
  now: Date;
  /** Ask Policy Troubleshooter for a second opinion on each grant. */
  troubleshoot?: boolean;
  /** Read allow policies in bulk through Cloud Asset Inventory. */
  assetInventory?: boolean;
  /** Changes of Terraform plans: judge the state after apply. */
  planned?: PlannedChange[];
  /** Projects the run may look into (none: no restriction). */
  allowedProjects?: ProjectScope;
  /** A resolution started before the specs were parsed (see {@link startResolution}); used when it fits. */
  resolution?: Promise<Resolution>;
}

/** The addresses of a run being resolved: scoped to the allowed projects, each looked up once. */
export interface Resolution {
  /** The accounts and projects it was started for: checks may use it only for the same. */
  key: string;
  /** The addresses it resolves (the checked backends' must be exactly these). */
  infos: Map<string, AddressInfo>;
  accounts: string[];
  scoped: ScopedAddresses;
  live: Map<string, Promise<Target>>;
}

type ResolutionContext = Pick<CheckContext, 'google' | 'accountFor' | 'projects' | 'allowedProjects'>;

/**
 * Starts resolving `declared` (addresses with the spec file each is in): addresses outside the allowed
 * projects are decided without any Google call and searches stay inside; every other address is resolved
 * together (src/resolve/plan.ts), and the policies, ancestors and roles of a project known to host backends
 * are read while the backends themselves are being found. Every read is cached for the run.
 */
export async function startResolution(declared: Array<Pick<Backend, 'address' | 'file'>>, ctx: ResolutionContext): Promise<Resolution> {
  const infos = new Map(declared.map((b) => [b.address, classifyAddress(b.address)] as const));
  const accounts = accountsOf(declared, ctx);
  const scoped = await withinAllowedProjects(ctx.google, ctx.allowedProjects, infos, ctx.projects);
  const inScope = new Map([...infos].filter(([address]) => !scoped.refused.has(address)));
  const live = resolveAll(ctx.google, inScope, scoped.projects, (project) => void ancestorPolicies(ctx.google, project, rolePrefetcher(ctx.google, accounts)));
  // A resolution the checks do not use is awaited by nobody: a failure in it must not end the run unhandled.
  for (const target of live.values()) target.catch(() => undefined);
  return { key: resolutionKey(accounts, ctx), infos, accounts, scoped, live };
}

/** The gateway accounts the backends of these spec files are checked for. */
function accountsOf(declared: Array<Pick<Backend, 'file'>>, ctx: ResolutionContext): string[] {
  return [...new Set(declared.map((b) => ctx.accountFor(b.file)))];
}

function resolutionKey(accounts: string[], ctx: ResolutionContext): string {
  return JSON.stringify([[...accounts].sort(), ctx.projects, ctx.allowedProjects ?? null]);
}

/**
 * Whether `started` serves `backends`: the same accounts and projects, and exactly the same addresses, since
 * resolving one address depends on the others (a hash-style URL is searched in the projects the others name;
 * the allow-list's refusal of hash URLs asks whether another names a project). Otherwise the checks resolve
 * their own addresses, and what was read for the others only saves calls.
 */
function serves(started: Resolution | undefined, backends: Backend[], ctx: ResolutionContext): started is Resolution {
  const addresses = new Set(backends.map((b) => b.address));
  return started?.key === resolutionKey(accountsOf(backends, ctx), ctx) && started.infos.size === addresses.size && [...addresses].every((a) => started.infos.has(a));
}

/** Findings and per-declaration results for every backend. */
export interface CheckOutcome {
  backends: BackendResult[];
  findings: Finding[];
}

/** Resolves every distinct address once, gathers each resource's IAM facts once, and applies the rules. */
export async function checkBackends(backends: Backend[], ctx: CheckContext): Promise<CheckOutcome> {
  // The resolution started before the specs were parsed, when it serves these backends.
  const started = await ctx.resolution?.catch(() => undefined);
  const { infos, accounts, scoped, live } = serves(started, backends, ctx) ? started : await startResolution(backends, ctx);
  // A plan changes what the resolved targets will be after apply (created, changed or deleted backends).
  const plan = ctx.planned ? new PlanOverlay(ctx.google, ctx.planned, accounts) : undefined;
  const targets = new Map<string, Promise<Target>>();
  for (const [address, info] of infos) {
    const refused = scoped.refused.get(address);
    const target = live.get(address);
    if (refused || !target) targets.set(address, Promise.resolve(refused ?? { kind: 'unreadable', backendKind: 'unknown', message: 'The address was not resolved (an internal error): the gate fails closed.' }));
    else targets.set(address, plan ? target.then((t) => plan.target(t, info)) : target);
  }

  // Asset-inventory mode waits for every address to resolve, then reads their policies 20 at a time.
  const bulk = lazy(async () => {
    const resolved = (await Promise.all(targets.values())).filter((t): t is ResolvedTarget => 'resource' in t);
    return gatherFactsInBulk(ctx.google, resolved, accounts);
  });
  const factsByResource = new Map<string, Promise<BackendFacts>>();
  const factsOf = (target: ResolvedTarget): Promise<BackendFacts> => {
    let facts = factsByResource.get(target.resource);
    if (!facts) {
      facts = ctx.assetInventory
        ? bulk().then((found) => found.get(target.resource) ?? gatherFacts(ctx.google, target, accounts))
        : gatherFacts(ctx.google, target, accounts);
      if (plan) facts = facts.then((live) => plan.facts(live, target));
      // The CEL engine loads only when these facts hold a condition (before any check reads one).
      facts = facts.then(async (final) => {
        await loadCelFor(final);
        return final;
      });
      factsByResource.set(target.resource, facts);
    }
    return facts;
  };

  const perBackend = await Promise.all(
    backends.map(async (backend) => {
      const target = await (targets.get(backend.address) as Promise<Target>);
      const account = ctx.accountFor(backend.file);
      let findings = await checkOne(backend, target, account, ctx.now, factsOf);
      const transport = infos.get(backend.address)?.transportProblem;
      if (transport) findings = [...findings, transportFinding(backend, transport, 'resource' in target ? target.resource : undefined)];
      const facts = plan && 'resource' in target ? await factsOf(target) : undefined;
      if (ctx.troubleshoot && 'resource' in target && plan?.restsOnPlan(target, facts, account)) {
        findings = plan.withoutSecondOpinion(findings, target, facts);
      } else if (ctx.troubleshoot && 'resource' in target) {
        findings = await secondOpinion(ctx.google, backend, target, account, findings, (await factsOf(target)).access, ctx.now);
      }
      if (plan) findings = plan.annotate(findings, target, facts, account);
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

async function checkOne(
  backend: Backend,
  target: Target,
  account: string,
  now: Date,
  factsOf: (t: ResolvedTarget) => Promise<BackendFacts>,
): Promise<Finding[]> {
  switch (target.kind) {
    case 'cloud-run':
      return checkCloudRun(backend, target, (await factsOf(target)).access, account, now);
    case 'cloud-functions':
      return checkCloudFunction(backend, target, await factsOf(target), account, now);
    case 'app-engine':
      return checkAppEngine(backend, target, (await factsOf(target)).access, account, now);
    default:
      return unresolvedTargetFindings(backend, target);
  }
}

async function secondOpinion(
  google: GoogleCloud,
  backend: Backend,
  target: ResolvedTarget,
  account: string,
  findings: Finding[],
  access: AccessFacts,
  now: Date,
): Promise<Finding[]> {
  const tuple = accessTuple(target);
  const answer = await google.troubleshooter
    .troubleshoot(account, tuple.fullResourceName, tuple.permission)
    .catch((err: unknown) => ({ error: explainFailure(err, 'read access to the policies it explains (Policy Troubleshooter reads them as the caller)') }));
  const ours = whoHolds(tuple.permission, account, access, now).direct[0];
  return applySecondOpinion(backend, findings, tuple, account, answer, ours ? describeGrant(ours) : undefined);
}

/** The grant that decides a call, in Policy Troubleshooter's terms. */
export function accessTuple(target: ResolvedTarget): AccessTuple {
  switch (target.kind) {
    case 'cloud-run':
      return { fullResourceName: `//run.googleapis.com/${target.resource}`, permission: 'run.routes.invoke', missingRule: 'missing-invoker' };
    case 'cloud-functions':
      return target.serviceName
        ? { fullResourceName: `//run.googleapis.com/${target.serviceName}`, permission: 'run.routes.invoke', missingRule: 'missing-invoker' }
        : { fullResourceName: `//cloudfunctions.googleapis.com/${target.resource}`, permission: 'cloudfunctions.functions.invoke', missingRule: 'missing-invoker' };
    case 'app-engine':
      return {
        fullResourceName: `//iap.googleapis.com/${iapResources(target).at(-3) ?? ''}`,
        permission: 'iap.webServiceVersions.accessViaIAP',
        missingRule: 'missing-iap-access',
      };
  }
}

/** The address's host is Google's, but API Gateway cannot call it as written. */
function transportFinding(backend: Backend, problem: string, resource: string | undefined): Finding {
  return backendFinding(backend, 'unreachable-backend', 'warning', `${backend.address} cannot be called as written: ${problem}.`, resource ? { resource } : {});
}

function kindOf(target: Target, info: AddressInfo | undefined): BackendKind {
  switch (target.kind) {
    case 'cloud-run':
    case 'cloud-functions':
    case 'app-engine':
      return target.kind;
    case 'not-found':
    case 'unreadable':
      return target.backendKind;
    default:
      return info && info.kind !== 'unknown' ? info.kind : 'unknown';
  }
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}
