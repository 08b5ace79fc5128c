/**
 * Terraform/OpenTofu plans → planned changes: what each `resource_changes` entry of a family gateway-guard
 * judges will do in Google once applied, named as the live facts name resources. Pure.
 */
import type { DenyPolicy, DenyRule, IamBinding, IamCondition } from '../gcp/types.ts';
import type { ConfigModule, ConfigResource, PlanFile, ResourceChange, TerraformPlan } from './model.ts';

/** The Terraform change a fact comes from, as findings name it: `google_…_iam_member.public (create)`. */
export interface Provenance {
  address: string;
  action: string;
  /** The `.tf` file and line of the `resource` block, when it was located. */
  file?: string;
  line?: number;
}

/** A member whose value is known only after apply: judged like a group the account may belong to. */
export const UNKNOWN_MEMBER = 'principalSet:(known after apply)';
/** A role known only after apply. */
export const UNKNOWN_ROLE = '(role known after apply)';
/** An IAM condition known only after apply: it may hold or not (the grant is uncertain, never certain or refused). */
export const UNKNOWN_CONDITION: IamCondition = { title: 'known only after apply', expression: '(condition known after apply)' };

/**
 * An allow-policy change on one resource. `resource` is a resource name whose unknown segments are `*`
 * (then the change may touch any resource of that shape). `remove` leaves first, then `add` arrives.
 */
export interface IamChange {
  kind: 'iam';
  /** member: one principal in a role; binding: authoritative for its role and condition; policy: the whole policy. */
  form: 'member' | 'binding' | 'policy';
  resource: string;
  remove: IamBinding[];
  add: IamBinding[];
  /** Policy form, arriving: it replaces the whole allow policy (with `add`, possibly nothing). */
  replaces?: boolean;
  /** A policy whose content is known only after apply. */
  unknownPolicy?: boolean;
  provenance: Provenance;
}

/** What a plan sets on a Cloud Run service (v1 or v2), or a function; absent fields keep their live value. */
export interface ServiceSettings {
  ingress?: string;
  invokerIamDisabled?: boolean;
  /** `invoker_iam_disabled` known only after apply: the invoker check may be off. */
  invokerIamDisabledUnknown?: boolean;
  defaultUriDisabled?: boolean;
  customAudiences?: string[];
  /** Functions: `ingressSettings` (ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB). */
  ingressSettings?: string;
  /** 1st-gen functions: triggered by events, not HTTP. */
  eventType?: string;
}

/** A Cloud Run service or a function created, changed or deleted. */
export interface BackendChange {
  kind: 'run-service' | 'function';
  /** `projects/P/locations/L/services/S` or `projects/P/locations/R/functions/F` (`*` where unknown). */
  resource: string;
  /** Functions: 1 or 2. */
  generation?: 1 | 2;
  /** Settings after apply; undefined when the object is deleted. */
  after?: ServiceSettings;
  /** The object does not exist before apply (create). */
  created: boolean;
  provenance: Provenance;
}

/** A custom role's definition after apply (`projects/P/roles/R`, `organizations/O/roles/R`). */
export interface RoleChange {
  kind: 'role';
  name: string;
  /** undefined when deleted. */
  permissions?: string[];
  stage?: string;
  provenance: Provenance;
}

/** A deny policy after apply, by attachment point (`cloudresourcemanager.googleapis.com/projects/p`). */
export interface DenyChange {
  kind: 'deny';
  attachmentPoint: string;
  name: string;
  /** undefined when deleted. */
  policy?: DenyPolicy;
  provenance: Provenance;
}

/** One thing a plan will change in Google that a verdict may rest on. */
export type PlannedChange = IamChange | BackendChange | RoleChange | DenyChange;

/** What an action list does to the live object: take `before` out, bring `after` in; undefined = nothing. */
export interface ActionEffect {
  removeBefore: boolean;
  addAfter: boolean;
  label: string;
}

/** The effect of Terraform's `change.actions` (deposed objects: their delete takes away that object only). */
export function actionEffect(actions: string[], deposed?: string): ActionEffect | undefined {
  const key = actions.join(',');
  switch (key) {
    case 'create':
      return { removeBefore: false, addAfter: true, label: 'create' };
    case 'update':
      return { removeBefore: true, addAfter: true, label: 'update' };
    case 'delete':
      return { removeBefore: true, addAfter: false, label: deposed ? `delete deposed ${deposed}` : 'delete' };
    case 'delete,create':
    case 'create,delete':
      return { removeBefore: true, addAfter: true, label: 'replace' };
    // `removed { lifecycle { destroy = false } }`: the old object stays in Google as it is.
    case 'create,forget':
    case 'forget,create':
      return { removeBefore: false, addAfter: true, label: 'create, forget the old object' };
    default:
      // no-op, read, forget: nothing changes in Google.
      return undefined;
  }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const first = (v: unknown): Obj | undefined => (Array.isArray(v) && isObj(v[0]) ? v[0] : isObj(v) ? v : undefined);

/** The parent resource family of an IAM resource type, and the fields that name the resource. */
const IAM_FAMILIES: Record<string, (v: Obj, p: string | undefined) => string | undefined> = {
  google_cloud_run_service: (v, p) => runName(p, str(v.location), str(v.service)),
  google_cloud_run_v2_service: (v, p) => runName(p, str(v.location), str(v.name)),
  google_cloudfunctions_function: (v, p) => functionName(p, str(v.region), str(v.cloud_function)),
  google_cloudfunctions2_function: (v, p) => functionName(p, str(v.location), str(v.cloud_function)),
  google_project: (_v, p) => `projects/${p ?? '*'}`,
  google_folder: (v) => `folders/${(str(v.folder) ?? '*').replace(/^folders\//, '')}`,
  google_organization: (v) => `organizations/${(str(v.org_id) ?? '*').replace(/^organizations\//, '')}`,
  google_iap_web: (_v, p) => `projects/${p ?? '*'}/iap_web`,
  google_iap_web_type_app_engine: (v, p) => `projects/${p ?? '*'}/iap_web/appengine-${idOf(v.app_id)}`,
  google_iap_app_engine_service: (v, p) => `projects/${p ?? '*'}/iap_web/appengine-${idOf(v.app_id)}/services/${idOf(v.service)}`,
  google_iap_app_engine_version: (v, p) =>
    `projects/${p ?? '*'}/iap_web/appengine-${idOf(v.app_id)}/services/${idOf(v.service)}/versions/${idOf(v.version_id)}`,
};

function idOf(v: unknown): string {
  const s = str(v);
  return s ? (s.split('/').at(-1) ?? '*') : '*';
}

/** `projects/P/locations/L/services/S` from fields that may also hold a full name (`google_…_service.x.id`). */
function runName(project: string | undefined, location: string | undefined, service: string | undefined): string {
  const full = service ? /^(?:projects\/([^/]+)\/)?locations\/([^/]+)\/services\/([^/]+)$/.exec(service) : null;
  if (full) return `projects/${full[1] ?? project ?? '*'}/locations/${full[2]}/services/${full[3]}`;
  const v1 = service ? /^locations\/([^/]+)\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(service) : null;
  if (v1) return `projects/${v1[2]}/locations/${v1[1]}/services/${v1[3]}`;
  return `projects/${project ?? '*'}/locations/${location ?? '*'}/services/${service ?? '*'}`;
}

function functionName(project: string | undefined, region: string | undefined, fn: string | undefined): string {
  const full = fn ? /^projects\/([^/]+)\/locations\/([^/]+)\/functions\/([^/]+)$/.exec(fn) : null;
  if (full) return `projects/${full[1]}/locations/${full[2]}/functions/${full[3]}`;
  return `projects/${project ?? '*'}/locations/${region ?? '*'}/functions/${fn ?? '*'}`;
}

/** Where a resource's configuration and provider default live, looked up by address. */
class PlanContext {
  private readonly configs = new Map<string, ConfigResource>();
  /** Module calls by the module path they open (`module.a.`): the calling module's path and the call's arguments. */
  readonly calls = new Map<string, { parent: string; expressions: Obj }>();
  private readonly byAddress = new Map<string, ResourceChange[]>();
  private readonly plan: TerraformPlan;
  constructor(plan: TerraformPlan) {
    this.plan = plan;
    indexModule(plan.configuration?.root_module, '', this.configs, this.calls);
    for (const rc of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
      if (!isObj(rc) || typeof rc.address !== 'string') continue;
      const key = stripIndexes(rc.address);
      const list = this.byAddress.get(key);
      if (list) list.push(rc);
      else this.byAddress.set(key, [rc]);
    }
  }

  config(rc: ResourceChange): ConfigResource | undefined {
    return this.configs.get(stripIndexes(rc.address));
  }

  /** The provider's default `project`, only where the plan states it as a constant. */
  defaultProject(rc: ResourceChange): string | undefined {
    const providers = this.plan.configuration?.provider_config ?? {};
    const given = this.config(rc)?.provider_config_key;
    const key = typeof given === 'string' ? given : 'google';
    const provider: unknown = providers[key] ?? providers[key.replace(/^.*:/, '')];
    if (!isObj(provider) || !isObj(provider.expressions)) return undefined;
    const project = provider.expressions.project;
    if (!isObj(project)) return undefined;
    const constant = str(project.constant_value);
    if (constant || provider.module_address !== undefined) return constant;
    // `project = var.NAME` in the root module's provider block: the plan states the variable's value.
    const refs = Array.isArray(project.references) ? project.references : [];
    const variable = refs.length === 1 && typeof refs[0] === 'string' ? /^var\.([A-Za-z0-9_-]+)$/.exec(refs[0])?.[1] : undefined;
    const variables: unknown = (this.plan as { variables?: unknown }).variables;
    const entry = variable && isObj(variables) ? variables[variable] : undefined;
    return isObj(entry) ? str(entry.value) : undefined;
  }

  /** The instances of a resource by configuration address (module path and name, no indexes). */
  instances(configAddress: string): ResourceChange[] {
    return this.byAddress.get(configAddress) ?? [];
  }
}

/** Modules nested deeper than this are not followed (Terraform's own configurations stay far below). */
const MAX_MODULE_DEPTH = 64;

function indexModule(
  module: ConfigModule | undefined,
  prefix: string,
  out: Map<string, ConfigResource>,
  calls: Map<string, { parent: string; expressions: Obj }>,
  depth = 0,
): void {
  const m: unknown = module;
  if (!isObj(m) || depth > MAX_MODULE_DEPTH) return;
  if (Array.isArray(m.resources)) for (const r of m.resources) if (isObj(r) && typeof r.address === 'string') out.set(prefix + r.address, r as unknown as ConfigResource);
  if (!isObj(m.module_calls)) return;
  for (const [name, call] of Object.entries(m.module_calls)) {
    if (!isObj(call)) continue;
    const path = `${prefix}module.${name}.`;
    calls.set(path, { parent: prefix, expressions: isObj(call.expressions) ? call.expressions : {} });
    indexModule(call.module as ConfigModule | undefined, path, out, calls, depth + 1);
  }
}

/** `module.a["x"].google_t.n[0]` → `module.a.google_t.n`. */
export function stripIndexes(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|\d+)\]/g, '');
}

/** `module.a["x"].google_t.n[0]` → `module.a.` (the module path, configuration form). */
function modulePrefix(address: string): string {
  const stripped = stripIndexes(address);
  const m = /^((?:module\.[^.]+\.)*)/.exec(stripped);
  return m?.[1] ?? '';
}

/** Longest address shown in a message (Terraform's own stay far below; a hostile plan's are cut). */
const MAX_ADDRESS = 300;

function shown(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Every planned change of the families gateway-guard judges, over all plans. */
export function plannedChanges(plans: PlanFile[]): PlannedChange[] {
  return plans.flatMap((p) => changesOfPlan(p.plan));
}

function changesOfPlan(plan: TerraformPlan): PlannedChange[] {
  if (!isObj(plan)) return [];
  const ctx = new PlanContext(plan);
  const out: PlannedChange[] = [];
  for (const rc of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    if (!isObj(rc) || rc.mode !== 'managed' || typeof rc.type !== 'string' || typeof rc.address !== 'string' || !isObj(rc.change)) continue;
    const actions = Array.isArray(rc.change.actions) ? rc.change.actions.filter((a): a is string => typeof a === 'string') : [];
    const effect = actionEffect(actions, typeof rc.deposed === 'string' ? shown(rc.deposed, 40) : undefined);
    if (!effect) continue;
    const provenance: Provenance = { address: shown(rc.address, MAX_ADDRESS), action: effect.label };
    out.push(...changesOfResource(rc, effect, provenance, ctx));
  }
  return out;
}

function changesOfResource(rc: ResourceChange, effect: ActionEffect, provenance: Provenance, ctx: PlanContext): PlannedChange[] {
  const iam = /^(google_[a-z0-9_]+?)_iam_(member|binding|policy)$/.exec(rc.type);
  if (iam && IAM_FAMILIES[iam[1] as string]) return iamChanges(rc, iam[1] as string, iam[2] as IamChange['form'], effect, provenance, ctx);
  switch (rc.type) {
    case 'google_project_iam_member_remove':
      return memberRemove(rc, effect, provenance, ctx);
    case 'google_cloud_run_v2_service':
    case 'google_cloud_run_service':
    case 'google_cloudfunctions_function':
    case 'google_cloudfunctions2_function':
      return backendChanges(rc, effect, provenance, ctx);
    case 'google_project_iam_custom_role':
    case 'google_organization_iam_custom_role':
      return roleChanges(rc, effect, provenance, ctx);
    case 'google_iam_deny_policy':
      return denyChanges(rc, effect, provenance);
    default:
      return [];
  }
}

/** A project field (`p` or `projects/p`), or the provider default when the plan states it. */
function projectOf(values: Obj, unknown: Obj, rc: ResourceChange, ctx: PlanContext): string | undefined {
  const given = str(values.project);
  if (given) return given.replace(/^projects\//, '');
  // Set in the configuration, yet unknown: computed from another resource, known only after apply.
  if (unknown.project === true && ctx.config(rc)?.expressions?.project !== undefined) return undefined;
  return ctx.defaultProject(rc);
}

function iamChanges(rc: ResourceChange, family: string, form: IamChange['form'], effect: ActionEffect, provenance: Provenance, ctx: PlanContext): IamChange[] {
  const name = IAM_FAMILIES[family] as (v: Obj, p: string | undefined) => string;
  const change = rc.change;
  const before = isObj(change.before) ? change.before : undefined;
  const after = isObj(change.after) ? change.after : undefined;
  const unknown = isObj(change.after_unknown) ? change.after_unknown : {};
  const out: IamChange[] = [];
  let removal = effect.removeBefore && before ? iamPart(form, before, {}, rc, ctx) : undefined;
  if (removal && rc.deposed) removal = { bindings: withoutStanding(removal.bindings, standingValues(rc, ctx).map((v) => iamPart(form, v, {}, rc, ctx).bindings).flat()) };
  const addition = effect.addAfter && after ? iamPart(form, after, unknown, rc, ctx) : undefined;
  const oldResource = before ? name(before, projectOf(before, {}, rc, ctx)) : undefined;
  if (removal) out.push({ kind: 'iam', form, resource: oldResource as string, remove: removal.bindings, add: [], provenance });
  // create_before_destroy: the new object adds what is already there, then the old one's delete takes the same
  // grant (a member: that member; a binding: its whole role binding) away. Nothing of it is left after apply.
  const newResource = after ? name(withUnknownTargets(after, unknown), projectOf(after, unknown, rc, ctx)) : undefined;
  if (rc.change.actions.join(',') === 'create,delete' && removal && addition && form !== 'policy' && !rc.deposed && newResource === oldResource && sameGrant(form, removal.bindings, addition.bindings)) {
    return out.map((c) => ({ ...c, provenance: { ...provenance, action: 'replace, create before destroy' } }));
  }
  if (addition) {
    out.push({
      kind: 'iam',
      form,
      resource: name(withUnknownTargets(after as Obj, unknown), projectOf(after as Obj, unknown, rc, ctx)),
      remove: [],
      add: addition.bindings,
      ...(form === 'policy' ? { replaces: true } : {}),
      ...(addition.unknownPolicy ? { unknownPolicy: true } : {}),
      provenance,
    });
  }
  return out;
}

/** Whether the old and new object of a replacement hold the same grant (role and condition; a member's member too). */
function sameGrant(form: IamChange['form'], before: IamBinding[], after: IamBinding[]): boolean {
  const [b, a] = [before[0], after[0]];
  if (!b || !a || b.role !== a.role || a.role === UNKNOWN_ROLE || (b.condition?.expression ?? '') !== (a.condition?.expression ?? '') || (b.condition?.title ?? '') !== (a.condition?.title ?? '')) return false;
  if (form === 'binding') return true;
  const [mb, ma] = [b.members[0], a.members[0]];
  return mb !== undefined && ma !== undefined && ma !== UNKNOWN_MEMBER && mb.toLowerCase() === ma.toLowerCase();
}

/** What the current (not deposed) object at a deposed object's address holds after apply. */
function standingValues(deposed: ResourceChange, ctx: PlanContext): Obj[] {
  return ctx
    .instances(stripIndexes(deposed.address))
    .filter((rc) => rc.address === deposed.address && !rc.deposed && isObj(rc.change))
    .flatMap((rc) => {
      const actions = Array.isArray(rc.change.actions) ? rc.change.actions.filter((a): a is string => typeof a === 'string') : [];
      const effect = actionEffect(actions);
      const values = effect ? (effect.addAfter ? rc.change.after : undefined) : (rc.change.after ?? rc.change.before);
      return isObj(values) ? [values] : [];
    });
}

/** A deposed object's delete takes away that object only: members the current object holds stay. */
function withoutStanding(removed: IamBinding[], standing: IamBinding[]): IamBinding[] {
  return removed.flatMap((b) => {
    const kept = standing.filter((s) => s.role === b.role && (s.condition?.expression ?? '') === (b.condition?.expression ?? '')).flatMap((s) => s.members);
    const members = b.members.filter((m) => !kept.includes(m));
    return members.length > 0 ? [{ ...b, members }] : [];
  });
}

/** Values flagged unknown are dropped, so the resource name gets `*` there. */
function withUnknownTargets(values: Obj, unknown: Obj): Obj {
  const out: Obj = { ...values };
  for (const key of Object.keys(unknown)) if (unknown[key] === true) delete out[key];
  return out;
}

function conditionOf(v: unknown): IamCondition | undefined {
  const c = first(v);
  if (!c) return undefined;
  const expression = str(c.expression);
  if (!expression) return undefined;
  return { expression, ...(str(c.title) ? { title: str(c.title) } : {}), ...(str(c.description) ? { description: str(c.description) } : {}) };
}

/** The bindings an IAM resource's values stand for (unknown members and roles replaced by placeholders). */
function iamPart(form: IamChange['form'], values: Obj, unknown: Obj, rc: ResourceChange, ctx: PlanContext): { bindings: IamBinding[]; unknownPolicy?: boolean } {
  if (form === 'policy') {
    const bindings = unknown.policy_data === true || typeof values.policy_data !== 'string' ? undefined : policyBindings(values.policy_data);
    // A policy that cannot be read replaces what is live with something unknown: judged as such, never as empty.
    return bindings ? { bindings } : { bindings: [], unknownPolicy: true };
  }
  const role = unknown.role === true ? UNKNOWN_ROLE : (str(values.role) ?? UNKNOWN_ROLE);
  const condition = anyUnknown(unknown.condition) ? UNKNOWN_CONDITION : conditionOf(values.condition);
  const members =
    form === 'member'
      ? [unknown.member === true || !str(values.member) ? resolveUnknownMember(rc, 'member', ctx) : (values.member as string)]
      : membersOf(values.members, unknown.members, rc, ctx);
  return { bindings: [{ role, members, ...(condition ? { condition } : {}) }] };
}

function membersOf(values: unknown, unknown: unknown, rc: ResourceChange, ctx: PlanContext): string[] {
  if (unknown === true || !Array.isArray(values)) return [resolveUnknownMember(rc, 'members', ctx)];
  return values.map((m, i) =>
    typeof m === 'string' && !(Array.isArray(unknown) && unknown[i] === true) ? m : resolveUnknownMember(rc, 'members', ctx),
  );
}

/**
 * `policy_data` (JSON text of an IAM policy) → bindings; undefined when it is not a policy. Keys are matched as the
 * provider's Go `encoding/json` matches them: without regard to case (`Bindings`, `bindingſ`), so two keys that
 * fold to the same field are ambiguous (Go takes the last in the text, which `JSON.parse` cannot tell): undefined.
 */
export function policyBindings(text: string): IamBinding[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(json)) return undefined;
  const bindings = goField(json, 'bindings');
  if (bindings === AMBIGUOUS) return undefined;
  if (bindings === undefined) return [];
  if (!Array.isArray(bindings)) return undefined;
  const out: IamBinding[] = [];
  for (const b of bindings.filter(isObj)) {
    const role = goField(b, 'role');
    const members = goField(b, 'members');
    const c = goField(b, 'condition');
    if (role === AMBIGUOUS || members === AMBIGUOUS || c === AMBIGUOUS) return undefined;
    let condition: IamCondition | undefined;
    if (isObj(c)) {
      const fields = { expression: goField(c, 'expression'), title: goField(c, 'title'), description: goField(c, 'description') };
      if (Object.values(fields).includes(AMBIGUOUS)) return undefined;
      condition = conditionOf(fields);
    }
    out.push({
      role: str(role) ?? UNKNOWN_ROLE,
      members: Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [],
      ...(condition ? { condition } : {}),
    });
  }
  return out;
}

const AMBIGUOUS = Symbol('ambiguous');

/** Go's `bytes.EqualFold` on keys: ASCII letters without case; `ſ` (U+017F) is `s`, `K` (U+212A) is `k`. */
const goFold = (key: string): string => key.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/\u017f/g, 's').replace(/\u212a/g, 'k');

/** The value of the key Go's `encoding/json` would read into the field `name`; {@link AMBIGUOUS} when several may. */
function goField(obj: Obj, name: string): unknown {
  const keys = Object.keys(obj).filter((k) => goFold(k) === name);
  if (keys.length > 1) return AMBIGUOUS;
  return keys.length === 1 ? obj[keys[0] as string] : undefined;
}

/**
 * A member known only after apply: the `google_service_account` created in the same plan that the
 * configuration references, as `serviceAccount:ACCOUNT_ID@PROJECT.iam.gserviceaccount.com`; anything else is
 * {@link UNKNOWN_MEMBER}.
 */
function resolveUnknownMember(rc: ResourceChange, field: string, ctx: PlanContext): string {
  return referencedMember(rc, ctx.config(rc)?.expressions?.[field], ctx);
}

/**
 * The email of the `google_service_account` created in the same plan that an expression of `address`
 * references (e.g. an API config's `gateway_config[0].backend_config[0].google_service_account`), if it is one.
 */
export function referencedAccount(plan: TerraformPlan, address: string, expression: unknown): string | undefined {
  const rc = (Array.isArray(plan.resource_changes) ? plan.resource_changes : []).find((r) => isObj(r) && r.address === address);
  if (!rc) return undefined;
  const member = referencedMember(rc, expression, new PlanContext(plan));
  return member.startsWith('serviceAccount:') ? member.slice('serviceAccount:'.length) : undefined;
}

function referencesOf(expr: unknown): string[] {
  return isObj(expr) && Array.isArray(expr.references) ? expr.references.filter((r): r is string => typeof r === 'string') : [];
}

/**
 * The `google_service_account` resources (configuration addresses, with the module path) that references made
 * in module `prefix` stand for: followed through `each.value` (the resource's `for_each`) and `var.X` (the
 * module call's argument), a few levels up at most.
 */
function referencedAccounts(refs: string[], prefix: string, config: ConfigResource | undefined, ctx: PlanContext, depth = 0): string[] {
  if (depth > 8) return [];
  return refs.flatMap((ref) => {
    const sa = /^(google_service_account\.[A-Za-z0-9_-]+)((?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?)/.exec(ref);
    if (sa) return [`${prefix}${sa[1]}${sa[2]}`];
    if (/^each\.(value|key)$/.test(ref) && config) {
      return referencedAccounts(referencesOf((config as unknown as Obj).for_each_expression), prefix, undefined, ctx, depth + 1);
    }
    const variable = /^var\.([A-Za-z0-9_-]+)/.exec(ref)?.[1];
    const call = variable ? ctx.calls.get(prefix) : undefined;
    if (variable && call) return referencedAccounts(referencesOf(call.expressions[variable]), call.parent, undefined, ctx, depth + 1);
    return [];
  });
}

function referencedMember(rc: ResourceChange, expr: unknown, ctx: PlanContext): string {
  const accounts = new Set(referencedAccounts(referencesOf(expr), modulePrefix(rc.address), ctx.config(rc), ctx));
  const emails = new Set<string>();
  for (const ref of accounts) {
    const instances = ctx.instances(stripIndexes(ref)).filter((i) => !/\]$/.test(ref) || i.address.endsWith(ref.slice(ref.lastIndexOf('google_service_account.'))));
    // An instance of a module (or with for_each) picks its own (or an enclosing module's): only a single candidate is certain.
    const mine = instances.filter((i) => modulePrefixFull(rc.address).startsWith(modulePrefixFull(i.address)));
    const pick = mine.length === 1 ? mine : instances.length === 1 ? instances : [];
    for (const sa of pick) {
      const email = accountEmail(sa, ctx);
      if (email) emails.add(email);
    }
  }
  return emails.size === 1 ? `serviceAccount:${[...emails][0] as string}` : UNKNOWN_MEMBER;
}

/** The module path of an address with its instance keys (`module.a["x"].`). */
function modulePrefixFull(address: string): string {
  const m = /^((?:module\.[^.[]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.)*)/.exec(address);
  return m?.[1] ?? '';
}

function accountEmail(sa: ResourceChange, ctx: PlanContext): string | undefined {
  const after = isObj(sa.change?.after) ? sa.change.after : undefined;
  if (!after) return undefined;
  const email = str(after.email);
  if (email) return email;
  const id = str(after.account_id);
  const project = projectOf(after, isObj(sa.change.after_unknown) ? sa.change.after_unknown : {}, sa, ctx);
  return id && project ? `${id}@${project}.iam.gserviceaccount.com` : undefined;
}

/** `google_project_iam_member_remove`: creating it takes the member out; deleting it changes nothing. */
function memberRemove(rc: ResourceChange, effect: ActionEffect, provenance: Provenance, ctx: PlanContext): IamChange[] {
  const after = isObj(rc.change.after) ? rc.change.after : undefined;
  if (!effect.addAfter || !after) return [];
  const unknown = isObj(rc.change.after_unknown) ? rc.change.after_unknown : {};
  const role = str(after.role);
  const member = str(after.member);
  if (!role || !member) return [];
  // With the project unknown, it may take the member away from any project (the overlay judges that).
  const project = projectOf(after, unknown, rc, ctx) ?? '*';
  return [{ kind: 'iam', form: 'member', resource: `projects/${project}`, remove: [{ role, members: [member] }], add: [], provenance }];
}

const V1_INGRESS: Record<string, string> = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-cloud-load-balancing': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};

function backendChanges(rc: ResourceChange, effect: ActionEffect, provenance: Provenance, ctx: PlanContext): BackendChange[] {
  // A deposed object's delete takes away that old object only: the service at its name is the current one.
  if (rc.deposed) return [];
  const before = isObj(rc.change.before) ? rc.change.before : undefined;
  const after = isObj(rc.change.after) ? rc.change.after : undefined;
  const unknown = isObj(rc.change.after_unknown) ? rc.change.after_unknown : {};
  const values = (effect.addAfter ? after : before) ?? {};
  const known = effect.addAfter ? withUnknownTargets(values, unknown) : values;
  const project = projectOf(known, effect.addAfter ? unknown : {}, rc, ctx);
  const kind = rc.type.startsWith('google_cloud_run') ? 'run-service' : 'function';
  const resource =
    kind === 'run-service'
      ? runName(project, str(known.location), str(known.name))
      : functionName(project, str(known.region) ?? str(known.location), str(known.name));
  const generation: 1 | 2 | undefined = rc.type === 'google_cloudfunctions_function' ? 1 : rc.type === 'google_cloudfunctions2_function' ? 2 : undefined;
  const base = { kind, resource, ...(generation ? { generation } : {}), provenance } as const;
  if (!effect.addAfter || !after) return [{ ...base, created: false }];
  // A replacement also deletes the old object first; for the verdict only what stands after apply counts.
  return [{ ...base, created: !before, after: settingsOf(rc.type, after, unknown) }];
}

function settingsOf(type: string, after: Obj, unknown: Obj): ServiceSettings {
  const s: ServiceSettings = {};
  const known = (key: string): unknown => (unknown[key] === true ? undefined : after[key]);
  if (type === 'google_cloud_run_v2_service') {
    if (str(known('ingress'))) s.ingress = known('ingress') as string;
    if (typeof known('invoker_iam_disabled') === 'boolean') s.invokerIamDisabled = known('invoker_iam_disabled') as boolean;
    if (unknown.invoker_iam_disabled === true) s.invokerIamDisabledUnknown = true;
    if (typeof known('default_uri_disabled') === 'boolean') s.defaultUriDisabled = known('default_uri_disabled') as boolean;
    const audiences = known('custom_audiences');
    if (Array.isArray(audiences)) s.customAudiences = audiences.filter((a): a is string => typeof a === 'string');
  } else if (type === 'google_cloud_run_service') {
    const annotations = first(known('metadata'))?.annotations;
    const unknownMeta = first(unknown.metadata)?.annotations;
    // A map known only after apply, or one of its keys: no value is invented for it (the live one stays).
    const flagged = (key: string): boolean => unknownMeta === true || (isObj(unknownMeta) && unknownMeta[key] === true);
    if (isObj(annotations) && unknownMeta !== true) {
      const ingress = str(annotations['run.googleapis.com/ingress']);
      if (!flagged('run.googleapis.com/ingress')) s.ingress = ingress ? (V1_INGRESS[ingress] ?? ingress) : 'INGRESS_TRAFFIC_ALL';
      if (flagged('run.googleapis.com/invoker-iam-disabled')) s.invokerIamDisabledUnknown = true;
      else s.invokerIamDisabled = annotations['run.googleapis.com/invoker-iam-disabled'] === 'true';
    }
  } else if (type === 'google_cloudfunctions_function') {
    if (str(known('ingress_settings'))) s.ingressSettings = known('ingress_settings') as string;
    const trigger = first(known('event_trigger'));
    if (trigger && str(trigger.event_type)) s.eventType = trigger.event_type as string;
  } else {
    const config = first(known('service_config'));
    if (config && str(config.ingress_settings)) s.ingressSettings = config.ingress_settings as string;
  }
  return s;
}

function roleChanges(rc: ResourceChange, effect: ActionEffect, provenance: Provenance, ctx: PlanContext): RoleChange[] {
  const before = isObj(rc.change.before) ? rc.change.before : undefined;
  const after = isObj(rc.change.after) ? rc.change.after : undefined;
  const unknown = isObj(rc.change.after_unknown) ? rc.change.after_unknown : {};
  const nameOf = (v: Obj, u: Obj): string | undefined => {
    const id = str(v.role_id);
    if (!id) return undefined;
    if (rc.type === 'google_organization_iam_custom_role') return str(v.org_id) ? `organizations/${idOf(v.org_id)}/roles/${id}` : undefined;
    const project = projectOf(v, u, rc, ctx);
    return project ? `projects/${project}/roles/${id}` : undefined;
  };
  const out: RoleChange[] = [];
  const oldName = before ? nameOf(before, {}) : undefined;
  const newName = effect.addAfter && after ? nameOf(after, unknown) : undefined;
  if (effect.removeBefore && oldName && oldName !== newName) out.push({ kind: 'role', name: oldName, provenance });
  if (newName && after) {
    const permissions = unknown.permissions === true || !Array.isArray(after.permissions) ? undefined : after.permissions.filter((p): p is string => typeof p === 'string');
    // Permissions known only after apply: the role may hold anything (judged like an unknown role).
    out.push({ kind: 'role', name: newName, permissions: permissions ?? [UNKNOWN_ROLE], ...(str(after.stage) ? { stage: after.stage as string } : {}), provenance });
  }
  return out;
}

function denyChanges(rc: ResourceChange, effect: ActionEffect, provenance: Provenance): DenyChange[] {
  const before = isObj(rc.change.before) ? rc.change.before : undefined;
  const after = isObj(rc.change.after) ? rc.change.after : undefined;
  const key = (v: Obj): { attachmentPoint: string; name: string } | undefined => {
    const parent = str(v.parent);
    const name = str(v.name);
    if (!parent || !name) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(parent);
    } catch {
      return undefined;
    }
    return { attachmentPoint: decoded, name };
  };
  const out: DenyChange[] = [];
  const old = before ? key(before) : undefined;
  const next = effect.addAfter && after ? key(after) : undefined;
  if (effect.removeBefore && old && !(next && next.attachmentPoint === old.attachmentPoint && next.name === old.name)) {
    out.push({ kind: 'deny', ...old, provenance });
  }
  if (next && after) {
    out.push({ kind: 'deny', ...next, policy: { name: next.name, ...(str(after.display_name) ? { displayName: after.display_name as string } : {}), rules: denyRules(after.rules, isObj(rc.change.after_unknown) ? rc.change.after_unknown.rules : undefined) }, provenance });
  }
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** A principal of a deny rule known only after apply: may be the account (never everyone, so it hides no public grant). */
const UNKNOWN_DENY_PRINCIPAL = 'principalSet://goog/group/(known after apply)';
/** A denial condition (or permissions) known only after apply: the deny may apply, never certainly (so it hides no public grant). */
const UNKNOWN_DENY_CONDITION: IamCondition = { title: 'known only after apply', expression: '(known after apply)' };

/** Whether an `after_unknown` value flags anything unknown. */
function anyUnknown(u: unknown): boolean {
  return u === true || (Array.isArray(u) ? u.some(anyUnknown) : isObj(u) && Object.values(u).some(anyUnknown));
}

/**
 * The deny rules after apply; parts known only after apply may deny the account (IAM applies what it cannot
 * evaluate) but never certainly deny everyone: a deny that may not apply must not hide a public grant.
 */
function denyRules(rules: unknown, unknown: unknown): DenyRule[] {
  const unknownRule: DenyRule = { deniedPrincipals: [UNKNOWN_DENY_PRINCIPAL], exceptionPrincipals: [], deniedPermissions: ['*'], exceptionPermissions: [], denialCondition: UNKNOWN_DENY_CONDITION };
  if (unknown === true) return [unknownRule];
  if (!Array.isArray(rules)) return [];
  const at = (u: unknown, i: number): unknown => (Array.isArray(u) ? u[i] : undefined);
  return rules.flatMap((r, i) => {
    const ur = at(unknown, i);
    if (ur === true || (isObj(ur) && ur.deny_rule === true)) return [unknownRule];
    if (!isObj(r)) return [];
    const ud = isObj(ur) ? ur.deny_rule : undefined;
    return (Array.isArray(r.deny_rule) ? r.deny_rule : []).flatMap((d, j) => {
      const u = at(ud, j);
      if (u === true) return [unknownRule];
      if (!isObj(d)) return [];
      const flags = isObj(u) ? u : {};
      const principals = (key: string) => [...strings(d[key]), ...(anyUnknown(flags[key]) ? [UNKNOWN_DENY_PRINCIPAL] : [])];
      const permissionsUnknown = anyUnknown(flags.denied_permissions) || anyUnknown(flags.exception_permissions);
      const condition = anyUnknown(flags.denial_condition) || permissionsUnknown ? UNKNOWN_DENY_CONDITION : conditionOf(d.denial_condition);
      return [
        {
          deniedPrincipals: principals('denied_principals'),
          exceptionPrincipals: principals('exception_principals'),
          deniedPermissions: [...strings(d.denied_permissions), ...(anyUnknown(flags.denied_permissions) ? ['*'] : [])],
          exceptionPermissions: strings(d.exception_permissions),
          ...(condition ? { denialCondition: condition } : {}),
        },
      ];
    });
  });
}

/**
 * The IAM resources (`_iam_member`/`_binding`/`_policy`) that stand after apply, unchanged ones included
 * (`no-op`): how the repository manages IAM, for fixes in its style. Each is an arriving {@link IamChange}.
 */
export function standingIam(plans: PlanFile[]): IamChange[] {
  return plans.flatMap(({ plan }) => {
    if (!isObj(plan)) return [];
    const ctx = new PlanContext(plan);
    return (Array.isArray(plan.resource_changes) ? plan.resource_changes : []).flatMap((rc) => {
      if (!isObj(rc) || rc.mode !== 'managed' || typeof rc.type !== 'string' || typeof rc.address !== 'string' || !isObj(rc.change) || rc.deposed) return [];
      const iam = /^(google_[a-z0-9_]+?)_iam_(member|binding|policy)$/.exec(rc.type);
      if (!iam || !IAM_FAMILIES[iam[1] as string]) return [];
      const actions = Array.isArray(rc.change.actions) ? rc.change.actions.filter((a): a is string => typeof a === 'string') : [];
      const effect = actions.join(',') === 'no-op' ? { removeBefore: false, addAfter: true, label: 'no-op' } : actionEffect(actions);
      if (!effect?.addAfter) return [];
      const provenance: Provenance = { address: shown(rc.address, MAX_ADDRESS), action: effect.label };
      return iamChanges(rc, iam[1] as string, iam[2] as IamChange['form'], { ...effect, removeBefore: false }, provenance, ctx);
    });
  });
}
