/**
 * The HTTP transport under every googleapis call: gaxios's `adapter` hook, sending each request with
 * node:http / node:https. It does for our JSON calls what gaxios's Node default (node-fetch) does — the proxy
 * agent gaxios picked from HTTPS_PROXY/NO_PROXY, gzip/deflate/br answers, the abort signal of the per-call
 * timeout — for a fraction of the CPU of WHATWG fetch, whose per-request cost sits between each answer and
 * the next request. Anything else (streamed or binary bodies) goes to gaxios's own adapter.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
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
  const requestOptions: https.RequestOptions = {
    method: options.method ?? 'GET',
    headers,
    ...(options.agent ? { agent: options.agent as http.Agent } : {}),
    ...(signal ? { signal } : {}),
  };
  return new Promise((resolve, reject) => {
    // An abort (the per-call timeout) surfaces as the signal's reason, which gaxios and our retries recognise.
    const fail = (err: unknown): void => reject(signal?.aborted ? (signal.reason ?? err) : err);
    const request = (url.protocol === 'https:' ? https : http).request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      const decoded = decode(res);
      decoded.on('data', (chunk: Buffer) => chunks.push(chunk));
      decoded.on('error', fail);
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error(`the connection to ${url.host} closed before the whole answer arrived`));
      });
      decoded.on('end', () => {
        try {
          resolve(toResponse(options, res, Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          fail(err);
        }
      });
    });
    request.on('error', fail);
    request.end(body);
  });
}

function decode(res: http.IncomingMessage): Readable {
  switch ((res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlib.createGunzip());
    case 'deflate':
      return res.pipe(zlib.createInflate());
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}

function toResponse(options: PreparedRequest, res: http.IncomingMessage, text: string): gaxios.GaxiosResponse {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) throw new Error(`${options.url.host} answered with HTTP status ${status}, which is not a valid final status`);
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
  let response: Response;
  try {
    response = new Response(null, { status, statusText: res.statusMessage ?? '', headers });
  } catch {
    response = new Response(null, { status, headers }); // a reason phrase fetch does not accept
  }
  // The body was read off the socket already; gaxios keeps `data` on errors only when the body is "used".
  Object.defineProperty(response, 'bodyUsed', { value: true });
  return Object.assign(response, { config: options, data: status === 204 ? '' : parseData(options.responseType, headers, text) });
}

/** gaxios's rules: JSON when asked for or labelled so (the text when it does not parse), else the text. */
function parseData(responseType: string | undefined, headers: Headers, text: string): unknown {
  const json = responseType === 'json' || (responseType !== 'text' && (headers.get('content-type') ?? '').toLowerCase().includes('application/json'));
  if (!json) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
