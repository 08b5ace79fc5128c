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
