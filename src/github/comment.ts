/**
 * The sticky PR comment on GitHub: find ours by marker and author, edit it, or create it. Knows HTTP
 * (through @actions/github's Octokit) and nothing of @actions/core: problems come back as a warning.
 *
 * Whose comment is "ours": the marker alone proves nothing (anyone can paste it), so the comment must
 * also be authored by the token's own user. `GET /user` names that user for a personal access token.
 * The Actions GITHUB_TOKEN (and any GitHub App installation token) gets 403 there; its comments are
 * authored by `github-actions[bot]`, so that login (or `botLogin`, for an App token: `<app-slug>[bot]`)
 * is taken as ours. Only workflows of this repository can post as github-actions[bot].
 */
import { getOctokit } from '@actions/github';

/** Options of {@link upsertComment}. */
export interface UpsertCommentOptions {
  token: string;
  /** REST API root, GITHUB_API_URL (e.g. https://api.github.com or https://ghe.example.com/api/v3). */
  apiUrl: string;
  owner: string;
  repo: string;
  /** Pull request (issue) number. */
  issueNumber: number;
  body: string;
  /** The marker that identifies the comment, from `commentMarker`. */
  markerKey: string;
  /** Login taken as ours when `GET /user` is forbidden (default `github-actions[bot]`). */
  botLogin?: string;
}

/** What happened; `warning` (one actionable sentence) when the comment could not be written. */
export interface UpsertCommentResult {
  action: 'created' | 'updated' | 'skipped';
  warning?: string;
  /** Web URL of the comment written. */
  url?: string;
}

const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Edits our comment carrying `markerKey` on the PR, or creates it. Comments by anyone else are never
 * touched, whatever they contain. Never throws: any failure (no permission on a fork PR, a missing
 * `pull-requests: write`, a server error) is `{ action: 'skipped', warning }`.
 */
export async function upsertComment(options: UpsertCommentOptions): Promise<UpsertCommentResult> {
  const { owner, repo, issueNumber, body, markerKey } = options;
  const where = `PR #${issueNumber}`;
  if (!options.token) {
    return { action: 'skipped', warning: `gateway-guard did not comment on ${where}: the \`github-token\` input is empty; pass \${{ github.token }} (the default) or set \`comment: false\`.` };
  }
  const octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/+$/, '') });

  let ours: (login: string | undefined) => boolean;
  try {
    ours = await authorTest(octokit, options.botLogin);
  } catch (error) {
    return skipped(error, where, 'reading the token user');
  }

  let existing: { id: number } | undefined;
  try {
    const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
    for await (const page of pages) {
      existing = page.data.find((comment) => ours(comment.user?.login) && (comment.body ?? '').includes(markerKey));
      if (existing) break;
    }
  } catch (error) {
    return skipped(error, where, 'listing its comments');
  }

  try {
    if (existing) {
      try {
        const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
        return { action: 'updated', url: data.html_url };
      } catch (error) {
        // Deleted between listing and editing: write a new one.
        if (statusOf(error) !== 404) throw error;
      }
    }
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    return { action: 'created', url: data.html_url };
  } catch (error) {
    return skipped(error, where, 'writing the comment');
  }
}

function skipped(error: unknown, where: string, step: string): UpsertCommentResult {
  const status = statusOf(error);
  const detail = `${status === undefined ? '' : `HTTP ${status}: `}${messageOf(error)}`.slice(0, 300);
  if (status === 403 || status === 404) {
    return {
      action: 'skipped',
      warning:
        `gateway-guard could not comment on ${where} (${step}: ${detail}); the verdict is unchanged. To get the comment, ` +
        'give the job `permissions: pull-requests: write`, or, for pull requests from forks (whose token is read-only), ' +
        'post it from a separate `workflow_run` workflow as the README shows.',
    };
  }
  if (status === 401) {
    return { action: 'skipped', warning: `gateway-guard could not comment on ${where} (${step}: ${detail}); the verdict is unchanged. Check the \`github-token\` input: the token is invalid or expired.` };
  }
  return { action: 'skipped', warning: `gateway-guard could not comment on ${where} (${step}: ${detail}); the verdict is unchanged. GitHub may be unavailable: re-run the job to update the comment.` };
}

/**
 * Whether a comment's author is the token's own user. A GITHUB_TOKEN may not read its user (403): then
 * the Actions bot. Anything else is thrown.
 */
export async function authorTest(octokit: ReturnType<typeof getOctokit>, botLogin?: string): Promise<(login: string | undefined) => boolean> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    const self = data.login.toLowerCase();
    return (login) => login?.toLowerCase() === self;
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
    const bot = (botLogin ?? ACTIONS_BOT).toLowerCase();
    return (login) => login?.toLowerCase() === bot;
  }
}

/** The HTTP status of an Octokit error, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { pullRequestFromEvent, type PullRequestRef } from './context.ts';
