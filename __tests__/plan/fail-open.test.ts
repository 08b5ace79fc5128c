/** Review findings on the planned state: plans whose after-apply state is public must never pass. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IamPolicy, RunService } from '../../src/gcp/types.ts';
import { whoHolds } from '../../src/iam/evaluate.ts';
import type { AccessFacts, RoleFact } from '../../src/iam/facts.ts';
import { plannedChanges, type PlannedChange } from '../../src/plan/changes.ts';
import { overlayAccess, overlayTarget } from '../../src/plan/overlay.ts';
import type { RunTarget } from '../../src/resolve/target.ts';
import { change, plan } from './plans.ts';
import { loadCel } from '../../src/iam/cel-engine.ts';

// The CEL engine loads on demand in a run (when facts hold a condition); these tests judge conditions directly.
await loadCel();

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const M = `serviceAccount:${SA}`;
const SERVICE = 'projects/shop-prod/locations/us-central1/services/orders';
const NOW = new Date('2026-12-01T00:00:00Z');
const INVOKER = 'roles/run.invoker';
const ROLES = new Map<string, RoleFact>([[INVOKER, { definition: { name: INVOKER, includedPermissions: ['run.routes.invoke'], deleted: false } }]]);
const scope = { aliases: new Set(['shop-prod', '123456789012']), accounts: [SA] };
const PROJECT_NODE = 'cloudresourcemanager.googleapis.com/projects/shop-prod';

function facts(resource: IamPolicy = { bindings: [] }): AccessFacts {
  return {
    policies: [
      { resource: SERVICE, level: 'resource', policy: resource },
      { resource: 'projects/shop-prod', level: 'project', policy: { bindings: [] } },
    ],
    denies: [{ attachmentPoint: PROJECT_NODE, policies: [] }],
    roles: ROLES,
  };
}
const changesOf = (...rcs: Parameters<typeof plan>[0]): PlannedChange[] => plannedChanges([{ file: 'tfplan.json', dir: '/w', plan: plan(rcs) }]);
const answer = (a: AccessFacts) => whoHolds('run.routes.invoke', SA, a, NOW);

describe('policy_data is read as the provider reads it (Go encoding/json: keys match without regard to case)', () => {
  test('`Bindings`/`Role`/`Members` grant allUsers as `bindings`/`role`/`members` do', () => {
    const policy_data = JSON.stringify({ Bindings: [{ Role: INVOKER, Members: ['allUsers'] }] });
    const out = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M] }] }),
      changesOf(change('google_cloud_run_v2_service_iam_policy.p', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', policy_data })),
      scope,
    );
    assert.deepEqual(answer(out).public.map((g) => g.member), ['allUsers']);
  });

  test('two keys of the same field (Go reads the last in the text): public access cannot be ruled out; `ſ` folds to `s`', () => {
    const run = (text: string) => answer(overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_policy.p', ['create'], null, { project: 'shop-prod', location: 'us-central1', name: 'orders', policy_data: text })), scope));
    const ambiguous = run(`{"bindings":[],"Bindings":[],"bindings":[{"role":"${INVOKER}","members":["allUsers"]}]}`);
    assert.equal(ambiguous.public.length, 0);
    assert.ok(ambiguous.unknownForPublic.length > 0, JSON.stringify(ambiguous));
    assert.deepEqual(run(`{"bindingſ":[{"role":"${INVOKER}","memberſ":["allUsers"]}]}`).public.map((g) => g.member), ['allUsers']);
    assert.deepEqual(run(`{"bindings":[{"role":"${INVOKER}","members":["allUsers"]}]}`).public.map((g) => g.member), ['allUsers']);
    assert.deepEqual(run(`{"bindings":[{"role":"${INVOKER}","members":["${M}"]}]}`).direct.map((g) => g.member), [M]);
  });
});

describe('deny policies with values known only after apply never hide a public grant', () => {
  const live = facts({ bindings: [{ role: INVOKER, members: ['allUsers', M] }] });
  const deny = (rule: Record<string, unknown>, unknownRule: Record<string, unknown>) =>
    change(
      'google_iam_deny_policy.d',
      ['create'],
      null,
      { parent: encodeURIComponent(PROJECT_NODE), name: 'no-public', rules: [{ description: '', deny_rule: [rule] }] },
      { rules: [{ deny_rule: [unknownRule] }] },
    );
  const everyone = { denied_principals: ['principalSet://goog/public:all'], denied_permissions: ['run.googleapis.com/routes.invoke'], exception_principals: [], exception_permissions: [] };

  test('a known unconditional deny of everyone does hide it (control)', () => {
    assert.deepEqual(answer(overlayAccess(live, changesOf(deny({ ...everyone, denial_condition: [] }, {})), scope)).public, []);
  });

  test('a denial condition known only after apply', () => {
    const out = overlayAccess(live, changesOf(deny({ ...everyone, denial_condition: [{ title: 't' }] }, { denial_condition: [{ expression: true }] })), scope);
    const a = answer(out);
    assert.deepEqual(a.public.map((g) => g.member), ['allUsers']);
    // For the account (public:all includes it), a deny that may apply applies: IAM's rule for what cannot be evaluated.
    assert.equal(a.deny.denied.length, 1);
    assert.deepEqual(a.deny.deniedToEveryone, []);
  });

  test('exception principals known only after apply', () => {
    const out = overlayAccess(live, changesOf(deny({ ...everyone, exception_principals: [], denial_condition: [] }, { exception_principals: true })), scope);
    assert.deepEqual(answer(out).public.map((g) => g.member), ['allUsers']);
    assert.equal(answer(out).deny.mayBeDenied.length, 1);
  });

  test('permissions known only after apply: the account may be denied, the public grant stays', () => {
    const rule = { denied_principals: ['principalSet://goog/public:all'], denied_permissions: [], exception_principals: [], exception_permissions: [], denial_condition: [] };
    const a = answer(overlayAccess(live, changesOf(deny(rule, { denied_permissions: true })), scope));
    assert.deepEqual(a.public.map((g) => g.member), ['allUsers']);
    assert.equal(a.deny.denied.length, 1);
  });

  test('rules known only after apply', () => {
    const rc = change('google_iam_deny_policy.d', ['create'], null, { parent: encodeURIComponent(PROJECT_NODE), name: 'no-public' }, { rules: true });
    const a = answer(overlayAccess(live, changesOf(rc), scope));
    assert.deepEqual(a.public.map((g) => g.member), ['allUsers']);
    assert.ok(a.deny.denied.length + a.deny.mayBeDenied.length > 0, 'the account may be denied');
  });
});

describe('invoker_iam_disabled known only after apply', () => {
  test('v2: public access cannot be ruled out', () => {
    const values = { project: 'shop-prod', location: 'us-central1', name: 'orders', ingress: 'INGRESS_TRAFFIC_ALL' };
    const out = overlayAccess(
      facts({ bindings: [{ role: INVOKER, members: [M] }] }),
      changesOf(change('google_cloud_run_v2_service.orders', ['update'], { ...values, invoker_iam_disabled: false }, values, { invoker_iam_disabled: true })),
      scope,
    );
    const a = answer(out);
    assert.deepEqual(a.public, []);
    assert.match(a.unknownForPublic.join(' '), /google_cloud_run_v2_service\.orders \(update\) sets invoker_iam_disabled of .*orders to a value known only after apply/);
    // Known as false: nothing to doubt.
    const known = answer(overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service.orders', ['update'], { ...values, invoker_iam_disabled: true }, { ...values, invoker_iam_disabled: false })), scope));
    assert.deepEqual(known.unknownForPublic, []);
  });

  test('v1: an annotation known only after apply keeps no invented value (not `false`, not all traffic)', () => {
    const service: RunService = { name: SERVICE, uri: 'https://orders-abc123-uc.a.run.app', urls: [], ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', invokerIamDisabled: true, defaultUriDisabled: false, customAudiences: [] };
    const target: RunTarget = { kind: 'cloud-run', resource: SERVICE, project: 'shop-prod', region: 'us-central1', service };
    const values = { project: 'shop-prod', location: 'us-central1', name: 'orders' };
    const before = { ...values, metadata: [{ annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true', 'run.googleapis.com/ingress': 'internal' } }] };
    const rc = change('google_cloud_run_service.orders', ['update'], before, { ...values, metadata: [{ annotations: {} }] }, {
      metadata: [{ annotations: { 'run.googleapis.com/invoker-iam-disabled': true, 'run.googleapis.com/ingress': true } }],
    });
    const tscope = { aliases: (p: string) => new Set([p, 'shop-prod', '123456789012']), numberOf: () => '123456789012' };
    const out = overlayTarget(target, undefined, changesOf(rc), tscope) as RunTarget;
    assert.notEqual(out.service.invokerIamDisabled, false);
    assert.equal(out.service.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    const a = answer(overlayAccess(facts({ bindings: [{ role: INVOKER, members: [M] }] }), changesOf({ ...rc, change: { ...rc.change, before: { ...values, metadata: [{ annotations: {} }] } } }), scope));
    assert.ok(a.unknownForPublic.length > 0, JSON.stringify(a));
  });
});

describe('replace with create_before_destroy (["create","delete"]) of the same grant', () => {
  // The new object adds what is already there, then the old one's delete takes it away: nothing is left.
  const values = { project: 'shop-prod', location: 'us-central1', name: 'orders', role: INVOKER, condition: [] };
  test('member: the grant is gone after apply (delete, create keeps it)', () => {
    const live = facts({ bindings: [{ role: INVOKER, members: [M] }] });
    const cbd = answer(overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['create', 'delete'], { ...values, member: M }, { ...values, member: M })), scope));
    assert.deepEqual(cbd.direct, []);
    const notes = overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['create', 'delete'], { ...values, member: M }, { ...values, member: M })), scope).planned ?? [];
    assert.deepEqual(notes.map((n) => n.text), [`google_cloud_run_v2_service_iam_member.gw (replace, create before destroy) removes ${M} from ${INVOKER} on ${SERVICE}`]);
    const dbc = answer(overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['delete', 'create'], { ...values, member: M }, { ...values, member: M })), scope));
    assert.deepEqual(dbc.direct.map((g) => g.member), [M]);
  });

  test('binding: the role binding is gone after apply', () => {
    const live = facts({ bindings: [{ role: INVOKER, members: [M] }] });
    const cbd = answer(overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_binding.gw', ['create', 'delete'], { ...values, members: [M] }, { ...values, members: [M, 'user:a@example.com'] })), scope));
    assert.deepEqual(cbd.direct, []);
  });

  test('a different member or role is not affected', () => {
    const live = facts({ bindings: [{ role: INVOKER, members: ['user:old@example.com'] }] });
    const out = answer(overlayAccess(live, changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['create', 'delete'], { ...values, member: 'user:old@example.com' }, { ...values, member: M })), scope));
    assert.deepEqual(out.direct.map((g) => g.member), [M]);
  });
});

describe('the same grant deleted by one object and created by another (e.g. a for_each key renamed)', () => {
  const values = { project: 'shop-prod', location: 'us-central1', name: 'orders', role: INVOKER, condition: [] };
  test('Terraform may run the delete last: the grant is unverified, not certain', () => {
    const live = facts({ bindings: [{ role: INVOKER, members: [M] }] });
    const a = answer(
      overlayAccess(
        live,
        changesOf(
          change('google_cloud_run_v2_service_iam_member.gw["old"]', ['delete'], { ...values, member: M }, null),
          change('google_cloud_run_v2_service_iam_member.gw["new"]', ['create'], null, { ...values, member: M }),
        ),
        scope,
      ),
    );
    assert.deepEqual(a.direct, []);
    assert.equal(a.unverified.length, 1);
    assert.match(a.unverified[0]?.member ?? '', /may be removed by google_cloud_run_v2_service_iam_member\.gw\["old"\] \(delete\)/);
  });

  test('a public member stays public', () => {
    const a = answer(
      overlayAccess(
        facts({ bindings: [{ role: INVOKER, members: ['allUsers'] }] }),
        changesOf(
          change('google_cloud_run_v2_service_iam_binding.old', ['delete'], { ...values, members: ['allUsers'] }, null),
          change('google_cloud_run_v2_service_iam_member.new', ['create'], null, { ...values, member: 'allUsers' }),
        ),
        scope,
      ),
    );
    assert.deepEqual(a.public.map((g) => g.member), ['allUsers']);
  });
});

describe('removals take a public member away only when they name it exactly', () => {
  test('google_project_iam_member_remove of `allusers` leaves `allUsers` (no case folding of special principals)', () => {
    const project: AccessFacts = { ...facts(), policies: [facts().policies[0]!, { resource: 'projects/shop-prod', level: 'project', policy: { bindings: [{ role: INVOKER, members: ['allUsers', M.toUpperCase().replace('SERVICEACCOUNT', 'serviceAccount')] }] } }] };
    const a = answer(overlayAccess(project, changesOf(change('google_project_iam_member_remove.x', ['create'], null, { project: 'shop-prod', role: INVOKER, member: 'allusers' })), scope));
    assert.deepEqual(a.public.map((g) => g.member), ['allUsers']);
    // An account's email is matched without regard to case, as IAM does.
    const gone = answer(overlayAccess(project, changesOf(change('google_project_iam_member_remove.y', ['create'], null, { project: 'shop-prod', role: INVOKER, member: M })), scope));
    assert.deepEqual(gone.direct, []);
  });
});

describe('an IAM condition known only after apply', () => {
  const values = { project: 'shop-prod', location: 'us-central1', name: 'orders', role: INVOKER, condition: [{ title: 'x' }] };
  const unknown = { condition: [{ expression: true }] };
  test('the account’s grant is uncertain (it may be false), never a certain grant', () => {
    const a = answer(overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_member.gw', ['create'], null, { ...values, member: M }, unknown)), scope));
    assert.deepEqual(a.direct, []);
    assert.equal(a.unverified.length, 1);
    assert.match(a.unverified[0]?.member ?? '', /under a condition known only after apply/);
  });
  test('allUsers under it: public access cannot be ruled out', () => {
    const a = answer(overlayAccess(facts(), changesOf(change('google_cloud_run_v2_service_iam_member.pub', ['create'], null, { ...values, member: 'allUsers' }, unknown)), scope));
    assert.match(a.unknownForPublic.join(' '), /google_cloud_run_v2_service_iam_member\.pub \(create\) grants allUsers roles\/run\.invoker under a condition known only after apply/);
  });
});
