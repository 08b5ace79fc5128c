/**
 * The planned state in the pipeline: applies the pure overlay to each resolved target and its gathered
 * facts, reads what the plan names and was not read (roles it binds, a project's number), and makes every
 * finding that rests on a planned change name it.
 */
import type { BackendFacts } from '../facts.ts';
import { explainFailure } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import type { IamBinding } from '../gcp/types.ts';
import { rolesToRead } from '../iam/evaluate.ts';
import type { AccessFacts } from '../iam/facts.ts';
import { matchMember } from '../iam/principals.ts';
import type { AddressInfo } from '../resolve/address.ts';
import type { ResolvedTarget, Target } from '../resolve/target.ts';
import type { Finding } from '../types.ts';
import type { PlannedChange, Provenance } from './changes.ts';
import { describeProvenance, overlayAccess, overlayTarget, plannedRoles, type PlannedNote, type WithNotes } from './overlay.ts';

/** Longest address looked for in a message (changes.ts cuts longer ones to 300 characters and `…`). */
const MAX_NAMED = 302;
const ACCOUNT_RULES = new Set(['missing-invoker', 'missing-iap-access', 'missing-app-engine-permissions', 'conditional-grant', 'unverified-grant', 'iam-unreadable']);
const BACKEND_RULES = new Set(['unreachable-backend', 'audience-mismatch', 'public-access', 'backend-not-found']);

/** Planned changes applied on top of the live facts of one run. */
export class PlanOverlay {
  /** Planned changes by address, to find those a message names. */
  private readonly byAddress = new Map<string, Provenance[]>();
  /** Allow-policy changes by the shape of the resource they name (see {@link shapeKey}); `*` patterns apart. */
  private readonly iamByShape = new Map<string, PlannedChange[]>();
  private readonly iamPatterns: PlannedChange[] = [];
  /** Role, deny and backend changes: few, and each concerns any chain. */
  private readonly others: PlannedChange[] = [];
  private readonly google: GoogleCloud;
  private readonly changes: PlannedChange[];
  private readonly accounts: string[];

  constructor(google: GoogleCloud, changes: PlannedChange[], accounts: string[]) {
    this.google = google;
    this.changes = changes;
    this.accounts = accounts;
    for (const c of changes) {
      const known = this.byAddress.get(c.provenance.address) ?? [];
      if (!known.some((p) => p.action === c.provenance.action)) known.push(c.provenance);
      this.byAddress.set(c.provenance.address, known);
      if (c.kind !== 'iam') this.others.push(c);
      else if (c.resource.split('/').some((seg) => seg.endsWith('*'))) this.iamPatterns.push(c);
      else {
        const key = shapeKey(c.resource);
        const list = this.iamByShape.get(key);
        if (list) list.push(c);
        else this.iamByShape.set(key, [c]);
      }
    }
  }

  /** The changes that may concern a chain of policies (the overlay matches them exactly). */
  private relevant(access: AccessFacts): PlannedChange[] {
    const iam = new Set(access.policies.flatMap((p) => this.iamByShape.get(shapeKey(p.resource)) ?? []));
    // In plan order: removals and additions keep the order the plan gives them.
    return [...(iam.size > 0 ? this.changes.filter((c) => iam.has(c)) : []), ...this.iamPatterns, ...this.others];
  }

  /** IDs and numbers of a project, as far as Resource Manager already told (cached) or tells once. */
  private async aliases(projects: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    await Promise.all(
      [...new Set(projects)].map(async (p) => {
        const info = await this.google.resourceManager.project(p).catch(() => undefined);
        const set = new Set([p, ...(info ? [info.projectId, info.projectNumber] : [])]);
        for (const id of set) out.set(id, set);
      }),
    );
    return out;
  }

  /** The target after apply (settings, deletion, or a backend the plan creates at the address). */
  async target(target: Target, info: AddressInfo): Promise<Target> {
    if (this.changes.length === 0) return target;
    const backendChanges = this.changes.filter((c) => c.kind === 'run-service' || c.kind === 'function');
    if (backendChanges.length === 0) return target;
    const projects = 'project' in target ? [target.project] : [];
    if (target.kind === 'not-found') {
      if (info.kind === 'cloud-run' && info.form === 'deterministic') projects.push(info.projectNumber);
      if (info.kind === 'cloud-run' && info.form === 'hash') {
        for (const c of backendChanges) if (c.kind === 'run-service' && c.created) projects.push(c.resource.split('/')[1] ?? '');
      }
    }
    const known = await this.aliases(projects.filter((p) => p && p !== '*'));
    return overlayTarget(target, info, this.changes, {
      aliases: (p) => known.get(p) ?? new Set([p]),
      numberOf: (p) => [...(known.get(p) ?? [])].find((x) => /^\d+$/.test(x)),
    });
  }

  /** The facts of a resolved target after apply; roles the plan binds are read (or taken from the plan). */
  async facts(facts: BackendFacts, target: ResolvedTarget): Promise<BackendFacts> {
    if (this.changes.length === 0) return facts;
    const known = await this.aliases([target.project]);
    const aliases = new Set([...(known.get(target.project) ?? [target.project]), target.resource.split('/')[1] ?? target.project]);
    if (target.kind === 'app-engine' && target.projectNumber) aliases.add(target.projectNumber);
    const scope = { aliases, accounts: this.accounts };
    const access = await this.completeRoles(overlayAccess(facts.access, this.relevant(facts.access), scope), aliases);
    const functionAccess = facts.functionAccess
      ? await this.completeRoles(overlayAccess(facts.functionAccess, this.relevant(facts.functionAccess), scope), aliases)
      : undefined;
    return { ...facts, access, ...(functionAccess ? { functionAccess } : {}) };
  }

  private async completeRoles<T extends AccessFacts>(access: T, aliases: ReadonlySet<string>): Promise<T> {
    const wanted = [...new Set(this.accounts.flatMap((a) => rolesToRead(access, a)))].filter((r) => !access.roles.has(r));
    if (wanted.length === 0) return access;
    const fromPlan = plannedRoles(wanted, this.changes, aliases);
    const roles = new Map(access.roles);
    await Promise.all(
      wanted.map(async (name) => {
        const planned = fromPlan.get(name);
        if (planned) return void roles.set(name, planned);
        try {
          roles.set(name, { definition: await this.google.iam.role(name) });
        } catch (err) {
          roles.set(name, { error: `Could not read role ${name}: ${explainFailure(err, 'iam.roles.get')}` });
        }
      }),
    );
    return { ...access, roles };
  }

  /**
   * Whether the verdict on the account's access rests on a planned change: a planned grant to it, the public or a
   * group, or the removal of one; a backend, role or deny change. Then Policy Troubleshooter, which sees the
   * present, is not its judge.
   */
  restsOnPlan(target: Target, facts: BackendFacts | undefined, account: string): boolean {
    const relevant = (m: string) => matchMember(m, account) !== 'other';
    return (
      notesOf(target, facts).some((n) => n.about !== 'removal' || (n.members ?? []).some(relevant)) ||
      plannedBindings(facts).some((b) => b.members.some(relevant))
    );
  }

  /** The planned changes a message names: each `ADDRESS (ACTION)` in it that is a change of the plans. */
  private named(message: string): Provenance[] {
    const out: Provenance[] = [];
    for (let at = message.indexOf(' ('); at >= 0; at = message.indexOf(' (', at + 1)) {
      // An address may hold spaces (`["eu west"]`): every start after a space, up to the longest address shown.
      for (let from = at - 1; from >= Math.max(0, at - MAX_NAMED); from--) {
        if (from > 0 && !/[\s(]/.test(message[from - 1] as string)) continue;
        const token = message.slice(from, at).replace(/^\(+/, '');
        for (const p of this.byAddress.get(token) ?? []) if (!out.includes(p) && namesChange(message, describeProvenance(p))) out.push(p);
      }
    }
    return out;
  }

  /**
   * Policy Troubleshooter judges only what is live: for a verdict that rests on the plan it is not asked, and
   * the findings about the account's grant say so (instead of reporting a disagreement with the present).
   */
  withoutSecondOpinion(findings: Finding[], target: ResolvedTarget, facts: BackendFacts | undefined): Finding[] {
    const changes = [...new Set([...notesOf(target, facts).map((n) => n.provenance), ...plannedBindings(facts).map((b) => b.planned as Provenance)].map(describeProvenance))];
    const note = ` Policy Troubleshooter was not asked: this verdict rests on planned changes (${changes.join(', ')}), and it judges only what is live today.`;
    return findings.map((f) => (ACCOUNT_RULES.has(f.rule) ? { ...f, message: f.message + note } : f));
  }

  /**
   * Findings that rest on a planned change say so: the removals, backend, role and deny changes they depend
   * on are named in the message, and `planned` lists every change the message names.
   */
  annotate(findings: Finding[], target: Target, facts: BackendFacts | undefined, account: string): Finding[] {
    if (this.changes.length === 0) return findings;
    const notes = notesOf(target, facts);
    const chains = [facts?.access, facts?.functionAccess].filter((a): a is AccessFacts => a !== undefined);
    const accountRoles = new Set(chains.flatMap((a) => rolesToRead(a, account)));
    return findings.map((finding) => {
      const relevant = notes.filter((n) => concerns(n, finding, account, accountRoles));
      const extra = [...new Set(relevant.map((n) => n.text))].filter((t) => !finding.message.includes(t));
      const message = extra.length > 0 ? `${finding.message} Planned: ${extra.join('; ')}.` : finding.message;
      const planned = this.named(message);
      return planned.length > 0 ? { ...finding, message, planned: planned.map((p) => ({ ...p })) } : finding;
    });
  }
}

/**
 * Resources that a change may name, up to project IDs vs numbers: `projects/*` (any project), else the
 * segment count and the last segment (`…/services/orders` → `6:orders`, `folders/200` → `2:200`).
 */
function shapeKey(resource: string): string {
  const segs = resource.split('/');
  if (segs.length === 2 && segs[0] === 'projects') return '2:projects';
  return `${segs.length}:${segs.at(-1) ?? ''}`;
}

function notesOf(target: Target, facts: BackendFacts | undefined): PlannedNote[] {
  return [
    ...((target as WithNotes<Target>).planned ?? []),
    ...((facts?.access as WithNotes<AccessFacts> | undefined)?.planned ?? []),
    ...((facts?.functionAccess as WithNotes<AccessFacts> | undefined)?.planned ?? []),
  ];
}

/** The bindings of a backend's policy chains that a planned change brings. */
function plannedBindings(facts: BackendFacts | undefined): IamBinding[] {
  const chains = [facts?.access, facts?.functionAccess].filter((a): a is AccessFacts => a !== undefined);
  return chains.flatMap((a) => a.policies.flatMap((p) => (p.policy?.bindings ?? []).filter((b) => b.planned)));
}

/** Whether `message` names the change `described` (`google_x.y (create)`), not merely a longer address ending the same way. */
function namesChange(message: string, described: string): boolean {
  for (let at = message.indexOf(described); at >= 0; at = message.indexOf(described, at + 1)) {
    if (at === 0 || !/[\w.\]"-]/.test(message[at - 1] as string)) return true;
  }
  return false;
}

/**
 * Whether a planned note explains a finding: a removal of the account's (or a group's) grant, a change of a
 * role bound to the account or the public, a backend change. Deny policies name their change themselves.
 */
function concerns(note: PlannedNote, finding: Finding, account: string, accountRoles: ReadonlySet<string>): boolean {
  switch (note.about) {
    case 'removal':
      // Account-side findings (an `iam-unreadable` about the public names no permission).
      if (!ACCOUNT_RULES.has(finding.rule) || (finding.rule === 'iam-unreadable' && !finding.permission && !finding.message.includes('Cannot verify that'))) return false;
      return (note.members ?? []).some((m) => {
        const match = matchMember(m, account);
        return match === 'self' || match === 'unverified';
      });
    case 'role':
      return (ACCOUNT_RULES.has(finding.rule) || finding.rule === 'public-access') && accountRoles.has(note.role ?? '');
    case 'deny':
      return false;
    case 'backend':
      if (note.created) return true;
      return BACKEND_RULES.has(finding.rule) && (finding.rule !== 'public-access' || /invoker IAM check is disabled/.test(finding.message));
  }
}
