/**
 * The plan as the source of backends: the `google_api_gateway_api_config` resources a plan leaves in place
 * supply the OpenAPI documents (`openapi_documents[].document[]`, base64) and the gateway service account
 * (`gateway_config[].backend_config[].google_service_account`, else the default Compute Engine account of
 * the config's project). A third source of the same shape as spec files and deployed configs.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { DeployedSource } from '../deployed/index.ts';
import { explainFailure } from '../gcp/errors.ts';
import type { IamApi } from '../gcp/iam.ts';
import type { ResourceManagerApi } from '../gcp/resource-manager.ts';
import { parseSpec } from '../spec/index.ts';
import type { Backend, Finding } from '../types.ts';
import { readWorkspaceFile } from '../workspace-files.ts';
import { parseAddress } from './address.ts';
import { locateResources, moduleDirectory } from './locate.ts';
import type { ConfigModule, PlanFile, ResourceChange, TerraformPlan } from './model.ts';

/** The clients the plan source uses. */
export interface PlanSourceClients {
  resourceManager: Pick<ResourceManagerApi, 'project'>;
  iam: Pick<IamApi, 'serviceAccountEmail'>;
}

/** Backends of the planned API configs; `external` lists the document files that are not workspace files. */
export interface PlanSource extends DeployedSource {
  /** Files findings point at that are not in the repository (the place goes in the message instead). */
  external: string[];
}

const TYPE = 'google_api_gateway_api_config';
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Reads the documents and service account of every `google_api_gateway_api_config` the plans leave in place
 * (created, updated, replaced, unchanged or forgotten; not deleted) and parses the documents. The config's
 * service account wins over `fallbackAccount` (the service-account input), which is never used for a config.
 * Never throws for bad input or Google errors: they become findings (fail closed).
 */
export async function planBackends(google: PlanSourceClients, plans: PlanFile[], workspace: string, fallbackAccount?: string): Promise<PlanSource> {
  const findings: Finding[] = [];
  const files: string[] = [];
  const external: string[] = [];
  const backends: Backend[] = [];
  const notes: string[] = [];
  const configs: string[] = [];
  const accountByFile = new Map<string, string>();
  const emails = new Set<string>();
  const used = new Set<string>();
  const fallback = fallbackAccount?.trim() || undefined;

  for (const plan of plans) {
    for (const change of plan.plan.resource_changes ?? []) {
      if (change.type !== TYPE || change.mode !== 'managed') continue;
      const state = stateAfter(change);
      if (!state) continue;
      const label = `${change.address} (${actionLabel(change.change.actions)}) in ${plan.file}`;
      configs.push(label);
      // Findings about the config itself point at its `resource` block when the workspace has it.
      const block = (await locateResources(plan, [change.address], workspace)).get(change.address);
      const atBlock = (finding: Finding): Finding => (block ? { ...finding, file: block.file, line: block.line } : finding);
      const account = await accountOf(google, plan, change, state, label);
      if ('finding' in account) findings.push(atBlock(account.finding));
      else {
        emails.add(account.email);
        if (fallback && fallback.toLowerCase() !== account.email.toLowerCase()) {
          notes.push(`${label} runs as ${account.email} (${account.why}): that is the account checked, not the service-account input (${fallback}).`);
        }
      }
      const documents = documentsOf(change, state);
      if (documents.length === 0) {
        findings.push(atBlock(invalidSpec(`${label} holds no OpenAPI document (gRPC configs are not checked): there is nothing to check.`, change.address)));
      }
      for (const document of documents) {
        if ('unknown' in document) {
          findings.push(
            atBlock(
              invalidSpec(
                `The contents of OpenAPI document ${JSON.stringify(document.path ?? `#${document.index + 1}`)} of ${label} are known only after apply ` +
                  "(they are built from values Terraform does not know yet, such as a new service's URL), so its backends cannot be checked from the plan. " +
                  'Check the rendered document with the `spec` input, or check the deployed config with `api-config` after apply.',
                change.address,
              ),
            ),
          );
          continue;
        }
        const decoded = decodeDocument(document.contents);
        if (typeof decoded === 'string') {
          findings.push(atBlock(invalidSpec(`OpenAPI document ${JSON.stringify(document.path)} of ${label}: ${decoded}`, change.address)));
          continue;
        }
        let local = await workspaceTwin(plan, change, document.path, decoded.bytes, workspace);
        if (local && used.has(local)) {
          // The same workspace file in another config: checked once when the account is the same too.
          if ('email' in account && accountByFile.get(local) === account.email) continue;
          local = undefined;
        }
        const file = local ?? unique(`${change.address}/${cleanPath(document.path, document.index)}`, used);
        used.add(file);
        files.push(file);
        if (!local) external.push(file);
        const parsed = parseSpec(decoded.text, file);
        findings.push(...parsed.findings);
        if ('email' in account) {
          accountByFile.set(file, account.email);
          backends.push(...parsed.backends);
        }
      }
    }
  }
  if (configs.length === 0 && plans.length > 0) {
    findings.push({
      rule: 'invalid-spec',
      severity: 'error',
      message:
        `No ${TYPE} in the plan${plans.length > 1 ? 's' : ''} (${plans.map((p) => p.file).join(', ')}), and neither \`spec\` nor \`api-config\` was given: there is nothing to check. ` +
        'Give the OpenAPI files with `spec` (the plan then judges the IAM they depend on), or plan the Terraform that holds the API config.',
    });
  }
  return {
    files,
    backends,
    findings,
    serviceAccount: emails.size > 0 ? [...emails].sort().join(', ') : (fallback ?? ''),
    accountFor: (file) => accountByFile.get(file) ?? '',
    configs,
    notes,
    external,
  };
}

type State = Record<string, unknown>;

/** The config as the plan leaves it: `after`, or `before` when it is only forgotten; undefined when deleted. */
function stateAfter(change: ResourceChange): State | undefined {
  const { actions, after, before } = change.change;
  if (isObject(after)) return after;
  if (actions.includes('forget') && !actions.includes('create') && isObject(before)) return before;
  return undefined;
}

/** `create`, `update`, `replace`, `no-op`... as shown in messages. */
export function actionLabel(actions: string[]): string {
  if (actions.length === 2 && actions.includes('delete') && actions.includes('create')) return 'replace';
  return actions.join(', ');
}

type Document = { index: number; path: string; contents: string } | { index: number; path?: string; unknown: true };

function documentsOf(change: ResourceChange, state: State): Document[] {
  const unknown = change.change.after_unknown;
  const result: Document[] = [];
  if (isUnknown(unknown, ['openapi_documents'])) return [{ index: 0, unknown: true }];
  const list = Array.isArray(state.openapi_documents) ? state.openapi_documents : [];
  list.forEach((entry, i) => {
    const docs = isObject(entry) && Array.isArray(entry.document) ? entry.document : [];
    if (isUnknown(unknown, ['openapi_documents', i, 'document'])) {
      result.push({ index: result.length, unknown: true });
      return;
    }
    docs.forEach((doc, j) => {
      const index = result.length;
      const docPath = isObject(doc) && typeof doc.path === 'string' ? doc.path : undefined;
      const contents = isObject(doc) ? doc.contents : undefined;
      if (typeof contents === 'string' && !isUnknown(unknown, ['openapi_documents', i, 'document', j, 'contents'])) {
        result.push({ index, path: docPath ?? `document-${index + 1}`, contents });
      } else {
        result.push({ index, ...(docPath === undefined ? {} : { path: docPath }), unknown: true });
      }
    });
  });
  return result;
}

function decodeDocument(contents: string): { bytes: Buffer; text: string } | string {
  if (!BASE64.test(contents)) return '`contents` is not base64 (write it with filebase64() or base64encode())';
  if (contents.length > (MAX_DOCUMENT_BYTES / 3) * 4 + 8) return `the document is over the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB limit for a spec`;
  const bytes = Buffer.from(contents, 'base64');
  if (bytes.includes(0)) return 'the decoded document is binary, not YAML or JSON text';
  try {
    return { bytes, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return 'the decoded document is not valid UTF-8 text';
  }
}

type AccountOutcome = { email: string; why: string } | { finding: Finding };

async function accountOf(google: PlanSourceClients, plan: PlanFile, change: ResourceChange, state: State, label: string): Promise<AccountOutcome> {
  const unreadable = (message: string, fix?: string): AccountOutcome => ({
    finding: { rule: 'iam-unreadable', severity: 'error', resource: change.address, message, ...(fix ? { fix } : {}) },
  });
  const unknown = change.change.after_unknown;
  const saPath = ['gateway_config', 0, 'backend_config', 0, 'google_service_account'];
  let given: string | undefined;
  let why: string;
  if (isUnknown(unknown, saPath)) {
    const planned = plannedServiceAccount(plan.plan, change, saPath);
    if ('reason' in planned) {
      return unreadable(
        `The gateway service account of ${label} is known only after apply and ${planned.reason}, so its backends are not checked. ` +
          'Reference a google_service_account of the same plan, or write the account email.',
      );
    }
    given = planned.email;
    why = `the google_service_account ${planned.address} this plan creates`;
  } else {
    const configs = Array.isArray(state.gateway_config) ? state.gateway_config : [];
    const backend = isObject(configs[0]) && Array.isArray(configs[0].backend_config) ? configs[0].backend_config[0] : undefined;
    const sa = isObject(backend) ? backend.google_service_account : undefined;
    if (typeof sa === 'string' && sa.trim() !== '') {
      given = sa.trim();
      why = 'its gateway_config';
    } else if (configs.length > 0) {
      return unreadable(`${label} has a gateway_config without a google_service_account, so its backends are not checked.`);
    } else {
      const project = typeof state.project === 'string' && !isUnknown(unknown, ['project']) ? state.project : providerProject(plan.plan, change);
      if (!project) {
        return unreadable(`${label} has no gateway_config, so the gateway signs as the default Compute Engine service account of its project, but the plan does not say which project; set \`project\` on the resource or the provider.`);
      }
      try {
        const { projectNumber } = await google.resourceManager.project(project);
        return { email: `${projectNumber}-compute@developer.gserviceaccount.com`, why: `no gateway_config: the default Compute Engine service account of ${project}` };
      } catch (err) {
        return unreadable(
          `${label} has no gateway_config, so the gateway signs as the default Compute Engine service account of project ${project}, whose number could not be read: ${explainFailure(err, 'resourcemanager.projects.get')}`,
          `gcloud projects add-iam-policy-binding ${project} --member=IDENTITY_RUNNING_THE_CHECK --role=roles/browser`,
        );
      }
    }
  }
  if (!given.startsWith('projects/')) return { email: given, why };
  try {
    return { email: await google.iam.serviceAccountEmail(given), why };
  } catch (err) {
    const project = given.split('/')[1] ?? 'PROJECT';
    return unreadable(
      `Could not resolve ${given} (the service account of ${label}) to its email, so its backends are not checked: ${explainFailure(err, 'iam.serviceAccounts.get')}`,
      `gcloud projects add-iam-policy-binding ${project} --member=IDENTITY_RUNNING_THE_CHECK --role=roles/iam.serviceAccountViewer`,
    );
  }
}

/**
 * The email of a `google_service_account` created in the same plan that the expression at `expressionPath`
 * of `change` references (directly, or through a module variable set by the calling module):
 * `ACCOUNT_ID@PROJECT.iam.gserviceaccount.com` from its `account_id` and `project` (or the provider's project).
 */
export function plannedServiceAccount(plan: TerraformPlan, change: ResourceChange, expressionPath: Array<string | number>): { email: string; address: string } | { reason: string } {
  const parsed = parseAddress(change.address);
  if (!parsed) return { reason: 'its address cannot be parsed' };
  let modules = parsed.modules;
  let references = referencesAt(configResource(plan, modules.map((m) => m.name), change.type, change.name)?.expressions, expressionPath);
  for (let hops = parsed.modules.length; hops >= 0; hops--) {
    // `c ? google_service_account.a.email : google_service_account.b.email` references both: which one is unknown.
    const matches = references.map((r) => /^google_service_account\.([A-Za-z_][A-Za-z0-9_-]*)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?/.exec(r)).filter((x) => x !== null);
    const names = new Set(matches.map((x) => x[1]));
    const indexes = new Set(matches.flatMap((x) => (x[2] ? [x[2]] : [])));
    if (names.size > 1 || indexes.size > 1) {
      return { reason: `references several service accounts (${[...new Set(matches.map((x) => x[0]))].join(', ')}), and which one is used is known only after apply` };
    }
    const m = matches.find((x) => x[2]) ?? matches[0];
    if (m) {
      const prefix = modules.map((s) => `module.${s.name}${s.key === undefined ? '' : `[${JSON.stringify(s.key)}]`}.`).join('');
      const base = `${prefix}google_service_account.${m[1]}`;
      const candidates = (plan.resource_changes ?? []).filter(
        (c) => c.type === 'google_service_account' && c.mode === 'managed' && (m[2] ? c.address === base + m[2] : c.address === base || c.address.startsWith(`${base}[`)),
      );
      const chosen = candidates.length === 1 ? candidates[0] : candidates.find((c) => parsed.key !== undefined && c.address === `${base}[${JSON.stringify(parsed.key)}]`);
      if (!chosen) return { reason: candidates.length === 0 ? `references ${base}, which this plan does not create` : `references ${base}, which has several instances` };
      const after = isObject(chosen.change.after) ? chosen.change.after : undefined;
      const accountId = after && typeof after.account_id === 'string' ? after.account_id : undefined;
      const project = after && typeof after.project === 'string' && !isUnknown(chosen.change.after_unknown, ['project']) ? after.project : providerProject(plan, chosen);
      if (!accountId || !project) return { reason: `the account_id or project of ${chosen.address} is not known either` };
      return { email: `${accountId}@${project}.iam.gserviceaccount.com`, address: chosen.address };
    }
    const variable = references.map((r) => /^var\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(r)).find((m) => m);
    if (!variable || modules.length === 0) break;
    // A module variable: follow the argument the calling module passes.
    const callName = modules[modules.length - 1]!.name;
    modules = modules.slice(0, -1);
    const parent = configModuleAt(plan.configuration?.root_module, modules.map((m) => m.name));
    references = referencesAt(parent?.module_calls?.[callName]?.expressions, [variable[1]!]);
  }
  return { reason: 'does not reference a google_service_account created in this plan' };
}

function configModuleAt(root: ConfigModule | undefined, calls: string[]): ConfigModule | undefined {
  let module = root;
  for (const name of calls) module = module?.module_calls?.[name]?.module;
  return module;
}

function configResource(plan: TerraformPlan, calls: string[], type: string, name: string) {
  return configModuleAt(plan.configuration?.root_module, calls)?.resources?.find((r) => r.type === type && r.name === name && r.mode !== 'data');
}

/** The `references` of the expression at `at` (blocks are lists of objects in `expressions`). */
function referencesAt(expressions: unknown, at: Array<string | number>): string[] {
  let node: unknown = expressions;
  for (const step of at) {
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isObject(node) && typeof step === 'string') node = node[step];
    else return [];
  }
  return isObject(node) && Array.isArray(node.references) ? node.references.filter((r): r is string => typeof r === 'string') : [];
}

/** The project the plan states for the provider of a resource (`configuration.provider_config`), if any. */
function providerProject(plan: TerraformPlan, change: ResourceChange): string | undefined {
  const parsed = parseAddress(change.address);
  const config = parsed ? configResource(plan, parsed.modules.map((m) => m.name), change.type, change.name) : undefined;
  const providers = plan.configuration?.provider_config ?? {};
  const keys = [config?.provider_config_key, 'google', 'google-beta'].filter((k): k is string => typeof k === 'string');
  for (const key of keys) {
    const project = providers[key]?.expressions?.project;
    if (isObject(project) && typeof project.constant_value === 'string' && project.constant_value !== '') return project.constant_value;
  }
  return undefined;
}

/**
 * The workspace file of the document's `path` when it holds exactly these bytes: looked up from the
 * workspace root, the plan's directory and the config's module directory; read under the spec reader's rules.
 */
async function workspaceTwin(plan: PlanFile, change: ResourceChange, documentPath: string, bytes: Buffer, workspace: string): Promise<string | undefined> {
  let root: string;
  try {
    root = await realpath(path.resolve(workspace));
  } catch {
    return undefined;
  }
  const modules = parseAddress(change.address)?.modules.map((m) => m.name) ?? [];
  const bases = [root, plan.dir];
  const moduleDir = modules.length > 0 ? await moduleDirectory(plan, modules, workspace) : undefined;
  if (moduleDir) bases.push(moduleDir);
  if (path.isAbsolute(documentPath) || documentPath.includes('\0')) return undefined;
  for (const base of new Set(bases)) {
    const candidate = path.resolve(base, documentPath);
    const read = await readWorkspaceFile(root, candidate, { maxBytes: MAX_DOCUMENT_BYTES });
    if (read.ok && read.bytes.equals(bytes)) return path.relative(root, candidate).split(path.sep).join('/');
  }
  return undefined;
}

function cleanPath(documentPath: string, index: number): string {
  // Control characters would break the lines a place is shown on.
  // eslint-disable-next-line no-control-regex
  const segments = documentPath.replace(/[\u0000-\u001f\u007f]/g, '?').replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  const joined = segments.join('/');
  if (joined === '') return `document-${index + 1}`;
  return joined.length > 200 ? `${joined.slice(0, 200)}…` : joined;
}

function unique(file: string, used: Set<string>): string {
  let candidate = file;
  for (let n = 2; used.has(candidate); n++) candidate = `${file}~${n}`;
  return candidate;
}

function isUnknown(unknown: unknown, at: Array<string | number>): boolean {
  let node = unknown;
  for (const step of at) {
    if (node === true) return true;
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isObject(node) && typeof step === 'string') node = node[step];
    else return false;
  }
  return node === true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidSpec(message: string, resource: string): Finding {
  return { rule: 'invalid-spec', severity: 'error', resource, message };
}
