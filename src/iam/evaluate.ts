import type { IamCondition, PlannedSource } from '../gcp/types.ts';
import { holdsLater, judgeCondition, type ConditionFacts, type ConditionVerdict } from './conditions.ts';
import { whoIsDenied, type DenyAnswer } from './deny.ts';
import type { AccessFacts, PolicyFact } from './facts.ts';
import { matchMember } from './principals.ts';

/** One binding that gives `permission` to a member. */
export interface Grant {
  resource: string;
  level: PolicyFact['level'];
  role: string;
  member: string;
  condition?: IamCondition;
  /** ISO end time of a time-bound condition. */
  endsAt?: string;
  expiresSoon?: boolean;
  /** Why a conditional grant holds only sometimes: its schedule, or that each request decides. */
  schedule?: string;
  /** The planned change that brings the binding, when it is not live yet. */
  planned?: PlannedSource;
}

/** A binding that would grant, but whose condition does not hold (false now, or never for this resource). */
export interface RefusedGrant {
  grant: Grant;
  why: string;
}

/** Who holds a permission on a resource, as far as the facts tell. */
export interface AccessAnswer {
  /** The service account, unconditionally. */
  direct: Grant[];
  /** The service account, under a condition true now only by way of the time, or decided per request. */
  conditional: Grant[];
  /** The service account's bindings whose condition does not grant now, with why. */
  refused: RefusedGrant[];
  /** A group or principal set that may contain the service account. */
  unverified: Grant[];
  /** allUsers / allAuthenticatedUsers, with or without a condition. */
  public: Grant[];
  /** Why the answer may be incomplete: unreadable policies, roles or ancestry. */
  unknownForAccount: string[];
  unknownForPublic: string[];
  /** Deny policies that override grants of the permission. */
  deny: DenyAnswer;
}

/** Evaluates which grants of `permission` apply, for the account `email` and for the public. */
export function whoHolds(permission: string, email: string, facts: AccessFacts, now: Date): AccessAnswer {
  const deny = whoIsDenied(permission, email, facts, now);
  const answer: AccessAnswer = { direct: [], conditional: [], refused: [], unverified: [], public: [], unknownForAccount: [], unknownForPublic: [], deny };
  const attributes: ConditionFacts = facts.attributes ?? { backend: 'cloud-run' };
  const unknownForBoth = (reason: string): void => {
    answer.unknownForAccount.push(reason);
    answer.unknownForPublic.push(reason);
  };
  if (facts.ancestryError) unknownForBoth(facts.ancestryError);
  for (const fact of facts.policies) {
    if (!fact.policy) {
      unknownForBoth(fact.error ?? `the IAM policy of ${fact.resource} could not be read`);
      continue;
    }
    for (const binding of fact.policy.bindings) {
      const matches = binding.members.map((member) => ({ member, match: matchMember(member, email) }));
      const relevant = matches.filter((m) => m.match !== 'other');
      if (relevant.length === 0) continue;
      const role = facts.roles.get(binding.role);
      if (binding.mayBePublic && (!role?.definition || role.definition.includedPermissions.includes(permission))) answer.unknownForPublic.push(`${binding.mayBePublic}.`);
      if (!role?.definition) {
        const reason = role?.error ?? `role ${binding.role} could not be read`;
        if (relevant.some((m) => m.match !== 'public')) answer.unknownForAccount.push(reason);
        if (relevant.some((m) => m.match === 'public')) answer.unknownForPublic.push(reason);
        continue;
      }
      const def = role.definition;
      if (def.deleted || def.stage === 'DISABLED' || !def.includedPermissions.includes(permission)) continue;
      for (const { member, match } of relevant) {
        const grant: Grant = { resource: fact.resource, level: fact.level, role: binding.role, member, ...(binding.planned ? { planned: binding.planned } : {}) };
        const verdict: ConditionVerdict = binding.condition ? judgeCondition(binding.condition, attributes, now) : { holds: 'always' };
        if (binding.condition) grant.condition = binding.condition;
        if (verdict.holds === 'unreadable') {
          (match === 'public' ? answer.unknownForPublic : answer.unknownForAccount).push(`${describeBinding(grant)}: ${verdict.why}.`);
          continue;
        }
        if (verdict.holds === 'no') {
          if (match === 'self') answer.refused.push({ grant, why: verdict.why });
          // A public grant false now but true later (a start date, nights, weekends) is public then.
          const later = match === 'public' && binding.condition ? holdsLater(binding.condition, attributes, now) : undefined;
          if (later && 'unknown' in later) answer.unknownForPublic.push(`${describeBinding(grant)}: ${later.unknown}.`);
          else if (later && deny.deniedToEveryone.length === 0) {
            const when = 'from' in later ? `holds from ${later.from}` : 'depends on the time (a time of day, a date or a duration) and may hold at other times';
            answer.public.push({ ...grant, schedule: `Its condition is false now, but ${when}.` });
          }
          continue;
        }
        if (match === 'public') {
          if (deny.deniedToEveryone.length === 0) answer.public.push(grant);
        } else if (match === 'unverified') {
          answer.unverified.push(grant);
        } else if (verdict.holds === 'always') {
          answer.direct.push(grant);
        } else if (verdict.holds === 'now') {
          answer.conditional.push({ ...grant, schedule: verdict.schedule, expiresSoon: verdict.endsSoon, ...(verdict.endsAt ? { endsAt: verdict.endsAt } : {}) });
        } else {
          answer.conditional.push({ ...grant, schedule: `${verdict.why.charAt(0).toUpperCase()}${verdict.why.slice(1)}.` });
        }
      }
    }
  }
  return answer;
}

function describeBinding(g: Grant): string {
  return `the binding of ${g.role} to ${g.member} on ${g.resource}`;
}

/** Roles worth reading: those bound to the account, to the public, or to principals that may contain it. */
export function rolesToRead(facts: Pick<AccessFacts, 'policies'>, email: string): string[] {
  const roles = new Set<string>();
  for (const fact of facts.policies) {
    for (const binding of fact.policy?.bindings ?? []) {
      if (binding.members.some((m) => matchMember(m, email) !== 'other')) roles.add(binding.role);
    }
  }
  return [...roles].sort();
}
