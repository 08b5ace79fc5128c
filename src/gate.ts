import { explainFailure } from './gcp/errors.ts';
import { GoogleCloud } from './gcp/google-cloud.ts';
import { checkBackends } from './pipeline.ts';
import { applyPolicy, loadPolicy, searchProjects, serviceAccountFor } from './policy/index.ts';
import type { FailOn, Report } from './report/model.ts';
import { buildReport } from './report/verdict.ts';
import { readSpecFiles } from './spec/index.ts';
import type { Finding } from './types.ts';

/** Where the policy file is looked for when none is named. */
export const DEFAULT_POLICY_FILE = '.github/gateway-guard.yml';

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
  /** Without Google credentials: fail the gate (default), or report it as a notice and pass. */
  missingCredentials?: 'fail' | 'neutral';
  /** Extra sentence for the missing-credentials message, e.g. why a fork PR has none. */
  credentialsHint?: string;
  now?: Date;
}

/** The report of one run, and how many Google API calls it took. */
export interface GateResult {
  report: Report;
  callCount: number;
}

/** Reads the specs, checks every backend against Google, and returns the verdict. Never throws on bad input. */
export async function runGate(options: GateOptions): Promise<GateResult> {
  const google = new GoogleCloud({
    emulatorHost: options.emulatorHost,
    concurrency: options.concurrency,
    deadline: Date.now() + options.timeoutSeconds * 1000,
  });
  const now = options.now ?? new Date();
  const policy = await loadPolicy(options.policyFile ?? DEFAULT_POLICY_FILE, options.workspace, options.policyExplicit ?? false);
  const spec = await readSpecFiles(options.specPatterns, options.workspace);
  const noCredentials = spec.backends.length > 0 ? await google.credentialsProblem() : undefined;
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
      specFiles: spec.files,
      backends: [],
      findings: [...policy.findings, ...spec.findings, finding],
      failOn: options.failOn,
    });
    return { report, callCount: 0 };
  }
  const account = await resolveAccount(google, options.serviceAccount);
  const email = account.email;
  const outcome = email
    ? await checkBackends(spec.backends, {
        google,
        accountFor: (file) => serviceAccountFor(policy.policy, file, email),
        projects: searchProjects(options.projects, policy.policy),
        now,
        troubleshoot: options.troubleshoot ?? false,
      })
    : { backends: [], findings: [] };
  const report = buildReport({
    serviceAccount: email ?? options.serviceAccount,
    specFiles: spec.files,
    backends: outcome.backends,
    findings: [...policy.findings, ...applyPolicy([...spec.findings, ...account.findings, ...outcome.findings], policy.policy, now)],
    failOn: options.failOn,
  });
  return { report, callCount: google.callCount };
}

/** The gateway service account's email: as given, or read from IAM when given as a resource name. */
async function resolveAccount(google: GoogleCloud, given: string): Promise<{ email?: string; findings: Finding[] }> {
  if (!given.startsWith('projects/')) return { email: given, findings: [] };
  try {
    return { email: await google.iam.serviceAccountEmail(given), findings: [] };
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
