import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pullRequestFromEvent, upsertComment } from '../../src/github/comment.ts';
import type { UpsertCommentOptions } from '../../src/github/comment.ts';
import { COMMENT_MARKER, commentMarker } from '../../src/report/comment.ts';
import { startFakeGitHub } from '../fake-github/server.ts';
import type { FakeGitHub, FakeGitHubOptions } from '../fake-github/server.ts';

const KEY = commentMarker(['openapi.yaml']);
const body = (text: string) => `${COMMENT_MARKER}\n${KEY}\n${text}\n`;

let fakes: FakeGitHub[] = [];
async function fake(options?: FakeGitHubOptions): Promise<FakeGitHub> {
  const started = await startFakeGitHub(options);
  fakes.push(started);
  return started;
}
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});
before(() => {
  // Never reach a real proxy or api.github.com.
  delete process.env['HTTPS_PROXY'];
  delete process.env['https_proxy'];
});

function opts(gh: FakeGitHub, overrides: Partial<UpsertCommentOptions> = {}): UpsertCommentOptions {
  return { token: 'ghs_actions', apiUrl: gh.url, owner: 'acme', repo: 'shop', issueNumber: 7, body: body('first'), markerKey: KEY, ...overrides };
}

const writes = (gh: FakeGitHub) => gh.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH');

test('first run creates, second run edits the same comment (GITHUB_TOKEN: /user is 403)', async () => {
  const gh = await fake();
  const first = await upsertComment(opts(gh));
  assert.equal(first.action, 'created');
  assert.equal(first.warning, undefined);
  assert.equal(gh.comments.length, 1);
  const id = gh.comments[0]!.id;
  assert.equal(gh.comments[0]!.user.login, 'github-actions[bot]');

  const second = await upsertComment(opts(gh, { body: body('second') }));
  assert.equal(second.action, 'updated');
  assert.equal(gh.comments.length, 1);
  assert.equal(gh.comments[0]!.id, id);
  assert.equal(gh.comments[0]!.body, body('second'));
  assert.deepEqual(
    writes(gh).map((r) => `${r.method} ${r.path}`),
    ['POST /repos/acme/shop/issues/7/comments', `PATCH /repos/acme/shop/issues/comments/${id}`],
  );
  assert.match(gh.requests[0]!.authorization ?? '', /^token ghs_actions$/);
});

test('with a personal access token, /user names the author', async () => {
  const gh = await fake({
    comments: [{ owner: 'acme', repo: 'shop', issueNumber: 7, login: 'github-actions[bot]', body: body('by the bot, not by alice') }],
  });
  const result = await upsertComment(opts(gh, { token: 'ghp_alice', body: body('alice') }));
  assert.equal(result.action, 'created');
  assert.equal(gh.comments.length, 2);
  assert.equal(gh.comments[0]!.body, body('by the bot, not by alice'));
  assert.equal(gh.comments[1]!.user.login, 'alice');
  assert.equal((await upsertComment(opts(gh, { token: 'ghp_alice', body: body('alice 2') }))).action, 'updated');
  assert.equal(gh.comments[1]!.body, body('alice 2'));
});

test("another user's comment carrying the marker is never touched", async () => {
  const planted = body('planted by mallory');
  const gh = await fake({
    comments: [
      { owner: 'acme', repo: 'shop', issueNumber: 7, login: 'mallory', body: planted },
      { owner: 'acme', repo: 'shop', issueNumber: 7, login: 'mallory', body: `quoting: ${KEY}` },
    ],
  });
  const result = await upsertComment(opts(gh));
  assert.equal(result.action, 'created');
  assert.equal(gh.comments[0]!.body, planted);
  assert.equal(gh.requests.filter((r) => r.method === 'PATCH').length, 0);
  assert.equal(gh.comments.length, 3);
});

test('a comment of ours for another spec set is not edited', async () => {
  const other = `${COMMENT_MARKER}\n${commentMarker(['other.yaml'])}\nother job\n`;
  const gh = await fake({ comments: [{ owner: 'acme', repo: 'shop', issueNumber: 7, login: 'github-actions[bot]', body: other }] });
  assert.equal((await upsertComment(opts(gh))).action, 'created');
  assert.equal(gh.comments[0]!.body, other);
});

test('finds our comment on a later page (Link header pagination)', async () => {
  const noise = Array.from({ length: 250 }, (_, i) => ({ owner: 'acme', repo: 'shop', issueNumber: 7, login: i % 2 ? 'bob' : 'github-actions[bot]', body: `comment ${i}` }));
  const gh = await fake({ comments: [...noise, { owner: 'acme', repo: 'shop', issueNumber: 7, login: 'github-actions[bot]', body: body('old') }] });
  const ourId = gh.comments.at(-1)!.id;
  const result = await upsertComment(opts(gh, { body: body('new') }));
  assert.equal(result.action, 'updated');
  assert.equal(gh.comments.at(-1)!.body, body('new'));
  assert.equal(gh.comments.length, 251);
  const pages = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments')).map((r) => r.query['page'] ?? '1');
  assert.deepEqual(pages, ['1', '2', '3']);
  assert.ok(gh.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/${ourId}`)));
});

test('403 on writing (fork PR, no pull-requests: write) → skipped with one actionable warning', async () => {
  const gh = await fake({ writeError: 403 });
  const result = await upsertComment(opts(gh));
  assert.equal(result.action, 'skipped');
  assert.match(result.warning ?? '', /HTTP 403/);
  assert.match(result.warning ?? '', /permissions: pull-requests: write/);
  assert.match(result.warning ?? '', /workflow_run/);
  assert.match(result.warning ?? '', /verdict is unchanged/);
  assert.equal(gh.comments.length, 0);
});

test('404 on writing and 500 are skipped too; a bad token says to check it', async () => {
  const notFound = await upsertComment(opts(await fake({ writeError: 404 })));
  assert.equal(notFound.action, 'skipped');
  assert.match(notFound.warning ?? '', /pull-requests: write/);
  const serverError = await upsertComment(opts(await fake({ writeError: 500 })));
  assert.equal(serverError.action, 'skipped');
  assert.match(serverError.warning ?? '', /HTTP 500/);
  const badToken = await upsertComment(opts(await fake(), { token: 'ghp_nobody' }));
  assert.equal(badToken.action, 'skipped');
  assert.match(badToken.warning ?? '', /github-token/);
  const empty = await upsertComment(opts(await fake(), { token: '' }));
  assert.equal(empty.action, 'skipped');
});

test('a body over 65,536 characters is refused like GitHub (422), and reported, not thrown', async () => {
  const gh = await fake();
  const result = await upsertComment(opts(gh, { body: body('x'.repeat(70_000)) }));
  assert.equal(result.action, 'skipped');
  assert.match(result.warning ?? '', /422/);
});

test('an unreachable API is a warning, not an exception', async () => {
  const gh = await fake();
  await gh.close();
  fakes = fakes.filter((f) => f !== gh);
  const result = await upsertComment(opts(gh));
  assert.equal(result.action, 'skipped');
  assert.ok(result.warning);
});

test('pullRequestFromEvent', () => {
  const payload = {
    number: 12,
    pull_request: { number: 12, head: { sha: 'abc123', repo: { full_name: 'fork/shop' } }, base: { repo: { full_name: 'acme/shop' } } },
  };
  assert.deepEqual(pullRequestFromEvent('pull_request', payload), { number: 12, headSha: 'abc123', fromFork: true });
  assert.deepEqual(pullRequestFromEvent('pull_request_target', {
    pull_request: { number: 3, head: { sha: 'def', repo: { full_name: 'acme/shop' } }, base: { repo: { full_name: 'acme/shop' } } },
  }), { number: 3, headSha: 'def', fromFork: false });
  assert.equal(pullRequestFromEvent('push', payload), undefined);
  assert.equal(pullRequestFromEvent('pull_request', {}), undefined);
  assert.equal(pullRequestFromEvent('pull_request', null), undefined);
});
