/**
 * Suggested changes on the spec lines of a pull request: one review per run (`event: COMMENT`) with a
 * ```suggestion comment per spec-fixable finding, only on lines inside the PR's diff. Ours are found
 * again by their hidden marker and author and edited in place, never posted twice; one a person has
 * answered is never touched. Never throws: a refusal comes back as a warning.
 */
import { createHash } from 'node:crypto';
import { getOctokit } from '@actions/github';
import { authorTest, statusOf } from './comment.ts';
import { longestBacktickRun } from '../report/markdown.ts';

/** One suggested change: replace line `line` of `path` with `replacement` (empty deletes it). */
export interface Suggestion {
  /** Identity across runs (rule, file, address…); the line may move. */
  key: string;
  path: string;
  line: number;
  replacement: string;
  /** Why, in one or two sentences of markdown (already escaped). */
  explanation: string;
}

/** Options of {@link upsertSuggestions}. */
export interface SuggestionOptions {
  token: string;
  apiUrl: string;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  suggestions: Suggestion[];
  /** Login taken as ours when `GET /user` is forbidden (default `github-actions[bot]`). */
  botLogin?: string;
}

/** What happened: counts, and `warning` when GitHub refused. */
export interface SuggestionResult {
  created: number;
  updated: number;
  /** Suggestions on lines outside the diff (they stay in the PR comment only). */
  outsideDiff: number;
  warning?: string;
}

const SUGGESTION_MARKER = '<!-- gateway-guard:suggestion=';
const REVIEW_MARKER = '<!-- gateway-guard:review -->';

/** The hidden marker of one suggestion: 12 hex of the SHA-256 of its key. */
export function suggestionMarker(key: string): string {
  return `${SUGGESTION_MARKER}${createHash('sha256').update(key).digest('hex').slice(0, 12)} -->`;
}

/** The body of a suggestion comment: marker, explanation, and the ```suggestion block. */
export function suggestionBody(s: Suggestion): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(s.replacement) + 1));
  return [suggestionMarker(s.key), s.explanation, '', `${fence}suggestion`, ...(s.replacement === '' ? [] : s.replacement.split('\n')), fence, ''].join('\n');
}

/**
 * The lines of the new file that a review comment may be placed on: added and context lines of each
 * hunk of a unified diff (`patch` of GitHub's pull request files).
 */
export function commentableLines(patch: string): Set<number> {
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


interface ReviewComment {
  id: number;
  body?: string;
  path: string;
  line?: number | null;
  in_reply_to_id?: number;
  user?: { login?: string } | null;
}

/** Creates, updates (or leaves) our suggestions on the PR. See the module comment. */
export async function upsertSuggestions(options: SuggestionOptions): Promise<SuggestionResult> {
  const { owner, repo, pullNumber } = options;
  const result: SuggestionResult = { created: 0, updated: 0, outsideDiff: 0 };
  const where = `PR #${pullNumber}`;
  const octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/+$/, '') });

  try {
    const ours = await authorTest(octokit, options.botLogin);

    const existing: ReviewComment[] = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner, repo, pull_number: pullNumber, per_page: 100 });
    const answered = new Set(existing.filter((c) => c.in_reply_to_id !== undefined && !ours(c.user?.login)).map((c) => c.in_reply_to_id));
    const mine = existing.filter((c) => ours(c.user?.login) && c.in_reply_to_id === undefined && (c.body ?? '').startsWith(SUGGESTION_MARKER));

    const wanted = options.suggestions.filter((s) => s.line > 0);
    let diff: Map<string, Set<number>> | undefined;
    if (wanted.length > 0) {
      diff = new Map();
      const files: Array<{ filename: string; patch?: string }> = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pullNumber, per_page: 100 });
      for (const f of files) diff.set(f.filename, commentableLines(f.patch ?? ''));
    }

    const toCreate: Array<{ path: string; line: number; side: 'RIGHT'; body: string }> = [];
    const handled = new Set<number>();
    for (const s of wanted) {
      const body = suggestionBody(s);
      const marker = suggestionMarker(s.key);
      const same = [...mine].reverse().find((c) => (c.body ?? '').startsWith(marker) && c.path === s.path);
      if (same) handled.add(same.id);
      if (same && answered.has(same.id)) continue; // a person answered it: leave the thread as it is
      if (same && same.line === s.line) {
        if (same.body !== body) {
          await octokit.rest.pulls.updateReviewComment({ owner, repo, comment_id: same.id, body });
          result.updated++;
        }
        continue;
      }
      if (!diff?.get(s.path)?.has(s.line)) {
        result.outsideDiff++;
        if (same) await retire(same, 'This suggestion no longer applies here: see the gateway-guard comment on the pull request.');
        continue;
      }
      if (same) await retire(same, `This suggestion moved to line ${s.line}.`);
      toCreate.push({ path: s.path, line: s.line, side: 'RIGHT', body });
    }
    // Ours whose finding is gone: say so (once), unless a person answered.
    for (const c of mine) {
      if (!handled.has(c.id) && !answered.has(c.id)) await retire(c, `Fixed as of commit ${options.headSha.slice(0, 7)}.`);
    }

    if (toCreate.length > 0) {
      await octokit.rest.pulls.createReview({
        owner,
        repo,
        pull_number: pullNumber,
        commit_id: options.headSha,
        event: 'COMMENT',
        body: `${REVIEW_MARKER}\ngateway-guard suggests ${toCreate.length === 1 ? 'a change' : `${toCreate.length} changes`} to the spec: each one fixes a finding of the PR comment.`,
        comments: toCreate,
      });
      result.created += toCreate.length;
    }
    return result;

    /** Replaces our stale suggestion's block with a note, keeping its marker (so it is edited once). */
    async function retire(c: ReviewComment, note: string): Promise<void> {
      const marker = /^<!-- gateway-guard:suggestion=[0-9a-f]{12} -->/.exec(c.body ?? '')?.[0] ?? '';
      const body = `${marker}\n~~Suggested change~~ ${note}\n`;
      if (c.body === body || (c.body ?? '').includes('~~Suggested change~~')) return;
      await octokit.rest.pulls.updateReviewComment({ owner, repo, comment_id: c.id, body });
      result.updated++;
    }
  } catch (error) {
    return { ...result, warning: warningOf(error, where) };
  }
}

function warningOf(error: unknown, where: string): string {
  const status = statusOf(error);
  const detail = `${status === undefined ? '' : `HTTP ${status}: `}${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
  const fix =
    status === 403 || status === 404
      ? 'give the job `permissions: pull-requests: write` (a fork PR\'s token is read-only)'
      : status === 401
        ? 'check the `github-token` input: the token is invalid or expired'
        : status === 422
          ? 'GitHub refused a line of the review; the fixes are in the PR comment'
          : 'GitHub may be unavailable: re-run the job';
  return `gateway-guard could not post its suggested changes on ${where} (${detail}); the verdict is unchanged. To get them, ${fix}.`;
}


