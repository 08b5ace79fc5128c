import { GoogleApiError, retryAfterSeconds, toGoogleApiError } from './errors.ts';

/** How Google API calls are run: bounded concurrency, retries with backoff, one deadline, one cache. */
export interface ExecutorOptions {
  /** Most calls in flight at once. */
  concurrency: number;
  /** Epoch milliseconds after which no call starts and waiting calls fail. */
  deadline: number;
  /** Timeout of a single HTTP attempt, in milliseconds. */
  callTimeoutMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Base of the exponential backoff, in milliseconds. */
  backoffMs: number;
}

export const DEFAULT_EXECUTOR_OPTIONS: ExecutorOptions = {
  concurrency: 16,
  deadline: Number.POSITIVE_INFINITY,
  callTimeoutMs: 30_000,
  maxAttempts: 5,
  backoffMs: 250,
};

/**
 * Which waiting calls go first: `critical` for finding the resources (listings every address waits on),
 * `high` for the few reads many verdicts share (roles, ancestors, deny policies), `normal` for the rest
 * (one policy per backend).
 */
export type Priority = 'critical' | 'high' | 'normal';

/** Runs each distinct call once per run (by key), under the concurrency limit, retrying transient errors. */
export class CallExecutor {
  readonly options: ExecutorOptions;
  /** HTTP attempts made, retries included. */
  attempts = 0;
  private active = 0;
  private readonly waiting: Record<Priority, Array<() => void>> = { critical: [], high: [], normal: [] };
  private readonly cache = new Map<string, Promise<unknown>>();
  /** After a 429, no call starts before this time (epoch ms): one pause for all, not a retry storm. */
  private pausedUntil = 0;

  constructor(options: Partial<ExecutorOptions> = {}) {
    this.options = { ...DEFAULT_EXECUTOR_OPTIONS, ...options };
  }

  /** The result of `fn` for `key`, asking Google at most once per run. `describe` names the call in errors. */
  once<T>(key: string, describe: string, fn: (timeoutMs: number) => Promise<T>, priority: Priority = 'normal'): Promise<T> {
    let pending = this.cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.run(describe, fn, priority);
      this.cache.set(key, pending);
    }
    return pending;
  }

  /** Records `value` as the answer for `key` unless it was asked already: one resource under its other name. */
  remember<T>(key: string, value: T): void {
    if (!this.cache.has(key)) this.cache.set(key, Promise.resolve(value));
  }

  private async run<T>(describe: string, fn: (timeoutMs: number) => Promise<T>, priority: Priority): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let error: GoogleApiError;
      let waitSeconds: number | undefined;
      await this.acquire(describe, priority);
      try {
        this.attempts++;
        const remaining = this.options.deadline - Date.now();
        return await fn(Math.max(1, Math.min(this.options.callTimeoutMs, remaining)));
      } catch (err) {
        error = toGoogleApiError(err, describe);
        waitSeconds = retryAfterSeconds(err);
      } finally {
        this.release();
      }
      if (!error.retryable || attempt >= this.options.maxAttempts) throw error;
      const backoff = this.options.backoffMs * 2 ** (attempt - 1);
      const delay = waitSeconds !== undefined ? waitSeconds * 1000 : backoff / 2 + Math.random() * (backoff / 2);
      if (Date.now() + delay >= this.options.deadline) throw error;
      if (error.status === 429) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delay);
      await sleep(delay);
    }
  }

  private async acquire(describe: string, priority: Priority): Promise<void> {
    for (;;) {
      if (Date.now() >= this.options.deadline) throw deadlineError(describe);
      if (this.active < this.options.concurrency) {
        const pause = this.pausedUntil - Date.now();
        if (pause <= 0) {
          this.active++;
          return;
        }
        if (Date.now() + pause >= this.options.deadline) throw deadlineError(describe);
        await sleep(pause);
        this.wakeWhileFree();
        continue;
      }
      await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    }
  }

  private release(): void {
    this.active--;
    this.wakeNext();
  }

  private wakeNext(): boolean {
    const next = this.waiting.critical.shift() ?? this.waiting.high.shift() ?? this.waiting.normal.shift();
    next?.();
    return next !== undefined;
  }

  /** After a pause, slots may be free while calls still wait in line: let as many in as fit. */
  private wakeWhileFree(): void {
    for (let free = this.options.concurrency - this.active; free > 0 && this.wakeNext(); free--);
  }
}

function deadlineError(describe: string): GoogleApiError {
  return new GoogleApiError(`${describe}: not checked before the time limit (input \`timeout\`) ran out`, 0, 'DEADLINE_EXCEEDED');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
