import { deployedNameProblem, isDeployedName } from './deployed/name.ts';
import { invalidProjectPatterns } from './resolve/allowed.ts';
import { DEFAULT_POLICY_FILE } from './policy/default-file.ts';
import { splitList } from './spec/list.ts';
import type { FailOn } from './report/model.ts';

/** The action's inputs, validated. */
export interface ActionInputs {
  specPatterns: string[];
  serviceAccount: string;
  apiConfig: string;
  projects: string[];
  failOn: FailOn;
  comment: boolean;
  githubToken: string;
  policyFile: string;
  policyFileExplicit: boolean;
  sarifFile: string;
  troubleshoot: boolean;
  assetInventory: boolean;
  concurrency: number;
  timeoutSeconds: number;
  missingCredentials: 'fail' | 'neutral';
  /** Terraform/OpenTofu JSON plans (paths or globs). */
  terraformPlans: string[];
  /** Projects (IDs or `shop-*` patterns) the action may look into; empty = no restriction. */
  allowedProjects: string[];
  /** Name group/user/domain members in public output. */
  showMembers: boolean;
}

/** Bad input: the message says which input and what to write instead. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Reads an input the way the runner passes it (`INPUT_<NAME>`, spaces as `_`, upper case). */
export type InputReader = (name: string) => string;

/** Validates every input; throws InputError with an actionable message. */
export function parseInputs(read: InputReader): ActionInputs {
  const specPatterns = splitList(read('spec'));
  const serviceAccount = read('service-account').trim();
  const apiConfig = read('api-config').trim();
  const terraformPlans = splitList(read('terraform-plan'));
  if (specPatterns.length === 0 && !apiConfig && terraformPlans.length === 0) {
    throw new InputError(
      'Input `spec` is required (the OpenAPI file(s) of the gateway config), unless `api-config` names a deployed config or `terraform-plan` holds a google_api_gateway_api_config.',
    );
  }
  if (apiConfig && !isDeployedName(apiConfig)) throw new InputError(deployedNameProblem(apiConfig, 'Input `api-config`'));
  if (apiConfig && specPatterns.length > 0) {
    throw new InputError('Give either `spec` (OpenAPI files in the repository) or `api-config` (what is deployed), not both.');
  }
  if (!serviceAccount && !apiConfig && terraformPlans.length === 0) {
    throw new InputError(
      "Input `service-account` is required: the email of the gateway's service account (the config's gatewayServiceAccount), e.g. gw@my-project.iam.gserviceaccount.com.",
    );
  }
  if (serviceAccount && !isServiceAccount(serviceAccount)) {
    throw new InputError(
      `Input \`service-account\` must be a service account email (name@project.iam.gserviceaccount.com) or projects/PROJECT/serviceAccounts/ID; got "${serviceAccount.slice(0, 100)}".`,
    );
  }
  const policy = read('policy').trim();
  return {
    specPatterns,
    serviceAccount,
    apiConfig,
    projects: splitList(read('project')),
    failOn: oneOf(read('fail-on'), 'fail-on', ['error', 'warning', 'never'] as const, 'error'),
    comment: bool(read('comment'), 'comment', true),
    githubToken: read('github-token').trim(),
    policyFile: policy || DEFAULT_POLICY_FILE,
    policyFileExplicit: policy !== '' && policy !== DEFAULT_POLICY_FILE,
    sarifFile: read('sarif-file').trim(),
    troubleshoot: bool(read('troubleshoot'), 'troubleshoot', false),
    assetInventory: bool(read('asset-inventory'), 'asset-inventory', false),
    concurrency: integer(read('concurrency'), 'concurrency', 16, 1, 256),
    timeoutSeconds: integer(read('timeout'), 'timeout', 300, 1, 21_600),
    missingCredentials: oneOf(read('missing-credentials'), 'missing-credentials', ['fail', 'neutral'] as const, 'fail'),
    terraformPlans,
    allowedProjects: projectPatterns(splitList(read('allowed-projects'))),
    showMembers: bool(read('show-members'), 'show-members', false),
  };
}

function projectPatterns(patterns: string[]): string[] {
  const bad = invalidProjectPatterns(patterns);
  if (bad.length > 0) {
    throw new InputError(`Input \`allowed-projects\` takes project IDs or patterns with * (e.g. shop-prod, shop-*); got "${(bad[0] ?? '').slice(0, 100)}".`);
  }
  return patterns;
}

function isServiceAccount(value: string): boolean {
  return /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/i.test(value) || /^projects\/[^/\s]+\/(serviceAccounts|accounts)\/[^/\s]+$/.test(value);
}

function oneOf<T extends string>(raw: string, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`Input \`${name}\` must be one of ${allowed.join(', ')}; got "${raw.slice(0, 100)}".`);
}

function bool(raw: string, name: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(`Input \`${name}\` must be true or false; got "${raw.slice(0, 100)}".`);
}

function integer(raw: string, name: string, fallback: number, min: number, max: number): number {
  const value = raw.trim();
  if (value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InputError(`Input \`${name}\` must be a whole number from ${min} to ${max}; got "${raw.slice(0, 100)}".`);
  }
  return n;
}
