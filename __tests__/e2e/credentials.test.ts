import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rulesOf, runAction } from './harness.ts';

const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', '  address: https://orders-abc123-uc.a.run.app', 'paths: {}', ''].join('\n');

/** Real mode (no emulator) with no credentials anywhere; metadata-server probing off, so nothing leaves the machine. */
async function noCredentials(inputs: Record<string, string> = {}, eventName = 'push', event: unknown = {}) {
  const home = await mkdtemp(path.join(tmpdir(), 'gg-home-'));
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@p.iam.gserviceaccount.com', project: 'p', comment: 'false', ...inputs },
    files: { 'openapi.yaml': spec },
    env: { HOME: home, METADATA_SERVER_DETECTION: 'none', GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: path.join(home, 'gcloud') },
    eventName,
    event,
  });
}

test('without Google credentials the gate says it could not run, and fails', async () => {
  const run = await noCredentials();
  assert.equal(run.code, 1);
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  assert.match(run.report?.findings[0]?.message ?? '', /could not run: no Google credentials .*google-github-actions\/auth/);
  assert.ok(!/\n\s+at /.test(run.stdout + run.stderr), 'no stack trace');
});

test('missing-credentials: neutral reports a notice and passes', async () => {
  const run = await noCredentials({ 'missing-credentials': 'neutral' });
  assert.equal(run.code, 0);
  assert.deepEqual(rulesOf(run), ['iam-unreadable:notice']);
});

test('without credentials, the policy file is still read: a demoted fail-closed rule is refused, the spec error stays an error', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'gg-home-'));
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@p.iam.gserviceaccount.com', project: 'p', comment: 'false' },
    files: {
      'openapi.yaml': [spec.replace('paths: {}\n', ''), 'paths:', '  /a:', '    get:', '      x-google-backend: { jwt_audience: https://x.example }', ''].join('\n'),
      '.github/gateway-guard.yml': 'severity:\n  invalid-spec: warning\n',
    },
    env: { HOME: home, METADATA_SERVER_DETECTION: 'none', GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: path.join(home, 'gcloud') },
  });
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error', 'invalid-spec:error', 'invalid-spec:error']);
  const refusal = run.report?.findings.find((f) => f.file === '.github/gateway-guard.yml');
  assert.equal(refusal?.line, 2);
  assert.match(refusal?.message ?? '', /invalid-spec cannot be overridden/);
});

test('a fork PR gets told why it has no credentials', async () => {
  const event = { pull_request: { number: 7, head: { sha: 'a'.repeat(40), repo: { fork: true, full_name: 'someone/shop' } }, base: { repo: { full_name: 'acme/shop' } } } };
  const run = await noCredentials({}, 'pull_request', event);
  assert.equal(run.code, 1);
  assert.match(run.report?.findings[0]?.message ?? '', /pull request from a fork: GitHub gives such runs no OIDC token/);
});

const world = {
  projects: [{ projectId: 'p', projectNumber: '111111111111' }],
  runServices: [{ name: 'projects/p/locations/us-central1/services/orders', uri: 'https://orders-abc123-uc.a.run.app', iamPolicy: { bindings: [] } }],
};

test('401 from Google says the credentials are missing or expired', async () => {
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@p.iam.gserviceaccount.com', project: 'p' },
    files: { 'openapi.yaml': spec },
    world: { ...world, faults: [{ path: '.*', status: 401, message: 'Request had invalid authentication credentials.' }] },
  });
  assert.equal(run.code, 1);
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  assert.match(run.report?.findings[0]?.message ?? '', /credentials are missing or expired/);
});

test('an API that is not enabled says which, and to enable it', async () => {
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@p.iam.gserviceaccount.com', project: 'p' },
    files: { 'openapi.yaml': spec },
    world: {
      ...world,
      faults: [{ path: '^/v1/projects/p/locations$', status: 403, message: 'Cloud Run Admin API has not been used in project 111111111111 before or it is disabled.' }],
    },
  });
  assert.equal(run.code, 1);
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
  assert.match(run.report?.findings[0]?.message ?? '', /Cloud Run Admin API has not been used .*enable the API/);
});

test('bad inputs still leave the outputs and a JSON report saying why', async () => {
  const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': 'not-an-email', comment: 'false' }, files: { 'openapi.yaml': spec } });
  assert.equal(run.code, 1);
  assert.equal(run.outputs.result, 'fail');
  assert.equal(run.outputs.errors, '1');
  assert.match(run.report?.findings[0]?.message ?? '', /Input `service-account` must be a service account email/);
  assert.ok(run.annotations.some((a) => a.level === 'error' && /service-account/.test(a.message)));
});
