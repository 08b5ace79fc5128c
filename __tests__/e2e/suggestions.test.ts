/**
 * End-to-end: suggested changes on the spec lines of a PR (one review per run, ```suggestion comments),
 * with dist/index.js run as the runner does against the fake Google API and the fake GitHub API.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { load } from 'js-yaml';
import { addedFilePatch, startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../fake-github/server.ts';
import type { World } from '../fake-google/world.ts';
import { FIXTURES, PLANTED_TOKEN, runAction, type ActionRun } from './harness.ts';
import { suggestionMarker } from '../../src/github/review.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const PR = 7;
const DEMO_TEXT = await readFile(path.join(FIXTURES, 'worlds/demo.yaml'), 'utf8');
const BOT = { login: 'github-actions[bot]', type: 'Bot' as const, integration: true };

/** orders with a wrong audience (line 8), status with disable_auth (line 14). */
const SPEC = [
  'swagger: "2.0"',
  'info: { title: shop, version: "1.0" }',
  'paths:',
  '  /orders:',
  '    get:',
  '      x-google-backend:',
  '        address: https://orders-abc123-uc.a.run.app',
  '        jwt_audience: https://orders.shop.example',
  '      responses: { "200": { description: OK } }',
  '  /status:',
  '    get:',
  '      x-google-backend:',
  '        address: https://billing-def456-ew.a.run.app',
  '        disable_auth: true',
  '      responses: { "200": { description: OK } }',
  '',
].join('\n');
const FIXED = SPEC.replace('        jwt_audience: https://orders.shop.example\n', '').replace('        disable_auth: true\n', '');

const prEvent = (fork = false) => ({
  action: 'synchronize',
  number: PR,
  pull_request: {
    number: PR,
    head: { sha: SHA, ref: 'feature', repo: { full_name: fork ? 'mallory/shop' : 'acme/shop' } },
    base: { sha: '1'.repeat(40), ref: 'main', repo: { full_name: 'acme/shop' } },
  },
  repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
});

function gate(gh: FakeGitHub, spec = SPEC, options: { fork?: boolean; eventName?: string } = {}): Promise<ActionRun> {
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod' },
    files: { 'openapi.yaml': spec },
    world: load(DEMO_TEXT) as World,
    env: { GITHUB_API_URL: gh.url },
    eventName: options.eventName ?? 'pull_request',
    event: prEvent(options.fork),
  });
}

async function withGitHub<T>(options: FakeGitHubOptions, body: (gh: FakeGitHub) => Promise<T>): Promise<T> {
  const gh = await startFakeGitHub({ tokens: { [PLANTED_TOKEN]: BOT }, ...options });
  try {
    return await body(gh);
  } finally {
    await gh.close();
  }
}

const why = (run: ActionRun, gh: FakeGitHub): string =>
  `exit ${run.code}\n${run.stdout}\n${run.stderr}\n${gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n')}`;
const reviewWrites = (gh: FakeGitHub) => gh.requests.filter((r) => r.method !== 'GET' && r.path.includes('/pulls/')).map((r) => `${r.method} ${r.path} ${r.status}`);
const newFile = { pullFiles: { [PR]: [{ filename: 'openapi.yaml', status: 'added' as const, patch: addedFilePatch(SPEC) }] } };

describe('suggested changes on spec lines', { concurrency: 4 }, () => {
  test('one review with a suggestion per spec-fixable finding, on the right lines; a re-run posts nothing new', async () => {
    await withGitHub(newFile, async (gh) => {
      const first = await gate(gh);
      assert.equal(first.code, 1, why(first, gh));
      assert.deepEqual(reviewWrites(gh), [`POST /repos/acme/shop/pulls/${PR}/reviews 200`], why(first, gh));
      assert.equal(gh.reviews.length, 1);
      assert.equal(gh.reviews[0]!.event, 'COMMENT');
      assert.equal(gh.reviews[0]!.commitId, SHA);
      const byLine = new Map(gh.reviewComments.map((c) => [c.line, c]));
      assert.deepEqual([...byLine.keys()].sort((a, b) => a! - b!), [8, 14]);
      assert.match(byLine.get(8)!.body, /^<!-- gateway-guard:suggestion=[0-9a-f]{12} -->\n/);
      assert.match(byLine.get(8)!.body, /```suggestion\n {8}jwt_audience: https:\/\/orders-abc123-uc\.a\.run\.app\n```/);
      assert.match(byLine.get(8)!.body, /audience-mismatch/);
      assert.match(byLine.get(14)!.body, /```suggestion\n```/, 'the disable_auth line is deleted');
      assert.match(byLine.get(14)!.body, /auth-disabled/);
      assert.ok(gh.reviewComments.every((c) => c.user.login === 'github-actions[bot]' && c.side === 'RIGHT'));
      // The PR comment still carries the same fixes (for readers of the conversation tab).
      assert.match(gh.comments[0]!.body, /Change line 8 of `openapi\.yaml`/);

      const second = await gate(gh);
      assert.equal(second.code, 1, why(second, gh));
      assert.deepEqual(reviewWrites(gh), [`POST /repos/acme/shop/pulls/${PR}/reviews 200`], 'nothing new, nothing edited');
      assert.equal(gh.reviewComments.length, 2);
      assert.equal(first.outputs.result, second.outputs.result);
    });
  });

  test('lines outside the diff get no suggestion (the comment keeps the fix); no review at all', async () => {
    const patch = ['@@ -1,3 +1,3 @@', ' swagger: "2.0"', '-info: { title: shop, version: "0.9" }', '+info: { title: shop, version: "1.0" }', ' paths:'].join('\n');
    await withGitHub({ pullFiles: { [PR]: [{ filename: 'openapi.yaml', patch }] } }, async (gh) => {
      const run = await gate(gh);
      assert.equal(run.code, 1, why(run, gh));
      assert.deepEqual(reviewWrites(gh), []);
      assert.match(run.stdout, /2 on lines outside the diff/);
      assert.match(gh.comments[0]!.body, /```diff\n- {8}disable_auth: true\n```/);
      assert.ok(run.annotations.every((a) => a.level !== 'warning'), why(run, gh));
    });
  });

  test('once fixed, our unanswered suggestion is marked fixed; one a person answered is left alone', async () => {
    await withGitHub(newFile, async (gh) => {
      const first = await gate(gh);
      assert.equal(first.code, 1, why(first, gh));
      const [audience, auth] = [8, 14].map((line) => gh.reviewComments.find((c) => c.line === line)!);
      const answeredBody = auth!.body;
      gh.reviewComments.push({ ...auth!, id: 5_000_000_001, body: 'We need this for the health check', inReplyTo: auth!.id, user: { login: 'alice', id: 7, type: 'User' }, reviewId: null });
      gh.setPullFiles(PR, [{ filename: 'openapi.yaml', status: 'added', patch: addedFilePatch(FIXED) }]);

      const fixed = await gate(gh, FIXED);
      assert.equal(fixed.code, 1, why(fixed, gh)); // billing still lacks a grant
      assert.match(gh.reviewComments.find((c) => c.id === audience!.id)!.body, /~~Suggested change~~ Fixed as of commit c0ffee0\./);
      assert.equal(gh.reviewComments.find((c) => c.id === auth!.id)!.body, answeredBody, 'the answered thread is untouched');
      assert.equal(gh.reviews.length, 1, 'no new review');
      const before = gh.requests.length;
      await gate(gh, FIXED);
      assert.ok(!gh.requests.slice(before).some((r) => r.method === 'PATCH' && r.path.includes('/pulls/comments/')), 'marked fixed once');
    });
  });

  test('a suggestion whose text changes is edited in place (no new review)', async () => {
    await withGitHub(newFile, async (gh) => {
      const first = await gate(gh);
      assert.equal(first.code, 1, why(first, gh));
      const audience = gh.reviewComments.find((c) => c.line === 8)!;
      // Another wrong audience on the same line: the explanation changes, the suggestion's place does not.
      const spec = SPEC.replace('https://orders.shop.example', 'https://api.shop.example');
      const second = await gate(gh, spec);
      assert.equal(second.code, 1, why(second, gh));
      assert.deepEqual(reviewWrites(gh), [`POST /repos/acme/shop/pulls/${PR}/reviews 200`, `PATCH /repos/acme/shop/pulls/comments/${audience.id} 200`], why(second, gh));
      const body = gh.reviewComments.find((c) => c.id === audience.id)!.body;
      assert.match(body, /api\.shop\.example/);
      assert.match(body, /```suggestion\n {8}jwt_audience: https:\/\/orders-abc123-uc\.a\.run\.app\n```/);
      assert.equal(gh.reviews.length, 1);
    });
  });

  for (const status of [403, 422] as const) {
    test(`GitHub refuses the review (${status}): one warning, the comment and the verdict unchanged`, async () => {
      await withGitHub({ ...newFile, reviewWriteError: status }, async (gh) => {
        const run = await gate(gh);
        assert.equal(run.code, 1, why(run, gh));
        assert.equal(run.outputs.result, 'fail');
        assert.equal(gh.comments.length, 1, 'the comment is written');
        const warnings = run.annotations.filter((a) => a.level === 'warning');
        assert.equal(warnings.length, 1, why(run, gh));
        assert.match(warnings[0]!.message, /could not post its suggested changes on PR #7 \(HTTP \d{3}/);
        assert.match(warnings[0]!.message, /the verdict is unchanged/);
        assert.match(warnings[0]!.message, status === 403 ? /pull-requests: write/ : /the fixes are in the PR comment/);
        assert.equal(gh.reviewComments.length, 0);
      });
    });
  }

  test("another user's comment carrying our marker is neither edited nor taken for ours", async () => {
    const key = ['audience-mismatch', 'openapi.yaml', 'https://orders-abc123-uc.a.run.app', 'projects/shop-prod/locations/us-central1/services/orders'].join('\0');
    const forged = `${suggestionMarker(key)}\nlooks like ours\n`;
    await withGitHub({ ...newFile, reviewComments: [{ owner: 'acme', repo: 'shop', pullNumber: PR, login: 'mallory', body: forged, path: 'openapi.yaml', line: 8 }] }, async (gh) => {
      const run = await gate(gh);
      assert.equal(run.code, 1, why(run, gh));
      assert.equal(gh.reviewComments[0]!.body, forged);
      assert.ok(!gh.requests.some((r) => r.method === 'PATCH' && r.path.includes('/pulls/comments/')), why(run, gh));
      const ours = gh.reviewComments.filter((c) => c.user.login === 'github-actions[bot]');
      assert.deepEqual(ours.map((c) => c.line).sort((a, b) => a! - b!), [8, 14]);
      assert.ok(ours.find((c) => c.line === 8)!.body.startsWith(suggestionMarker(key)), 'the marker is the key the test computed');
    });
  });

  test('a fork PR gets no suggestions and no review call; the verdict is the same', async () => {
    await withGitHub(newFile, async (gh) => {
      const run = await gate(gh, SPEC, { fork: true, eventName: 'pull_request_target' });
      assert.equal(run.code, 1, why(run, gh));
      assert.ok(!gh.requests.some((r) => r.path.includes('/pulls/')), why(run, gh));
      assert.equal(gh.comments.length, 1);
      assert.match(run.stdout, /from a fork: no suggested changes/);
    });
  });
});
