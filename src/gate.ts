import type { DeployedSource } from './deployed/index.ts';
import { explainFailure } from './gcp/errors.ts';
import type { GoogleCloud } from './gcp/google-cloud.ts';
import { DEFAULT_POLICY_FILE } from './policy/default-file.ts';
import { applyPolicy, loadPolicy, searchProjects, serviceAccountFor } from './policy/index.ts';
import type { FailOn, Report } from './report/model.ts';
import { redactDeep } from './report/redact.ts';
import { buildReport } from './report/verdict.ts';
import { readSpecFiles, type SpecText } from './spec/index.ts';
import { addressesIn } from './spec/prescan.ts';
import type { Resolution } from './pipeline.ts';
import type { TerraformStyle } from './report/fixes.ts';
import { projectScope } from './resolve/allowed.ts';
import type { Finding, SpecReadResult } from './types.ts';

/** Everything one run of the gate needs; shared by the action and the CLI. */
export interface GateOptions {
  /** Spec paths or globs, relative to `workspace`. */
  specPatterns: string[];
  workspace: string;
  /** Gateway service account: email, or `projects/P/serviceAccounts/ID` / `projects/P/accounts/ID`. */
  serviceAccount: string;
  projects: string[];
  failOn: FailOn;
  /** Policy file (exceptions, severity overrides), relative to `workspace`; default `.github/gateway-guard.yml`. */
  policyFile?: string;
  /** Whether the policy file was named on purpose (then it must exist). */
  policyExplicit?: boolean;
  /** `host:port` of the Google API emulator, if any. */
  emulatorHost?: string;
  concurrency: number;
  timeoutSeconds: number;
  /** Ask Policy Troubleshooter for a second opinion on each grant. */
  troubleshoot?: boolean;
  /** Read allow policies in bulk through Cloud Asset Inventory. */
  assetInventory?: boolean;
  /** Without Google credentials: fail the gate (default), or report it as a notice and pass. */
  missingCredentials?: 'fail' | 'neutral';
  /** Extra sentence for the missing-credentials message, e.g. why a fork PR has none. */
  credentialsHint?: string;
  now?: Date;
  /** Values that must never appear in the report (e.g. the GitHub token), besides credential-shaped text. */
  secrets?: string[];
  /** Deployed config, API or gateway to check instead of spec files (input `api-config`, CLI --api-config). */
  apiConfig?: string;
  /** Terraform/OpenTofu JSON plans (paths or globs relative to `workspace`): judge the state after apply. */
  terraformPlans?: string[];
  /** Projects (IDs or `shop-*` patterns) the action may look into; empty or absent = no restriction. */
  allowedProjects?: string[];
  /** Name group/user/domain members in public output (the JSON report always has them). */
  showMembers?: boolean;
}

/** The report of one run, and how many Google API calls it took. */
export interface GateResult {
  report: Report;
  callCount: number;
  /** Lines to log that are not findings (e.g. the service-account input was not the account checked). */
  notes: string[];
  /** Files findings point at that are not in the repository (documents of a planned API config). */
  outsideRepository?: string[];
  /** With a plan that holds IAM resources: how each finding's Terraform fix follows the repository's style. */
  terraformStyle?: (finding: Finding) => TerraformStyle | undefined;
}

/** Reads the specs, checks every backend against Google, and returns the verdict. Never throws on bad input. */
export async function runGate(options: GateOptions): Promise<GateResult> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  // The Google clients, their transport and the pipeline load only once something needs Google (one chunk,
  // src/online.ts): a spec with nothing to look up starts as fast as Node.
  const online = () => import('./online.ts');
  let google: GoogleCloud | undefined;
  const cloud = async (): Promise<GoogleCloud> =>
    (google ??= new (await online()).GoogleCloud({ emulatorHost: options.emulatorHost, concurrency: options.concurrency, deadline }));
  const now = options.now ?? new Date();
  const policy = await loadPolicy(options.policyFile ?? DEFAULT_POLICY_FILE, options.workspace, options.policyExplicit ?? false);
  // The plan stage (reader, changes, locator, API config, style) loads only when a plan is given.
  const planStage = options.terraformPlans?.length ? await import('./plan/stage.ts') : undefined;
  const plans = planStage ? await planStage.readPlanFiles(options.terraformPlans ?? [], options.workspace) : { plans: [], findings: [] };
  // Spec files, or (api-config) the documents of what is deployed, which takes Google to read, or (a plan
  // alone) the documents of the planned google_api_gateway_api_config.
  const fromPlan = !options.apiConfig && options.specPatterns.length === 0 && (options.terraformPlans?.length ?? 0) > 0;
  const allowed = projectScope(options.allowedProjects ?? [], policy.policy.allowedProjects, policy.policy.file);
  const projects = searchProjects(options.projects, policy.policy);
  // The addresses the spec texts name are looked up while the specs are parsed: the first round trip is on
  // the wire before the parse starts. The checks use that resolution when the parse finds the same addresses
  // (and start their own otherwise); every call is cached, so none is made twice either way.
  let resolution: Promise<Resolution> | undefined;
  const lookUpEarly = async (texts: SpecText[]): Promise<void> => {
    const declared = texts.flatMap(({ file, text }) => addressesIn(text).map((address) => ({ address, file })));
    if (declared.length === 0 || !options.serviceAccount || options.serviceAccount.startsWith('projects/')) return;
    try {
      const google = await cloud();
      if (await google.credentialsProblem()) return;
      const accountFor = (file: string) => serviceAccountFor(policy.policy, file, options.serviceAccount);
      resolution = (await online()).startResolution(declared, { google, accountFor, projects, allowedProjects: allowed.scope });
      resolution.catch(() => undefined);
    } catch {
      // Only a head start: whatever fails here fails again, and is reported, where the checks need it.
      return;
    }
    // Two turns of the event loop: the first requests get their sockets, which connect and send them.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  const spec = options.apiConfig || fromPlan ? undefined : await readSpecFiles(options.specPatterns, options.workspace, lookUpEarly);
  const noCredentials = !spec || spec.backends.length > 0 ? await (await cloud()).credentialsProblem() : undefined;
  if (noCredentials) {
    const neutral = options.missingCredentials === 'neutral';
    const finding: Finding = {
      rule: 'iam-unreadable',
      severity: neutral ? 'notice' : 'error',
      message:
        `The gate could not run: no Google credentials (${noCredentials}). Run google-github-actions/auth before this step ` +
        `(Workload Identity Federation needs \`permissions: id-token: write\`).${options.credentialsHint ? ` ${options.credentialsHint}` : ''}` +
        (neutral ? ' Reported as a notice because missing-credentials is neutral.' : ''),
    };
    const report = buildReport({
      serviceAccount: options.serviceAccount,
      specFiles: spec?.files ?? [],
      backends: [],
      findings: [...policy.findings, ...applyPolicy([...plans.findings, ...(spec?.findings ?? [])], policy.policy, now), finding],
      failOn: options.failOn,
      ...(options.terraformPlans?.length ? { terraformPlans: plans.plans.map((p) => p.file) } : {}),
    });
    return { report: redactDeep(report, options.secrets ?? []), callCount: 0, notes: [] };
  }
  const located = planStage ? await planStage.locatedChanges(plans.plans, options.workspace) : undefined;
  const planned = fromPlan && planStage ? await planStage.planBackends(await cloud(), plans.plans, options.workspace, options.serviceAccount) : undefined;
  const source = spec
    ? await localSource(cloud, spec, options.serviceAccount)
    : (planned ?? (await (await online()).deployedBackends(await cloud(), options.apiConfig ?? '', options.serviceAccount)));
  const outcome =
    source.backends.length > 0
      ? await (await online()).checkBackends(source.backends, {
          google: await cloud(),
          // The account a planned config runs as is a fact of the plan: the policy file's serviceAccounts does not replace it.
          accountFor: (file) => planned?.accountFor(file) || serviceAccountFor(policy.policy, file, source.accountFor(file)),
          projects,
          now,
          troubleshoot: options.troubleshoot ?? false,
          assetInventory: options.assetInventory ?? false,
          ...(located ? { planned: located.changes } : {}),
          ...(allowed.scope ? { allowedProjects: allowed.scope } : {}),
          ...(resolution ? { resolution } : {}),
        })
      : { backends: [], findings: [] };
  const report = buildReport({
    serviceAccount: source.serviceAccount,
    specFiles: source.files,
    backends: outcome.backends,
    findings: [...policy.findings, ...allowed.findings, ...applyPolicy([...plans.findings, ...source.findings, ...outcome.findings], policy.policy, now)],
    failOn: options.failOn,
    ...(options.terraformPlans?.length ? { terraformPlans: plans.plans.map((p) => p.file) } : {}),
  });
  // Google's error messages can echo request data; nothing credential-like leaves through the report.
  const terraformStyle = located && planStage?.terraformStyles(located.standing);
  return {
    report: redactDeep(report, options.secrets ?? []),
    callCount: google?.callCount ?? 0,
    notes: source.notes,
    outsideRepository: planned?.external ?? [],
    ...(terraformStyle ? { terraformStyle } : {}),
  };
}

/** Spec files checked as the service-account input: the same shape as a deployed source. */
async function localSource(cloud: () => Promise<GoogleCloud>, spec: SpecReadResult, serviceAccount: string): Promise<DeployedSource> {
  const account = await resolveAccount(cloud, serviceAccount);
  const email = account.email;
  // No account to check the backends for is never a pass: say so rather than drop them.
  const missing: Finding[] =
    !email && account.findings.length === 0 && spec.backends.length > 0
      ? [{ rule: 'iam-unreadable', severity: 'error', message: 'No gateway service account to check the backends for: set the `service-account` input (a terraform-plan\'s API config supplies it only when `spec` is not given).' }]
      : [];
  return {
    files: spec.files,
    backends: email ? spec.backends : [],
    findings: [...spec.findings, ...account.findings, ...missing],
    serviceAccount: email ?? serviceAccount,
    accountFor: () => email ?? '',
    configs: [],
    notes: [],
  };
}

/** The gateway service account's email: as given, or read from IAM when given as a resource name. */
async function resolveAccount(cloud: () => Promise<GoogleCloud>, given: string): Promise<{ email?: string; findings: Finding[] }> {
  if (!given.startsWith('projects/')) return { email: given, findings: [] };
  try {
    return { email: await (await cloud()).iam.serviceAccountEmail(given), findings: [] };
  } catch (err) {
    return {
      findings: [
        {
          rule: 'iam-unreadable',
          severity: 'error',
          message: `Could not resolve the gateway service account ${given} to its email: ${explainFailure(err, 'iam.serviceAccounts.get')}`,
        },
      ],
    };
  }
}
