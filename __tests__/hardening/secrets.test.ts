/**
 * Issue 8, secrets: the planted github-token never appears in stdout (but for the `::add-mask::`
 * command), stderr, the job summary, the JSON report, the outputs or SARIF; also when an API error
 * echoes request data back (Google, or GitHub while commenting).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PLANTED_TOKEN, rulesOf } from '../e2e/harness.ts';
import type { World } from '../fake-google/world.ts';
import { INPUTS, RUN_URI, SA, SERVICE, assertNoSecret, assertNoStack, everyOutput, passingWorld, runSpec, swagger } from './helpers.ts';

const SARIF = 'out/gateway-guard.sarif';
const SPEC = swagger(RUN_URI);

async function allOutputs(run: Awaited<ReturnType<typeof runSpec>>): Promise<Record<string, string>> {
  return everyOutput(run, [path.join(run.workspace, SARIF)]);
}

test('control: stdout masks the token with ::add-mask:: (so the runner can hide it)', async () => {
  const run = await runSpec(SPEC, passingWorld(), { inputs: { ...INPUTS, 'sarif-file': SARIF } });
  assert.equal(run.code, 0, run.stdout);
  assert.ok(run.stdout.split('\n').includes(`::add-mask::${PLANTED_TOKEN}`));
  assertNoSecret(await allOutputs(run), PLANTED_TOKEN);
});

test('a failing run shows the token nowhere', async () => {
  const world = passingWorld();
  (world.runServices![0] as { iamPolicy: unknown }).iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] };
  const run = await runSpec(SPEC, world, { inputs: { ...INPUTS, 'sarif-file': SARIF } });
  assert.equal(run.code, 1);
  assert.ok(rulesOf(run).includes('public-access:error'));
  assertNoSecret(await allOutputs(run), PLANTED_TOKEN);
});

/** Google errors whose message echoes request data, including the token. */
const echoing = (status: number, times?: number): World =>
  passingWorld({
    faults: [
      {
        path: `${SERVICE}:getIamPolicy`,
        status,
        ...(times === undefined ? {} : { times }),
        message: `Request had invalid authentication credentials. Expected OAuth 2 access token; got "Authorization: Bearer ${PLANTED_TOKEN}" for ${SA}.`,
      },
    ],
  });

for (const status of [401, 403, 400, 503]) {
  test(
    `a Google ${status} whose message echoes the token: it appears nowhere`,
    async () => {
      const run = await runSpec(SPEC, echoing(status), { inputs: { ...INPUTS, 'sarif-file': SARIF } });
      assert.equal(run.code, 1);
      assert.ok(rulesOf(run).includes('iam-unreadable:error'), rulesOf(run).join());
      assertNoStack(run);
      assertNoSecret(await allOutputs(run), PLANTED_TOKEN);
    },
  );
}

/** A GitHub API that rejects every call and echoes the Authorization header it got. */
let github: { url: string; requests: string[]; close(): Promise<void> };
before(async () => {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const auth = req.headers.authorization ?? '';
    const status = req.method === 'GET' ? 401 : 500;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `Bad credentials (${auth})`, documentation_url: `https://docs.github.com/rest?token=${auth.split(' ').pop()}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  github = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
});
after(() => github.close());

const prEvent = {
  action: 'synchronize',
  number: 7,
  pull_request: {
    number: 7,
    head: { sha: 'a'.repeat(40), ref: 'feature', repo: { full_name: 'acme/shop', fork: false } },
    base: { sha: '1'.repeat(40), ref: 'main', repo: { full_name: 'acme/shop' } },
  },
  repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
};

test(
  'GitHub rejecting the PR comment and echoing the token: the warning does not carry it',
  async () => {
  github.requests.length = 0;
  const run = await runSpec(SPEC, passingWorld(), {
    inputs: { ...INPUTS, comment: 'true', 'sarif-file': SARIF },
    env: { GITHUB_API_URL: github.url },
    eventName: 'pull_request',
    event: prEvent,
  });
  assert.ok(github.requests.length > 0, 'the action tried to comment (the control)');
  assert.equal(run.code, 0, 'a refused comment leaves the verdict alone');
  assert.ok(run.annotations.some((a) => a.level === 'warning' && /comment/.test(a.message)), run.stdout);
  assertNoStack(run);
  assertNoSecret(await allOutputs(run), PLANTED_TOKEN);
  },
);
