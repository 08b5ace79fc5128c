/**
 * A fake of the GitHub REST API, just what the sticky PR comment and the suggested changes use, with the
 * real paths and shapes: `GET /user`, `GET|POST /repos/{o}/{r}/issues/{n}/comments` (per_page/page and a
 * `Link` header), `PATCH /repos/{o}/{r}/issues/comments/{id}`; `GET /repos/{o}/{r}/pulls/{n}/files`,
 * `GET /repos/{o}/{r}/pulls/{n}/comments`, `POST /repos/{o}/{r}/pulls/{n}/reviews` (a comment off the
 * diff is 422, as on github.com), `PATCH /repos/{o}/{r}/pulls/comments/{id}`. Tokens map to users;
 * integration tokens (like the Actions GITHUB_TOKEN) get 403 on `GET /user`, as on github.com. Point
 * GITHUB_API_URL at `url`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Who a token belongs to. */
export interface FakeUser {
  login: string;
  /** `Bot` for `github-actions[bot]` and GitHub Apps. */
  type?: 'User' | 'Bot';
  /** An app installation token (or GITHUB_TOKEN): `GET /user` answers 403 "Resource not accessible by integration". */
  integration?: boolean;
}

/** A comment to start with. */
export interface SeedComment {
  owner: string;
  repo: string;
  issueNumber: number;
  login: string;
  body: string;
}

/** A file of a pull request, as `GET /pulls/{n}/files` lists it (`patch` is the unified diff). */
export interface SeedPullFile {
  filename: string;
  status?: 'added' | 'modified' | 'removed' | 'renamed';
  patch?: string;
}

/** A review comment to start with; `inReplyTo` is the index of an earlier seed it answers. */
export interface SeedReviewComment {
  owner: string;
  repo: string;
  pullNumber: number;
  login: string;
  body: string;
  path: string;
  line: number | null;
  inReplyTo?: number;
}

/** Options of {@link startFakeGitHub}. */
export interface FakeGitHubOptions {
  /** Token → user. Default: `ghs_actions` is `github-actions[bot]` (integration), `ghp_alice` is `alice`. */
  tokens?: Record<string, FakeUser>;
  /** Comments that exist before the run. */
  comments?: SeedComment[];
  /** Make every POST/PATCH fail with this status (403 like a read-only fork token, 404, 500). */
  writeError?: 403 | 404 | 500;
  /** Largest body accepted, in characters (default 65,536, GitHub's limit); longer → 422. */
  maxBodyChars?: number;
  /** Make review writes only (POST reviews, PATCH review comments) fail with this status. */
  reviewWriteError?: 403 | 422 | 500;
  /** Files of each pull request (by number, any repository). */
  pullFiles?: Record<number, SeedPullFile[]>;
  /** Review comments that exist before the run. */
  reviewComments?: SeedReviewComment[];
}

/** A review comment as stored. */
export interface FakeReviewComment {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  reviewId: number | null;
  body: string;
  path: string;
  line: number | null;
  side: 'RIGHT' | 'LEFT';
  commitId: string;
  inReplyTo?: number;
  user: { login: string; id: number; type: 'User' | 'Bot' };
  created_at: string;
  updated_at: string;
}

/** A review as stored. */
export interface FakeReview {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  body: string;
  event: string;
  commitId: string;
  user: { login: string; id: number; type: 'User' | 'Bot' };
}

/** A comment as stored. */
export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: { login: string; id: number; type: 'User' | 'Bot' };
  created_at: string;
  updated_at: string;
}

/** One request the fake answered. */
export interface FakeGitHubRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Login the token maps to, if any. */
  login?: string;
  /** The raw `Authorization` header. */
  authorization?: string;
  body?: unknown;
  status: number;
}

/** A running fake. */
export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`: the value for GITHUB_API_URL. */
  url: string;
  requests: FakeGitHubRequest[];
  /** Live comment store (every repository and issue), in creation order. */
  comments: FakeComment[];
  /** Live review comment store, in creation order. */
  reviewComments: FakeReviewComment[];
  /** Reviews created, in order. */
  reviews: FakeReview[];
  /** Replaces the files of a pull request (a new push). */
  setPullFiles: (pullNumber: number, files: SeedPullFile[]) => void;
  close: () => Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const DEFAULT_TOKENS: Record<string, FakeUser> = {
  ghs_actions: { login: 'github-actions[bot]', type: 'Bot', integration: true },
  ghp_alice: { login: 'alice' },
};

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const tokens = options.tokens ?? DEFAULT_TOKENS;
  const maxBody = options.maxBodyChars ?? 65_536;
  const requests: FakeGitHubRequest[] = [];
  const comments: FakeComment[] = [];
  const userIds = new Map<string, number>();
  let nextId = 1_000_000_001;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const userOf = (login: string, type?: 'User' | 'Bot') => {
    if (!userIds.has(login)) userIds.set(login, 100 + userIds.size);
    return { login, id: userIds.get(login)!, type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
  };
  for (const seed of options.comments ?? []) {
    const time = now();
    comments.push({
      id: nextId++,
      owner: seed.owner,
      repo: seed.repo,
      issueNumber: seed.issueNumber,
      body: seed.body,
      user: userOf(seed.login),
      created_at: time,
      updated_at: time,
    });
  }

  const reviewComments: FakeReviewComment[] = [];
  const reviews: FakeReview[] = [];
  const pullFiles = new Map(Object.entries(options.pullFiles ?? {}).map(([n, files]) => [Number(n), files]));
  for (const seed of options.reviewComments ?? []) {
    const time = now();
    reviewComments.push({
      id: nextId++,
      owner: seed.owner,
      repo: seed.repo,
      pullNumber: seed.pullNumber,
      reviewId: null,
      body: seed.body,
      path: seed.path,
      line: seed.line,
      side: 'RIGHT',
      commitId: '0'.repeat(40),
      ...(seed.inReplyTo === undefined ? {} : { inReplyTo: reviewComments[seed.inReplyTo]!.id }),
      user: userOf(seed.login),
      created_at: time,
      updated_at: time,
    });
  }

  let base = '';
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { message: `fake GitHub error: ${String(error)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return reply(400, { message: 'Problems parsing JSON', documentation_url: DOCS });
      }
    }
    const authorization = req.headers.authorization;
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const user = token === undefined ? undefined : tokens[token];
    const entry: FakeGitHubRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      ...(user ? { login: user.login } : {}),
      ...(authorization === undefined ? {} : { authorization }),
      ...(body === undefined ? {} : { body }),
    };
    requests.push(entry);

    function reply(status: number, payload: unknown, headers: Record<string, string> = {}): void {
      entry.status = status;
      send(res, status, payload, headers);
    }

    if (token !== undefined && !user) return reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    if (!user) return reply(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });

    if (method === 'GET' && url.pathname === '/user') {
      if (user.integration) {
        return reply(403, { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/users/users#get-the-authenticated-user`, status: '403' });
      }
      const u = userOf(user.login, user.type);
      return reply(200, { ...u, node_id: `U_${u.id}`, html_url: `https://github.com/${u.login}`, site_admin: false });
    }

    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list) {
      const [, owner = '', repo = '', number = ''] = list;
      const issueNumber = Number(number);
      if (method === 'GET') {
        const perPage = clamp(Number(url.searchParams.get('per_page') ?? 30), 1, 100);
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const all = comments.filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber);
        const lastPage = Math.max(1, Math.ceil(all.length / perPage));
        const items = all.slice((page - 1) * perPage, page * perPage).map((c) => toJson(c, base));
        const link = linkHeader(`${base}${url.pathname}`, perPage, page, lastPage);
        return reply(200, items, link ? { link } : {});
      }
      if (method === 'POST') {
        if (options.writeError) return reply(options.writeError, writeErrorBody(options.writeError));
        const problem = bodyProblem(body, maxBody);
        if (problem) return reply(422, problem);
        const time = now();
        const comment: FakeComment = {
          id: nextId++,
          owner,
          repo,
          issueNumber,
          body: (body as { body: string }).body,
          user: userOf(user.login, user.type),
          created_at: time,
          updated_at: time,
        };
        comments.push(comment);
        return reply(201, toJson(comment, base), { location: `${base}/repos/${owner}/${repo}/issues/comments/${comment.id}` });
      }
      return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    }

    const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/(files|comments|reviews)$/.exec(url.pathname);
    if (pull) {
      const [, owner = '', repo = '', number = '', what] = pull;
      const pullNumber = Number(number);
      const paged = (all: unknown[]) => {
        const perPage = clamp(Number(url.searchParams.get('per_page') ?? 30), 1, 100);
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const lastPage = Math.max(1, Math.ceil(all.length / perPage));
        const link = linkHeader(`${base}${url.pathname}`, perPage, page, lastPage);
        return reply(200, all.slice((page - 1) * perPage, page * perPage), link ? { link } : {});
      };
      const files = pullFiles.get(pullNumber) ?? [];
      if (what === 'files' && method === 'GET') {
        return paged(files.map((f, i) => ({ sha: `${i}`.padStart(40, '0'), filename: f.filename, status: f.status ?? 'modified', additions: 0, deletions: 0, changes: 0, ...(f.patch === undefined ? {} : { patch: f.patch }) })));
      }
      if (what === 'comments' && method === 'GET') {
        return paged(reviewComments.filter((c) => c.owner === owner && c.repo === repo && c.pullNumber === pullNumber).map((c) => reviewCommentJson(c, base)));
      }
      if (what === 'reviews' && method === 'POST') {
        const failure = options.writeError ?? options.reviewWriteError;
        if (failure) return reply(failure, writeErrorBody(failure));
        const input = (body ?? {}) as { commit_id?: unknown; body?: unknown; event?: unknown; comments?: unknown };
        const list = Array.isArray(input.comments) ? (input.comments as Array<{ path?: unknown; line?: unknown; side?: unknown; body?: unknown }>) : [];
        for (const c of list) {
          const file = files.find((f) => f.filename === c.path);
          if (!file) return reply(422, { message: 'Unprocessable Entity', errors: ['Path could not be resolved'], documentation_url: `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`, status: '422' });
          if (typeof c.line !== 'number' || !diffLines(file.patch ?? '').has(c.line)) {
            return reply(422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'], documentation_url: `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`, status: '422' });
          }
          if (typeof c.body !== 'string' || c.body === '') return reply(422, { message: 'Validation Failed', errors: ['body can\'t be blank'], status: '422' });
        }
        const reviewer = userOf(user.login, user.type);
        const review: FakeReview = { id: nextId++, owner, repo, pullNumber, body: typeof input.body === 'string' ? input.body : '', event: typeof input.event === 'string' ? input.event : 'PENDING', commitId: String(input.commit_id ?? ''), user: reviewer };
        reviews.push(review);
        for (const c of list) {
          const time = now();
          reviewComments.push({ id: nextId++, owner, repo, pullNumber, reviewId: review.id, body: c.body as string, path: c.path as string, line: c.line as number, side: c.side === 'LEFT' ? 'LEFT' : 'RIGHT', commitId: review.commitId, user: reviewer, created_at: time, updated_at: time });
        }
        return reply(200, { id: review.id, node_id: `PRR_${review.id}`, user: reviewer, body: review.body, state: review.event === 'COMMENT' ? 'COMMENTED' : review.event, commit_id: review.commitId, html_url: `https://github.com/${owner}/${repo}/pull/${pullNumber}#pullrequestreview-${review.id}` });
      }
      return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    }

    const editReview = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/comments\/(\d+)$/.exec(url.pathname);
    if (editReview && method === 'PATCH') {
      const [, owner, repo, id] = editReview;
      const failure = options.writeError ?? options.reviewWriteError;
      if (failure) return reply(failure, writeErrorBody(failure));
      const comment = reviewComments.find((c) => c.id === Number(id) && c.owner === owner && c.repo === repo);
      if (!comment) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const problem = bodyProblem(body, maxBody);
      if (problem) return reply(422, problem);
      comment.body = (body as { body: string }).body;
      comment.updated_at = now();
      return reply(200, reviewCommentJson(comment, base));
    }

    const edit = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (edit && method === 'PATCH') {
      const [, owner, repo, id] = edit;
      if (options.writeError) return reply(options.writeError, writeErrorBody(options.writeError));
      const comment = comments.find((c) => c.id === Number(id) && c.owner === owner && c.repo === repo);
      if (!comment) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const problem = bodyProblem(body, maxBody);
      if (problem) return reply(422, problem);
      // Like a token with write access: GitHub lets it edit anyone's comment, so the client must not.
      comment.body = (body as { body: string }).body;
      comment.updated_at = now();
      return reply(200, toJson(comment, base));
    }
    return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    comments,
    reviewComments,
    reviews,
    setPullFiles: (pullNumber, files) => void pullFiles.set(pullNumber, files),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function toJson(c: FakeComment, base: string): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}`,
    body: c.body,
    user: { ...c.user, node_id: `U_${c.user.id}`, html_url: `https://github.com/${c.user.login}` },
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    performed_via_github_app: null,
  };
}

function reviewCommentJson(c: FakeReviewComment, base: string): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `PRRC_${c.id}`,
    url: `${base}/repos/${c.owner}/${c.repo}/pulls/comments/${c.id}`,
    pull_request_review_id: c.reviewId,
    path: c.path,
    commit_id: c.commitId,
    original_commit_id: c.commitId,
    body: c.body,
    line: c.line,
    original_line: c.line,
    side: c.side,
    ...(c.inReplyTo === undefined ? {} : { in_reply_to_id: c.inReplyTo }),
    user: { ...c.user, node_id: `U_${c.user.id}`, html_url: `https://github.com/${c.user.login}` },
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.pullNumber}#discussion_r${c.id}`,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
  };
}

/** Lines of the new file a review comment may sit on: added and context lines of the patch's hunks. */
function diffLines(patch: string): Set<number> {
  const lines = new Set<number>();
  let line = 0;
  let inHunk = false;
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      inHunk = true;
    } else if (inHunk && (text.startsWith('+') || text.startsWith(' '))) {
      lines.add(line++);
    }
  }
  return lines;
}

/** A patch adding the whole of `text` (a new file). */
export function addedFilePatch(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
}

/** GitHub's `Link` header: next/last, and prev/first after the first page. */
function linkHeader(path: string, perPage: number, page: number, lastPage: number): string {
  const at = (n: number, rel: string) => `<${path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
  const links: string[] = [];
  if (page > 1) links.push(at(page - 1, 'prev'));
  if (page < lastPage) links.push(at(page + 1, 'next'), at(lastPage, 'last'));
  if (page > 1) links.push(at(1, 'first'));
  return links.join(', ');
}

function bodyProblem(body: unknown, maxBody: number): Record<string, unknown> | undefined {
  const text = (body as { body?: unknown } | undefined)?.body;
  const error = (message: string) => ({
    message: 'Validation Failed',
    errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message }],
    documentation_url: `${DOCS}/issues/comments`,
    status: '422',
  });
  if (typeof text !== 'string' || text === '') return error("body can't be blank");
  if ([...text].length > maxBody) return error(`body is too long (maximum is ${maxBody} characters)`);
  return undefined;
}

function writeErrorBody(status: number): Record<string, unknown> {
  if (status === 403) return { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/issues/comments`, status: '403' };
  if (status === 404) return { message: 'Not Found', documentation_url: DOCS, status: '404' };
  return { message: 'Server Error', status: String(status) };
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, Math.trunc(value))) : low;
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
