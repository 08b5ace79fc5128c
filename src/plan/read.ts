/**
 * Reads `terraform-plan` files (JSON of `terraform show -json` / `tofu show -json`): paths or globs inside
 * the workspace, read like spec files (links resolved and kept inside the workspace, regular files, size
 * checked before reading). Every problem is an `invalid-plan` finding. Only what the planned-state stages
 * use is kept (see {@link parsePlan}); the rest of the plan, which can hold secrets, is scanned and dropped.
 */
import { isUtf8 } from 'node:buffer';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Finding } from '../types.ts';
import { errorCode, expandGlob, GLOB_CHARS, readWorkspaceFile, workspaceRelative } from '../workspace-files.ts';
import { decodeString, JsonScanError, kindAt, parseSpan, readArray, readObject, scanValue, skipSpace, type Span } from './json-scan.ts';
import type { ConfigModule, ConfigResource, PlanFile, ResourceChange, TerraformPlan } from './model.ts';

/** Largest plan file read. */
export const PLAN_MAX_BYTES = 256 * 1024 * 1024;
/** Deepest nesting of a kept value (a resource's `before`/`after`, an expression). */
const MAX_KEPT_DEPTH = 64;
/** Deepest chain of module calls kept. */
const MAX_MODULE_DEPTH = 32;
/** Longest name-like value (address, type, name, source...). */
const MAX_NAME_BYTES = 64 * 1024;

/**
 * Resource types whose changes are kept: the IAM, service, role, deny-policy, API-config and service-account
 * resources the planned-state stages read. Changes of every other type are dropped unread.
 */
export const KEPT_TYPES =
  /^google_(?:(?:cloud_run_service|cloud_run_v2_service|cloudfunctions_function|cloudfunctions2_function|project|folder|organization|iap_web|iap_web_type_app_engine|iap_app_engine_service|iap_app_engine_version)(?:_iam_(?:member|binding|policy))?|project_iam_member_remove|(?:project|organization)_iam_custom_role|iam_deny_policy|api_gateway_api_config|service_account)$/;

/** Keys whose values are dropped from kept resources: environment variables often carry secrets and no rule reads them. */
const DROPPED_KEYS = new Set(['env', 'environment_variables', 'build_environment_variables', 'secret_environment_variables', 'secret_volumes']);
/** Provider settings kept from `configuration.provider_config[].expressions` (credentials are not). */
const PROVIDER_KEYS = new Set(['project', 'region', 'zone', 'billing_project']);

/** The plans read and the `invalid-plan` findings of those that cannot be used (or are incomplete). */
export async function readPlanFiles(patterns: string[], workspace: string): Promise<{ plans: PlanFile[]; findings: Finding[] }> {
  const plans: PlanFile[] = [];
  const findings: Finding[] = [];
  const root = path.resolve(workspace);
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    return { plans, findings: [invalidPlan('.', `the workspace ${JSON.stringify(root)} cannot be read (${errorCode(error)})`)] };
  }
  const candidates = new Set<string>();
  for (const pattern of patterns) {
    const relative = workspaceRelative(pattern, root);
    if (relative === undefined) {
      findings.push(invalidPlan(pattern, 'the path points outside the workspace; plan paths must be relative to GITHUB_WORKSPACE and stay inside it'));
    } else if (!GLOB_CHARS.test(relative)) {
      candidates.add(relative);
    } else {
      const glob = await expandGlob(relative, root, realRoot);
      const expanded =
        'code' in glob
          ? `the glob cannot be expanded (${glob.code})`
          : glob.outside > 0
            ? `the glob reaches ${glob.outside} file(s) through a symlinked directory that leaves the workspace; they were not read (write the plan JSON inside the workspace)`
            : glob.files.length > 1000
              ? 'the glob matches over 1000 files; name the plan files more precisely'
              : glob.files;
      if (typeof expanded === 'string') findings.push(invalidPlan(pattern, expanded));
      else if (expanded.length === 0) findings.push(invalidPlan(pattern, 'no file matches this glob; check the path (relative to the workspace)'));
      else for (const file of expanded) candidates.add(file);
    }
  }
  // One at a time: each plan may take up to PLAN_MAX_BYTES of memory while it is scanned.
  for (const file of [...candidates].sort()) {
    const read = await readPlanFile(file, root);
    if ('message' in read) {
      findings.push(read);
      continue;
    }
    plans.push(read);
    if (read.plan.complete === false) {
      findings.push({
        ...invalidPlan(file, 'the plan is incomplete (`complete: false`, made with -target or with deferred changes): it is judged as far as it goes, and changes outside it were not seen; judge a full plan before the deploy'),
        severity: 'warning',
      });
    }
  }
  return { plans, findings };
}

/** Why a parsed JSON value is not a usable plan, or undefined. */
export function planProblem(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object; pass the output of `terraform show -json PLANFILE`';
  const plan = json as Record<string, unknown>;
  if (typeof plan.format_version !== 'string' || !/^1\.\d+$/.test(plan.format_version)) {
    const shown = typeof plan.format_version === 'string' ? JSON.stringify(plan.format_version.slice(0, 20)) : 'missing';
    return `format_version ${shown} is not 1.x; pass the output of \`terraform show -json PLANFILE\` (Terraform 1.x or OpenTofu)`;
  }
  if (plan.errored === true) return 'the plan errored (`errored: true`): Terraform could not finish it; fix the errors of `terraform plan` first';
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) return '`resource_changes` is not a list';
  return undefined;
}

/** A problem that makes a file unusable as a plan; its message never quotes plan values. */
class PlanProblem extends Error {}

/**
 * Parses a plan's bytes, keeping only: the top-level flags, the `resource_changes` of {@link KEPT_TYPES}
 * (without the keys in DROPPED_KEYS), `configuration.provider_config` (name and the project/region
 * settings) and the configuration's modules (resources of kept types with their expressions, module calls
 * with their `source` and the references of their arguments). Throws PlanProblem.
 */
export function parsePlan(buf: Uint8Array): TerraformPlan {
  let start = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new PlanProblem('the file is UTF-16 text (PowerShell writes that with `>`); write it as UTF-8, e.g. `terraform show -json tfplan | Out-File -Encoding utf8 tfplan.json`');
  }
  if (buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) {
    throw new PlanProblem('this is a binary plan file (`terraform plan -out`), not its JSON: run `terraform show -json PLANFILE > tfplan.json` and pass that');
  }
  if (!isUtf8(buf)) throw new PlanProblem('the file is not valid UTF-8 text; write the output of `terraform show -json PLANFILE` as UTF-8');
  try {
    const first = skipSpace(buf, start);
    if (first >= buf.length) throw new PlanProblem('the file is empty; pass the output of `terraform show -json PLANFILE`');
    if (kindAt(buf, first) !== 'object') {
      atEnd(buf, scanValue(buf, first).end);
      throw new PlanProblem(planProblem(null)!);
    }
    const plan: Record<string, unknown> = {};
    let kept: ResourceChange[] | undefined;
    let variables: Span | undefined;
    let planned = false;
    let state = false;
    const once = onceChecker('the top level');
    const versionFirst = (error: unknown): never => {
      // A plan of another format_version is reported as such, not by what its other parts look like.
      const version = plan.format_version === undefined ? undefined : planProblem({ format_version: plan.format_version });
      throw version ? new PlanProblem(version) : error;
    };
    let end = 0;
    try {
      end = readObject(buf, first, (key, at) => {
        if (['format_version', 'terraform_version', 'applyable', 'complete', 'errored', 'timestamp'].includes(key)) {
          once(key);
          const span = scanValue(buf, at);
          plan[key] = span.end - span.start <= 256 ? parseSpan(buf, span) : undefined;
          return span.end;
        }
        if (key === 'resource_changes') {
          once(key);
          if (kindAt(buf, at) !== 'array') {
            plan.resource_changes = 'not a list';
            return undefined;
          }
          kept = [];
          const changes = kept;
          return readArray(buf, at, (item, index) => readChange(buf, item, index, changes));
        }
        if (key === 'configuration') {
          once(key);
          if (kindAt(buf, at) !== 'object') throw new PlanProblem('`configuration` is not an object');
          const configuration: NonNullable<TerraformPlan['configuration']> = {};
          plan.configuration = configuration;
          return readConfiguration(buf, at, configuration);
        }
        if (key === 'variables') {
          once(key);
          variables = scanValue(buf, at);
          return variables.end;
        }
        if (key === 'planned_values') planned = true;
        if (key === 'values') state = true;
        return undefined;
      });
    } catch (error) {
      versionFirst(error);
    }
    atEnd(buf, end);
    if (kept) plan.resource_changes = kept;
    if (variables) plan.variables = providerVariables(buf, variables, plan.configuration as TerraformPlan['configuration']);
    const problem = planProblem(plan);
    if (problem) throw new PlanProblem(problem);
    if (plan.resource_changes === undefined && !planned) {
      throw new PlanProblem(
        state
          ? 'this is a state, not a plan (it has `values`, no `resource_changes`): pass `terraform show -json PLANFILE` of the saved plan'
          : 'not a plan: it has no `resource_changes` or `planned_values`; pass the output of `terraform show -json PLANFILE`',
      );
    }
    return plan as unknown as TerraformPlan;
  } catch (error) {
    if (error instanceof JsonScanError) throw new PlanProblem(`not valid JSON: ${error.message} at ${position(buf, error.offset)}; pass the output of \`terraform show -json PLANFILE\``);
    if (error instanceof RangeError) throw new PlanProblem('too large or too deeply nested to read');
    throw error;
  }
}

function atEnd(buf: Uint8Array, end: number): void {
  const rest = skipSpace(buf, end);
  if (rest < buf.length) throw new JsonScanError('more text after the JSON value', rest);
}

function onceChecker(where: string): (key: string) => void {
  const seen = new Set<string>();
  return (key) => {
    if (seen.has(key)) throw new PlanProblem(`${where} has "${key}" twice; Terraform writes each key once`);
    seen.add(key);
  };
}

const CHANGE_KEYS = new Set(['address', 'module_address', 'mode', 'type', 'name', 'index', 'provider_name', 'deposed', 'action_reason', 'change']);

/** Scans one entry of `resource_changes`; keeps it in `kept` when its type is one the stages read. */
function readChange(buf: Uint8Array, pos: number, index: number, kept: ResourceChange[]): number {
  const where = `resource_changes[${index}]`;
  if (kindAt(buf, pos) !== 'object') throw new PlanProblem(`${where} is not an object`);
  const spans = new Map<string, Span>();
  const once = onceChecker(where);
  const end = readObject(buf, pos, (key, at) => {
    if (!CHANGE_KEYS.has(key)) return undefined;
    once(key);
    const span = scanValue(buf, at);
    spans.set(key, span);
    return span.end;
  });
  const type = smallValue(buf, spans.get('type'), where);
  if (typeof type !== 'string') throw new PlanProblem(`${where} has no "type"`);
  if (!KEPT_TYPES.test(type)) return end;
  for (const [key, span] of spans) {
    if (key !== 'change' && span.end - span.start > MAX_NAME_BYTES) throw new PlanProblem(`${where} has a name or address longer than ${MAX_NAME_BYTES / 1024} KiB`);
  }
  const body = spans.get('change');
  if (!body || kindAt(buf, body.start) !== 'object') throw new PlanProblem(`${where} has no "change" object`);
  // One parse of the whole entry (cheaper than one per field); its nesting was measured by the scan.
  const whole = parseSpan(buf, { start: pos, end }) as Record<string, unknown>;
  const shown = (): string => (typeof whole.address === 'string' ? `${where} (${quoteName(whole.address)})` : where);
  if (body.depth > MAX_KEPT_DEPTH) throw new PlanProblem(`${shown()} holds a value nested deeper than ${MAX_KEPT_DEPTH} levels, which no provider writes`);
  const change: Record<string, unknown> = {};
  for (const key of CHANGE_KEYS) {
    const value = whole[key];
    if (key !== 'change' && value !== undefined && (typeof value !== 'object' || value === null)) change[key] = value;
  }
  for (const key of ['address', 'name']) {
    if (typeof change[key] !== 'string') throw new PlanProblem(`${shown()} has no "${key}"`);
  }
  if (change.mode !== 'managed' && change.mode !== 'data') throw new PlanProblem(`${shown()}: "mode" is neither "managed" nor "data"`);
  const source = whole.change as Record<string, unknown>;
  const detail: Record<string, unknown> = {};
  for (const key of ['actions', 'before', 'after', 'after_unknown', 'before_sensitive', 'after_sensitive']) {
    if (key in source) detail[key] = key === 'before' || key === 'after' ? dropKeys(source[key]) : source[key];
  }
  const actions = detail.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === 'string')) {
    throw new PlanProblem(`${shown()}: change.actions is not a list of actions`);
  }
  change.change = detail;
  kept.push(change as unknown as ResourceChange);
  return end;
}

/** A kept value, parsed, with DROPPED_KEYS removed; nesting is bounded so later walks cannot overflow. */
function keptValue(buf: Uint8Array, span: Span, where: string): unknown {
  if (span.depth > MAX_KEPT_DEPTH) throw new PlanProblem(`${where} holds a value nested deeper than ${MAX_KEPT_DEPTH} levels, which no provider writes`);
  return dropKeys(parseSpan(buf, span));
}

/** Removes DROPPED_KEYS in place (the value was just parsed and is nested at most MAX_KEPT_DEPTH deep). */
function dropKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) dropKeys(item);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (DROPPED_KEYS.has(key)) delete record[key];
      else dropKeys(record[key]);
    }
  }
  return value;
}

/** A short scalar value (name, address, flag); longer values are a problem, never kept. */
function smallValue(buf: Uint8Array, span: Span | undefined, where: string): unknown {
  if (!span) return undefined;
  if (span.end - span.start > MAX_NAME_BYTES) throw new PlanProblem(`${where} has a name or address longer than ${MAX_NAME_BYTES / 1024} KiB`);
  if (kindAt(buf, span.start) === 'string') return decodeString(buf, span.start, span.end);
  const value = parseSpan(buf, span);
  return typeof value === 'object' && value !== null ? undefined : value;
}

function readConfiguration(buf: Uint8Array, pos: number, out: NonNullable<TerraformPlan['configuration']>): number {
  const once = onceChecker('configuration');
  return readObject(buf, pos, (key, at) => {
    if (key === 'provider_config') {
      once(key);
      if (kindAt(buf, at) !== 'object') throw new PlanProblem('configuration.provider_config is not an object');
      const providers: NonNullable<NonNullable<TerraformPlan['configuration']>['provider_config']> = {};
      out.provider_config = providers;
      return readObject(buf, at, (name, p) => {
        const provider: Record<string, unknown> = {};
        providers[name] = provider;
        if (kindAt(buf, p) !== 'object') return undefined;
        return readObject(buf, p, (field, f) => {
          if (['name', 'full_name', 'alias', 'module_address'].includes(field)) {
            const span = scanValue(buf, f);
            const value = smallValue(buf, span, 'configuration.provider_config');
            if (typeof value === 'string') provider[field] = value;
            return span.end;
          }
          if (field !== 'expressions' || kindAt(buf, f) !== 'object') return undefined;
          const expressions: Record<string, unknown> = {};
          provider.expressions = expressions;
          return readObject(buf, f, (setting, s) => {
            if (!PROVIDER_KEYS.has(setting)) return undefined;
            const span = scanValue(buf, s);
            if (span.end - span.start <= MAX_NAME_BYTES) expressions[setting] = keptValue(buf, span, 'configuration.provider_config');
            return span.end;
          });
        });
      });
    }
    if (key === 'root_module') {
      once(key);
      const module: ConfigModule = {};
      out.root_module = module;
      return readModule(buf, at, module, 0, 'configuration.root_module');
    }
    return undefined;
  });
}

function readModule(buf: Uint8Array, pos: number, out: ConfigModule, level: number, where: string): number {
  if (level > MAX_MODULE_DEPTH) throw new PlanProblem(`modules are nested deeper than ${MAX_MODULE_DEPTH} levels`);
  if (kindAt(buf, pos) !== 'object') throw new PlanProblem(`${where} is not an object`);
  const once = onceChecker(where);
  return readObject(buf, pos, (key, at) => {
    if (key === 'resources' && kindAt(buf, at) === 'array') {
      once(key);
      const resources: ConfigResource[] = [];
      out.resources = resources;
      return readArray(buf, at, (item) => readConfigResource(buf, item, resources, where));
    }
    if (key === 'module_calls' && kindAt(buf, at) === 'object') {
      once(key);
      const calls: NonNullable<ConfigModule['module_calls']> = {};
      out.module_calls = calls;
      return readObject(buf, at, (name, c) => {
        if (kindAt(buf, c) !== 'object') return undefined;
        const call: NonNullable<ConfigModule['module_calls']>[string] = {};
        calls[name] = call;
        const inCall = `${where}.module_calls[${quoteName(name)}]`;
        return readObject(buf, c, (field, f) => {
          if (field === 'source') {
            const span = scanValue(buf, f);
            const value = smallValue(buf, span, inCall);
            if (typeof value === 'string') call.source = value;
            return span.end;
          }
          if (field === 'expressions') {
            const span = scanValue(buf, f);
            call.expressions = referencesOnly(keptValue(buf, span, inCall)) as Record<string, unknown>;
            return span.end;
          }
          if (field === 'module') {
            const module: ConfigModule = {};
            call.module = module;
            return readModule(buf, f, module, level + 1, `${inCall}.module`);
          }
          return undefined;
        });
      });
    }
    return undefined;
  });
}

function readConfigResource(buf: Uint8Array, pos: number, resources: ConfigResource[], where: string): number | undefined {
  if (kindAt(buf, pos) !== 'object') return undefined;
  const resource: Record<string, unknown> = {};
  let expressions: Span | undefined;
  const repeat = new Map<string, Span>();
  const end = readObject(buf, pos, (key, at) => {
    if (['address', 'mode', 'type', 'name', 'provider_config_key'].includes(key)) {
      const span = scanValue(buf, at);
      const value = smallValue(buf, span, where);
      if (typeof value === 'string') resource[key] = value;
      return span.end;
    }
    if (key === 'expressions') {
      expressions = scanValue(buf, at);
      return expressions.end;
    }
    if (key === 'for_each_expression' || key === 'count_expression') {
      const span = scanValue(buf, at);
      repeat.set(key, span);
      return span.end;
    }
    return undefined;
  });
  if (typeof resource.type === 'string' && typeof resource.name === 'string' && KEPT_TYPES.test(resource.type)) {
    const inResource = `${where} resource ${quoteName(`${resource.type}.${resource.name}`)}`;
    if (expressions) resource.expressions = keptValue(buf, expressions, inResource);
    // `for_each`/`count` say which instance gets which member (e.g. `each.value` of a module's variable).
    for (const [key, span] of repeat) resource[key] = keptValue(buf, span, inResource);
    resources.push(resource as unknown as ConfigResource);
  }
  return end;
}

/**
 * The root variables the provider's project/region settings refer to (`var.X`), and no other: variables
 * often carry secrets, and nothing else reads them.
 */
function providerVariables(buf: Uint8Array, span: Span, configuration: TerraformPlan['configuration']): Record<string, unknown> {
  const names = new Set<string>();
  for (const provider of Object.values(configuration?.provider_config ?? {})) {
    for (const ref of JSON.stringify(provider.expressions ?? {}).match(/"var\.[A-Za-z0-9_-]+"/g) ?? []) names.add(ref.slice(5, -1));
  }
  const out: Record<string, unknown> = {};
  if (names.size === 0 || kindAt(buf, span.start) !== 'object') return out;
  readObject(buf, span.start, (name, at) => {
    if (!names.has(name)) return undefined;
    const value = scanValue(buf, at);
    if (value.end - value.start <= MAX_NAME_BYTES) out[name] = keptValue(buf, value, 'variables');
    return value.end;
  });
  return out;
}

/** Only the `references` of expressions (module arguments can hold secrets as constants). */
function referencesOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referencesOnly);
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'references') {
      if (Array.isArray(inner)) out.references = inner.filter((r) => typeof r === 'string');
    } else if (key !== 'constant_value' && typeof inner === 'object' && inner !== null) {
      out[key] = referencesOnly(inner);
    }
  }
  return out;
}

/** An address or name for a message: JSON-quoted (control characters visible), truncated. */
function quoteName(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

function position(buf: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, buf.length);
  for (let i = 0; i < end; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}

/** Reads and parses one plan file, or the finding that explains why it cannot be used. */
async function readPlanFile(file: string, root: string): Promise<PlanFile | Finding> {
  const problem = (message: string) => invalidPlan(file, message);
  const read = await readWorkspaceFile(root, file, { maxBytes: PLAN_MAX_BYTES });
  if (!read.ok) {
    switch (read.kind) {
      case 'missing':
        return problem('the file does not exist; check the terraform-plan input (paths are relative to the workspace)');
      case 'outside':
        return problem('the path is a symlink that resolves outside the workspace; write the plan JSON inside the workspace');
      case 'directory':
        return problem(`this is a directory, not a file; name the plan JSON files, e.g. ${JSON.stringify(`${file}/*.json`)}`);
      case 'not-a-file':
        return problem('this is not a regular file');
      case 'too-large':
        return problem(tooLarge(read.bytes));
      case 'unreadable':
        return problem(`the file cannot be read (${read.code.slice(0, 200)})`);
    }
  }
  try {
    // The directory as the locator and the API config source compare paths: links resolved.
    const dir = path.dirname(await realpath(path.resolve(root, file)));
    return { file, dir, plan: parsePlan(read.bytes) };
  } catch (error) {
    if (error instanceof PlanProblem) return problem(error.message);
    throw error;
  }
}

function tooLarge(bytes: number): string {
  return `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the ${PLAN_MAX_BYTES / 1024 / 1024} MiB limit for a plan`;
}

function invalidPlan(file: string, message: string): Finding {
  return { rule: 'invalid-plan', severity: 'error', file, message: `Terraform plan ${file}: ${message}` };
}

