import type { ApiGatewayApi } from '../gcp/api-gateway.ts';
import { explainFailure } from '../gcp/errors.ts';
import type { IamApi } from '../gcp/iam.ts';
import { parseSpec } from '../spec/index.ts';
import type { Backend, Finding } from '../types.ts';
import { loadDeployed, type DeployedConfig } from './load.ts';

/** The clients deployed checks use (a GoogleCloud once `apiGateway` is wired in). */
export interface DeployedClients {
  apiGateway: ApiGatewayApi;
  iam: Pick<IamApi, 'serviceAccountEmail'>;
}

/** Backends of what is live, ready for `checkBackends`: the deployed counterpart of `readSpecFiles`. */
export interface DeployedSource {
  /** Document files, `apis/API/configs/CONFIG/PATH` (see {@link documentFile}). */
  files: string[];
  /** Backends of configs whose gateway service account is known; `file` is the document file. */
  backends: Backend[];
  /** invalid-spec (documents, names), iam-unreadable (configs, service accounts), unsupported-backend (gRPC). */
  findings: Finding[];
  /** Gateway service account email(s) for the report, comma-separated when configs differ. */
  serviceAccount: string;
  /** The service account email of the config a document file belongs to (for `CheckContext.accountFor`). */
  accountFor: (file: string) => string;
  /** Full names of the configs read. */
  configs: string[];
  /** Things worth a log line that are not findings (e.g. the service-account input was not used). */
  notes: string[];
}

/**
 * Reads the deployed config(s) behind `name` (config, API or gateway) and parses every OpenAPI document.
 * The gateway service account is the config's own (what is live); `fallbackAccount` (the service-account
 * input) serves configs that declare none. Resource names (`projects/P/serviceAccounts/ID` or
 * `projects/P/accounts/ID`) are resolved to the email through IAM. Never throws for bad input or Google errors.
 */
export async function deployedBackends(google: DeployedClients, name: string, fallbackAccount?: string): Promise<DeployedSource> {
  const read = await loadDeployed(google.apiGateway, name);
  const findings: Finding[] = [...read.findings];
  const files: string[] = [];
  const backends: Backend[] = [];
  const notes: string[] = [];
  const accountByFile = new Map<string, string>();
  const emails = new Set<string>();
  const fallback = fallbackAccount?.trim() || undefined;

  const accounts = await Promise.all(read.configs.map((config) => accountOf(google, config, fallback)));
  read.configs.forEach((config, index) => {
    const account = accounts[index]!;
    if ('finding' in account) findings.push(account.finding);
    else {
      emails.add(account.email);
      if (fallback && config.serviceAccount && !sameAccount(fallback, config.serviceAccount, account.email)) {
        notes.push(
          `API config ${config.name} runs as ${account.email}: that is the account checked, not the service-account input (${fallback}), which only serves configs without a gatewayServiceAccount.`,
        );
      }
    }
    const used = new Set<string>();
    config.documents.forEach((document, i) => {
      const file = uniqueFile(documentFile(config.name, document.path, i), used);
      files.push(file);
      const parsed = parseSpec(document.text, file);
      findings.push(...parsed.findings);
      if ('email' in account) {
        accountByFile.set(file, account.email);
        backends.push(...parsed.backends);
      }
    });
  });

  return {
    files,
    backends,
    findings,
    serviceAccount: emails.size > 0 ? [...emails].sort().join(', ') : (fallback ?? read.configs.find((c) => c.serviceAccount)?.serviceAccount ?? ''),
    accountFor: (file) => accountByFile.get(file) ?? '',
    configs: read.configs.map((c) => c.name),
    notes,
  };
}

type AccountOutcome = { email: string } | { finding: Finding };

async function accountOf(google: DeployedClients, config: DeployedConfig, fallback: string | undefined): Promise<AccountOutcome> {
  const given = config.serviceAccount ?? fallback;
  if (!given) {
    return {
      finding: {
        rule: 'iam-unreadable',
        severity: 'error',
        resource: config.name,
        message: `API config ${config.name} declares no gatewayServiceAccount, so its backends are not checked: give the service account the gateway calls them as (input \`service-account\`, CLI --service-account).`,
      },
    };
  }
  if (!given.startsWith('projects/')) return { email: given };
  try {
    return { email: await google.iam.serviceAccountEmail(given) };
  } catch (err) {
    const project = given.split('/')[1] ?? 'PROJECT';
    const source = config.serviceAccount ? `the gatewayServiceAccount of API config ${config.name}` : 'the service-account input';
    return {
      finding: {
        rule: 'iam-unreadable',
        severity: 'error',
        resource: config.name,
        message: `Could not resolve ${given} (${source}) to its email, so the backends of ${config.name} are not checked: ${explainFailure(err, 'iam.serviceAccounts.get')}`,
        fix: `gcloud projects add-iam-policy-binding ${project} --member=IDENTITY_RUNNING_THE_CHECK --role=roles/iam.serviceAccountViewer`,
      },
    };
  }
}

function sameAccount(input: string, configured: string, email: string): boolean {
  const norm = (s: string) => s.trim().toLowerCase().replace(/^projects\/([^/]+)\/accounts\//, 'projects/$1/serviceaccounts/');
  return norm(input) === norm(configured) || norm(input) === norm(email);
}

/**
 * Where findings in a deployed document point: `apis/API/configs/CONFIG/PATH`, the config's short name
 * followed by the document's upload path (leading `/`, `.` and `..` segments dropped), so documents of
 * different configs never collide and a reader sees at once that the file is the deployed one.
 */
export function documentFile(configName: string, documentPath: string, index = 0): string {
  const m = /(?:^|\/)apis\/([^/]+)\/configs\/([^/]+)$/.exec(configName);
  const prefix = m ? `apis/${m[1]}/configs/${m[2]}` : configName.replace(/^\/+/, '');
  const segments = documentPath.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  const rest = segments.length > 0 ? segments.join('/') : `document-${index + 1}`;
  return `${prefix}/${rest}`;
}

function uniqueFile(file: string, used: Set<string>): string {
  let candidate = file;
  for (let n = 2; used.has(candidate); n++) candidate = `${file}~${n}`;
  used.add(candidate);
  return candidate;
}
