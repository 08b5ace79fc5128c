/**
 * The HTTP transport under every googleapis call: gaxios's `adapter` hook, sending each request with
 * node:http / node:https. It does for our JSON calls what gaxios's Node default (node-fetch) does — the proxy
 * agent gaxios picked from HTTPS_PROXY/NO_PROXY, gzip/deflate/br answers, the abort signal of the per-call
 * timeout — for a fraction of the CPU of WHATWG fetch, whose per-request cost sits between each answer and
 * the next request. Anything else (streamed or binary bodies) goes to gaxios's own adapter. Redirects are
 * not followed (Google's APIs answer these calls directly): a 3xx is an error like any other status.
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { gaxios } from 'google-auth-library';

type PreparedRequest = gaxios.GaxiosOptionsPrepared;
type Adapter = NonNullable<gaxios.GaxiosOptions['adapter']>;

const TEXT_RESPONSE_TYPES = new Set(['json', 'text', 'unknown', undefined]);

export const nodeHttpAdapter: Adapter = <T>(options: PreparedRequest, defaultAdapter: (o: PreparedRequest) => gaxios.GaxiosPromise<T>) => {
  const { body } = options;
  const plainBody = body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body);
  if (!plainBody || !TEXT_RESPONSE_TYPES.has(options.responseType)) return defaultAdapter(options);
  return send(options, body ?? undefined) as gaxios.GaxiosPromise<T>;
};

function send(options: PreparedRequest, body: string | Buffer | undefined): gaxios.GaxiosPromise {
  const { url, signal } = options;
  const headers: Record<string, string> = {};
  options.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const method = options.method ?? 'GET';
  const requestOptions: https.RequestOptions = { method, headers, ...(options.agent ? { agent: options.agent as http.Agent } : {}) };
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    // An abort (the per-call timeout) ends the request at once — also while a proxy has not yet answered
    // CONNECT, before any socket is the request's — and rejects with the signal's reason (a TimeoutError),
    // which gaxios and our retries recognise.
    const onAbort = (): void => fail(signal?.reason);
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    const fail = (err: unknown): void => {
      settle();
      request.destroy();
      reject(signal?.aborted ? (signal.reason ?? err) : err);
    };
    const request = (url.protocol === 'https:' ? https : http).request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error(`the connection to ${url.host} closed before the whole answer arrived`));
      });
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        decode(raw, raw.length === 0 || method === 'HEAD' ? '' : res.headers['content-encoding'])
          .then((bytes) => toResponse(options, res, TEXT_DECODER.decode(bytes)))
          .then((response) => {
            settle();
            resolve(response);
          }, fail);
      });
    });
    request.on('error', fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(body);
  });
}

/** UTF-8, a leading byte-order mark dropped (as fetch's `text()` does). */
const TEXT_DECODER = new TextDecoder();

/** The body as sent, decompressed per Content-Encoding (an empty body has nothing to decompress). */
async function decode(raw: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  switch ((contentEncoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzip(raw);
    case 'deflate':
      // "deflate" is zlib-wrapped by the standard, raw in some servers: accept both, as fetch does.
      return inflate(raw).catch(() => inflateRaw(raw));
    case 'br':
      return brotliDecompress(raw);
    default:
      return raw;
  }
}
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * The answer as gaxios and googleapis read it: status, headers, data, config, and a body already "used" (read
 * off the socket; gaxios keeps `data` on errors only then). A plain object rather than a WHATWG `Response`,
 * whose construction (webidl checks, a headers list) cost more per call than the rest of this adapter.
 */
function toResponse(options: PreparedRequest, res: http.IncomingMessage, text: string): gaxios.GaxiosResponse {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) throw new Error(`${options.url.host} answered with HTTP status ${status}, which is not a valid final status`);
  const headers = new AnswerHeaders(res.rawHeaders);
  const data = status === 204 ? '' : parseData(options.responseType, headers, text);
  // googleapis takes 2xx and 304 as success, and every JSON call through here reads a resource: an answer
  // whose body is not a JSON object (a 304, a 204 to a read, a proxy's page, JSON that does not parse) must
  // never read as an empty resource (a policy without bindings, a listing without services). It rejects, as a
  // network error. Only a DELETE's 204 and a HEAD have no body to read.
  const method = options.method ?? 'GET';
  const success = (status >= 200 && status < 300) || status === 304;
  const bodiless = method === 'HEAD' || (status === 204 && method === 'DELETE');
  if (success && !bodiless && options.responseType !== 'text' && (data === null || typeof data !== 'object')) {
    throw new Error(`${options.url.host} answered HTTP ${status} without a JSON object in its body; the answer was not used`);
  }
  const answer = {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers,
    url: options.url.href,
    redirected: false,
    type: 'default',
    bodyUsed: true,
    config: options,
    data,
  };
  return answer as unknown as gaxios.GaxiosResponse;
}

/**
 * An answer's headers with the reading side of WHATWG `Headers` (names case-insensitive, repeated fields
 * joined with ", ") and `set`, which gaxios's error redactor uses.
 */
export class AnswerHeaders {
  private readonly fields = new Map<string, string>();

  constructor(rawHeaders: readonly string[]) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as string).toLowerCase();
      const value = (rawHeaders[i + 1] as string).trim();
      const before = this.fields.get(name);
      this.fields.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.fields.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.fields.set(name.toLowerCase(), value);
  }

  delete(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string, headers: AnswerHeaders) => void): void {
    for (const [name, value] of [...this.fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) callback(value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* [...this.fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([name]) => name)[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, value]) => value)[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** As a record when logged or serialised (googleapis hands a successful answer's headers on unchanged). */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** gaxios's rules: JSON when asked for or labelled so (the text when it does not parse), else the text. */
function parseData(responseType: string | undefined, headers: AnswerHeaders, text: string): unknown {
  const json = responseType === 'json' || (responseType !== 'text' && (headers.get('content-type') ?? '').toLowerCase().includes('application/json'));
  if (!json) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
