/** A Google API call that failed, described for a person: what was asked, what Google said, what to do. */
export class GoogleApiError extends Error {
  /** HTTP status, or 0 when no response arrived (network error, timeout). */
  readonly status: number;
  /** Google's canonical status, e.g. PERMISSION_DENIED, or the network error code. */
  readonly googleStatus: string;
  /** The `reason` of an ErrorInfo detail, e.g. SERVICE_DISABLED, when Google sent one. */
  readonly reason: string | undefined;

  constructor(message: string, status: number, googleStatus: string, reason?: string) {
    super(message);
    this.name = 'GoogleApiError';
    this.status = status;
    this.googleStatus = googleStatus;
    this.reason = reason;
  }

  /** Whether trying the same call again may succeed. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ reason?: string; metadata?: Record<string, string> }>;
  };
}

interface HttpishError {
  status?: number;
  code?: string | number;
  message?: string;
  response?: { status?: number; data?: unknown; headers?: unknown };
}

/** Turns whatever the HTTP client threw into a GoogleApiError that names the call. */
export function toGoogleApiError(err: unknown, call: string): GoogleApiError {
  if (err instanceof GoogleApiError) return err;
  const e = (err ?? {}) as HttpishError;
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : 0);
  const body = parseBody(e.response?.data);
  const googleStatus = body?.error?.status ?? (status === 0 ? String(e.code ?? 'NETWORK_ERROR') : `HTTP_${status}`);
  const reason = body?.error?.details?.find((d) => d.reason)?.reason;
  const said = body?.error?.message ?? e.message ?? 'no response';
  return new GoogleApiError(`${call}: ${googleStatus}: ${said}`, status, googleStatus, reason);
}

function parseBody(data: unknown): GoogleErrorBody | undefined {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as GoogleErrorBody;
    } catch {
      return undefined;
    }
  }
  return data && typeof data === 'object' ? (data as GoogleErrorBody) : undefined;
}

/** Seconds to wait from a Retry-After header value, when it has one. */
export function retryAfterSeconds(err: unknown): number | undefined {
  const headers = (err as HttpishError | undefined)?.response?.headers;
  let value: unknown;
  if (headers && typeof (headers as Headers).get === 'function') value = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') value = (headers as Record<string, unknown>)['retry-after'];
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * One sentence on why a read failed and what to do, for findings. `permission` is what the identity
 * running the check needs for this read.
 */
export function explainFailure(err: unknown, permission: string): string {
  const e = err instanceof GoogleApiError ? err : toGoogleApiError(err, 'Google API call');
  if (e.reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled/i.test(e.message)) {
    return `${e.message} — enable the API in that project (\`gcloud services enable\`), or check the project ID.`;
  }
  switch (e.status) {
    case 401:
      return `${e.message} — the credentials are missing or expired: run google-github-actions/auth before this step.`;
    case 403:
      return `${e.message} — access denied, or the resource does not exist: the identity running the check needs \`${permission}\` on it.`;
    case 404:
      return `${e.message} — not found.`;
    case 400:
    case 409:
    case 412:
      return `${e.message} — Google rejected the request; this is likely a bug in gateway-guard or an unusual resource name: please report it.`;
    default:
      return e.googleStatus === 'DEADLINE_EXCEEDED'
        ? e.message
        : `${e.message} — Google did not answer successfully after retries; run the check again.`;
  }
}
