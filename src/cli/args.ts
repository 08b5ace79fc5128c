/** Command line of `gateway-guard`: parsed and validated, or a UsageError with a one-line message. */
import { parseArgs } from 'node:util';
import { invalidProjectPatterns } from '../resolve/allowed.ts';
import { deployedNameProblem, isDeployedName } from '../deployed/name.ts';
import type { FailOn } from '../report/model.ts';
import { DEFAULT_POLICY_FILE } from '../policy/default-file.ts';
import { splitList } from '../spec/list.ts';

/** Output formats of `check`. */
export type OutputFormat = 'text' | 'json' | 'sarif';

/** A validated `check` command. */
export interface CheckCommand {
  command: 'check';
  /** Spec paths or globs as given, relative to the current directory. */
  specs: string[];
  /** Empty when not given (then `apiConfig` is set). */
  serviceAccount: string;
  /** Empty when not given. */
  apiConfig: string;
  projects: string[];
  /** Policy file, relative to the current directory. */
  policyFile: string;
  /** Whether `--policy` was given (then the file must exist). */
  policyExplicit: boolean;
  failOn: FailOn;
  format: OutputFormat;
  concurrency: number;
  timeoutSeconds: number;
  /** `--troubleshoot`: ask Policy Troubleshooter for a second opinion. */
  troubleshoot: boolean;
  /** `--asset-inventory`: read policies in bulk through Cloud Asset Inventory. */
  assetInventory: boolean;
  /** `--terraform-plan FILE` (repeatable): Terraform/OpenTofu JSON plans. */
  terraformPlans: string[];
  /** `--allowed-projects P` (repeatable, comma-separated): projects the check may look into. */
  allowedProjects: string[];
  /** `--show-members`: name group/user/domain members in the text output. */
  showMembers: boolean;
  /** `--color` / `--no-color`; undefined = decide from the terminal and NO_COLOR / FORCE_COLOR. */
  color?: boolean;
}

/** What the command line asks for. */
export type Command = { command: 'help' } | { command: 'version' } | CheckCommand;

/** Bad command line: the message is one line, without "see --help" (the caller adds it). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The policy file read when `--policy` is not given (a missing one is fine), as in the action. */

const OPTIONS = {
  'service-account': { type: 'string', short: 's' },
  project: { type: 'string', short: 'p', multiple: true },
  'api-config': { type: 'string' },
  'fail-on': { type: 'string' },
  policy: { type: 'string' },
  format: { type: 'string', short: 'f' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  color: { type: 'boolean' },
  troubleshoot: { type: 'boolean' },
  'asset-inventory': { type: 'boolean' },
  'terraform-plan': { type: 'string', multiple: true },
  'allowed-projects': { type: 'string', multiple: true },
  'show-members': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Parses `argv` (without node and the script). Throws UsageError. */
export function parseCommandLine(argv: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; allowNegative: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('no command given: write `gateway-guard check SPEC... --service-account SA`');
  if (command === 'help') return { command: 'help' };
  if (command === 'version') return { command: 'version' };
  if (command !== 'check') {
    const looksLikeSpec = /\.(ya?ml|json)$/i.test(command);
    throw new UsageError(
      looksLikeSpec
        ? `unknown command ${JSON.stringify(command)}: did you mean \`gateway-guard check ${command} ...\`?`
        : `unknown command ${JSON.stringify(command)}; the command is \`check\``,
    );
  }

  const specs = rest.filter((s) => s.trim() !== '');
  const serviceAccount = (values['service-account'] ?? '').trim();
  const apiConfig = (values['api-config'] ?? '').trim();
  const terraformPlans = (values['terraform-plan'] ?? []).map((p) => p.trim()).filter((p) => p !== '');
  if (specs.length === 0 && !apiConfig && terraformPlans.length === 0) {
    throw new UsageError('give the OpenAPI file(s) to check (SPEC...), a deployed config with --api-config, or a plan with --terraform-plan');
  }
  if (specs.length > 0 && apiConfig) {
    throw new UsageError(`give SPEC file(s) or --api-config, not both (got ${specs.length} SPEC argument(s) and --api-config)`);
  }
  if (apiConfig && !isDeployedName(apiConfig)) throw new UsageError(deployedNameProblem(apiConfig, '--api-config'));
  if (!serviceAccount && !apiConfig && terraformPlans.length === 0) {
    throw new UsageError(
      "--service-account is required with SPEC files: the email of the gateway's service account, e.g. gw@my-project.iam.gserviceaccount.com",
    );
  }
  if (serviceAccount && !isServiceAccount(serviceAccount)) {
    throw new UsageError(
      `--service-account must be a service account email (name@project.iam.gserviceaccount.com) or projects/PROJECT/serviceAccounts/ID; got ${JSON.stringify(serviceAccount.slice(0, 100))}`,
    );
  }
  const projects = (values.project ?? []).flatMap((p) => splitList(p));
  for (const project of projects) {
    if (!/^([a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20}|[a-z0-9.:-]+:[a-z][a-z0-9-]{4,28}[a-z0-9])$/.test(project)) {
      throw new UsageError(`--project must be a project ID such as shop-prod (or a project number); got ${JSON.stringify(project.slice(0, 100))}`);
    }
  }
  const policy = values.policy?.trim();
  if (policy === '') throw new UsageError('--policy needs a file name');
  return {
    command: 'check',
    specs,
    serviceAccount,
    apiConfig,
    projects,
    policyFile: policy ?? DEFAULT_POLICY_FILE,
    policyExplicit: policy !== undefined,
    failOn: oneOf(values['fail-on'], '--fail-on', ['error', 'warning', 'never'] as const, 'error'),
    format: oneOf(values.format, '--format', ['text', 'json', 'sarif'] as const, 'text'),
    concurrency: integer(values.concurrency, '--concurrency', 16, 1, 256),
    timeoutSeconds: integer(values.timeout, '--timeout', 300, 1, 21_600),
    troubleshoot: values.troubleshoot === true,
    assetInventory: values['asset-inventory'] === true,
    terraformPlans,
    allowedProjects: projectPatterns((values['allowed-projects'] ?? []).flatMap((p) => splitList(p))),
    showMembers: values['show-members'] === true,
    ...(values.color !== undefined ? { color: values.color } : {}),
  };
}

/** Node's parseArgs messages, shortened to one line that names the option. */
function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const option = /'(-[^']*?)'/.exec(message)?.[1]?.replace(/^-\w, /, '').replace(/ <value>$/, '');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `option ${option} does not take a value`;
      if (/ambiguous/.test(message)) return `option ${option} needs a value (write ${option}=VALUE for a value that starts with "-")`;
      return `option ${option ?? ''} needs a value`.trim();
    default:
      return message.split('\n')[0] ?? message;
  }
}

function projectPatterns(patterns: string[]): string[] {
  const bad = invalidProjectPatterns(patterns);
  if (bad.length > 0) throw new UsageError(`--allowed-projects takes project IDs or patterns with * (e.g. shop-prod, shop-*); got ${JSON.stringify((bad[0] ?? '').slice(0, 100))}`);
  return patterns;
}

function isServiceAccount(value: string): boolean {
  return /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/i.test(value) || /^projects\/[^/\s]+\/(serviceAccounts|accounts)\/[^/\s]+$/.test(value);
}

function oneOf<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  const value = raw.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(raw.slice(0, 100))}`);
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw.slice(0, 100))}`);
  }
  return n;
}
