/**
 * The workflow run as the runner describes it (environment and event file), read without @actions/github,
 * whose Octokit is loaded only when a pull-request comment is written.
 */
import { existsSync, readFileSync } from 'node:fs';

/** What the action needs to know of the run: the event, the repository, where GitHub is. */
export interface RunContext {
  eventName: string;
  payload: unknown;
  owner: string;
  repo: string;
  runId: number;
  serverUrl: string;
  apiUrl: string;
}

/** The run's context from GITHUB_* variables and the event file (an unreadable event file is an empty event). */
export function runContext(env: Record<string, string | undefined> = process.env): RunContext {
  let payload: unknown = {};
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath && existsSync(eventPath)) payload = JSON.parse(readFileSync(eventPath, 'utf8')) as unknown;
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    owner,
    repo,
    runId: Number.parseInt(env.GITHUB_RUN_ID ?? '', 10),
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
  };
}

/** The pull request of a `pull_request`/`pull_request_target` event, else undefined. */
export interface PullRequestRef {
  number: number;
  headSha: string;
  /** The head branch is in another repository (a fork): under `pull_request` the token is read-only. */
  fromFork: boolean;
}

/** Issue number and head SHA of the PR that triggered the run, for `pull_request` and `pull_request_target`. */
export function pullRequestFromEvent(eventName: string, payload: unknown): PullRequestRef | undefined {
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return undefined;
  const pr = (payload as { pull_request?: unknown } | null)?.pull_request as
    | { number?: unknown; head?: { sha?: unknown; repo?: { full_name?: unknown } | null }; base?: { repo?: { full_name?: unknown } | null } }
    | undefined;
  const number = pr?.number ?? (payload as { number?: unknown } | null)?.number;
  const headSha = pr?.head?.sha;
  if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0 || typeof headSha !== 'string') return undefined;
  const headRepo = pr?.head?.repo?.full_name;
  const baseRepo = pr?.base?.repo?.full_name;
  // A deleted fork has no head repository left: still a fork.
  return { number, headSha, fromFork: typeof baseRepo === 'string' && headRepo !== baseRepo };
}
