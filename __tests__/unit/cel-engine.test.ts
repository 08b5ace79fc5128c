/**
 * The CEL engine loads only when gathered facts hold an IAM condition (src/iam/cel-engine.ts), and reading a
 * condition before it is loaded fails instead of judging it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { celEngine, holdsCondition, loadCelFor } from '../../src/iam/cel-engine.ts';
import { judgeCondition } from '../../src/iam/conditions.ts';

const NOW = new Date('2027-01-01T00:00:00Z');
const binding = (condition?: object) => ({ role: 'roles/run.invoker', members: ['serviceAccount:gw@p.iam.gserviceaccount.com'], ...(condition ? { condition } : {}) });

test('facts without a condition leave the engine unloaded; one condition anywhere in them loads it', async () => {
  const plain = { policies: [{ policy: { bindings: [binding()] } }], denies: [{ policies: [{ rules: [{ deniedPrincipals: ['principalSet://goog/public:all'] }] }] }] };
  await loadCelFor(plain);
  assert.throws(() => celEngine(), /before the CEL engine was loaded/);
  const condition = { title: 'until 2030', expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' };
  // Before loading, a condition is never judged (nor remembered as "not valid CEL"): the run fails instead.
  assert.throws(() => judgeCondition(condition, { backend: 'cloud-run' }, NOW), /before the CEL engine was loaded/);
  const deep = { policies: [plain.policies[0], { policy: { bindings: [binding(condition)] } }] };
  await loadCelFor(deep);
  assert.equal(typeof celEngine().compile, 'function');
  // True now only by the time of the call, until 2030.
  assert.equal(judgeCondition(condition, { backend: 'cloud-run' }, NOW).holds, 'now');
});

test('a condition is found at any depth, under either name; other objects named so are not conditions', () => {
  const deny = { denies: [{ policies: [{ rules: [{ deniedPrincipals: ['principalSet://goog/public:all'], denialCondition: { expression: 'true' } }] }] }] };
  assert.equal(holdsCondition(deny), true);
  assert.equal(holdsCondition({ functionAccess: { policies: [{ policy: { bindings: [binding({ expression: 'true' })] } }] } }), true);
  assert.equal(holdsCondition({ policies: [{ policy: { bindings: [binding()] } }] }), false);
  assert.equal(holdsCondition({ condition: 'Ready', conditions: [{ type: 'Ready' }] }), false); // a Cloud Run service's status
  const cyclic: Record<string, unknown> = { policies: [] };
  cyclic.self = cyclic;
  assert.equal(holdsCondition(cyclic), false);
});

test('facts found free of conditions are not scanned again, and never hide a condition beside them', () => {
  // Ancestors' policies are shared by the facts of every backend: a clean one counts as clean, not as the whole.
  const shared = { policies: [{ policy: { bindings: [binding()] } }] };
  assert.equal(holdsCondition(shared), false);
  assert.equal(holdsCondition({ ancestors: shared }), false);
  assert.equal(holdsCondition({ ancestors: shared, own: { policy: { bindings: [binding({ expression: 'true' })] } } }), true);
  // A cycle left early is not cleared by a scan that found a condition past it.
  const a: Record<string, unknown> = {};
  const b = { back: a };
  a.child = b;
  a.later = { policy: { bindings: [binding({ expression: 'true' })] } };
  assert.equal(holdsCondition(a), true);
  assert.equal(holdsCondition(b), true);
});
