/** Findings name the planned changes they rest on; `planned` lists exactly the changes the message names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GoogleCloud } from '../../src/gcp/google-cloud.ts';
import { PlanOverlay } from '../../src/plan/apply.ts';
import type { PlannedChange } from '../../src/plan/changes.ts';
import type { Target } from '../../src/resolve/target.ts';
import type { Finding } from '../../src/types.ts';

const iam = (address: string): PlannedChange => ({ kind: 'iam', form: 'member', resource: 'projects/p', remove: [], add: [], provenance: { address, action: 'create' } });
const target: Target = { kind: 'unsupported', message: 'x' };

test('a longer address that ends like a shorter one is not taken for it', () => {
  // annotate is pure: it never calls Google.
  const overlay = new PlanOverlay({} as GoogleCloud, [iam('google_project_iam_member.a'), iam('module.m.google_project_iam_member.a'), iam('google_project_iam_member.b')], []);
  const finding: Finding = { rule: 'public-access', severity: 'error', message: 'allUsers holds roles/run.invoker (planned: module.m.google_project_iam_member.a (create))' };
  const [out] = overlay.annotate([finding], target, undefined, 'gw@x.iam.gserviceaccount.com');
  assert.deepEqual(out?.planned, [{ address: 'module.m.google_project_iam_member.a', action: 'create' }]);
  const [plain] = overlay.annotate([{ ...finding, message: 'nothing planned here' }], target, undefined, 'gw@x.iam.gserviceaccount.com');
  assert.equal(plain?.planned, undefined);
});

test('a removal of the account’s grant explains account-side findings only', async () => {
  const { overlayAccess } = await import('../../src/plan/overlay.ts');
  const SA = 'gw@x.iam.gserviceaccount.com';
  const change: PlannedChange = { kind: 'iam', form: 'member', resource: 'projects/p', remove: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }], add: [], provenance: { address: 'google_project_iam_member.gw', action: 'delete' } };
  const access = overlayAccess(
    { policies: [{ resource: 'projects/p', level: 'project', policy: { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }] } }], roles: new Map() },
    [change],
    { aliases: new Set(['p']), accounts: [SA] },
  );
  const overlay = new PlanOverlay({} as GoogleCloud, [change], [SA]);
  const findings: Finding[] = [
    { rule: 'missing-invoker', severity: 'error', message: `${SA} lacks run.routes.invoke.`, permission: 'run.routes.invoke' },
    { rule: 'iam-unreadable', severity: 'error', message: 'Cannot rule out public access to this backend: x.' },
    { rule: 'audience-mismatch', severity: 'error', message: 'audience.' },
  ];
  const out = overlay.annotate(findings, target, { access }, SA);
  assert.equal(out[0]?.message, `${SA} lacks run.routes.invoke. Planned: google_project_iam_member.gw (delete) removes serviceAccount:${SA} from roles/run.invoker on projects/p.`);
  assert.deepEqual(out[0]?.planned, [{ address: 'google_project_iam_member.gw', action: 'delete' }]);
  assert.deepEqual(out.slice(1), findings.slice(1));
});
