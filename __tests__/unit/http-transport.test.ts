/**
 * The node:http transport under googleapis (src/gcp/http-transport.ts), driven through gaxios itself (the
 * layer googleapis calls) against real local servers: compressed answers, request bodies, Google error
 * bodies and Retry-After kept for our retries, cut-off answers, the per-call timeout, an HTTPS endpoint,
 * the proxy gaxios picks from HTTPS_PROXY, and the path with credentials (googleapis → auth client → gaxios).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { OAuth2Client, gaxios } from 'google-auth-library';
import { run_v2 } from 'googleapis/build/src/apis/run/v2.js';
import { retryAfterSeconds, toGoogleApiError } from '../../src/gcp/errors.ts';
import { nodeHttpAdapter } from '../../src/gcp/http-transport.ts';

const client = new gaxios.Gaxios({ adapter: nodeHttpAdapter, retry: false });
const POLICY = { version: 3, etag: 'BwX=', bindings: [{ role: 'roles/run.invoker', members: ['serviceAccount:gw@p.iam.gserviceaccount.com'] }] };

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: http.Server;
let base: string;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (handler) handler(req, body, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(value));
};

test('a JSON answer becomes data; status and headers are those sent', async () => {
  routes.set('/policy', (_req, _body, res) => json(res, 200, POLICY, { 'x-goog-trace': 'abc' }));
  const res = await client.request({ url: `${base}/policy` });
  assert.deepEqual(res.data, POLICY);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-goog-trace'), 'abc');
});

test('answer headers read as WHATWG Headers read them: any case, repeated fields joined, sorted iteration', async () => {
  routes.set('/repeated', (_req, _body, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Goog-Warning', ['first', 'second']);
    res.setHeader('Retry-After', '7');
    res.end('{}');
  });
  const res = await client.request({ url: `${base}/repeated` });
  const fetched = await fetch(`${base}/repeated`);
  for (const name of ['x-goog-warning', 'X-GOOG-WARNING', 'retry-after', 'content-type', 'absent']) {
    assert.equal(res.headers.get(name), fetched.headers.get(name), name);
    assert.equal(res.headers.has(name), fetched.headers.has(name), name);
  }
  const seen: string[] = [];
  res.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
  const expected: string[] = [];
  fetched.headers.forEach((value, name) => expected.push(`${name}: ${value}`));
  assert.deepEqual(seen, expected);
  // Logged or serialised (googleapis passes a success's headers on as they are), they read as a record.
  assert.deepEqual(JSON.parse(JSON.stringify(res.headers)), Object.fromEntries(fetched.headers));
  assert.equal(res.ok, true);
  assert.equal(res.statusText, 'OK');
});

for (const [encoding, compress] of [
  ['gzip', zlib.gzipSync],
  ['deflate', zlib.deflateSync],
  ['br', zlib.brotliCompressSync],
] as const) {
  test(`a ${encoding}-encoded answer is decoded`, async () => {
    routes.set(`/${encoding}`, (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(compress(Buffer.from(JSON.stringify(POLICY))));
    });
    const res = await client.request({ url: `${base}/${encoding}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.deepEqual(res.data, POLICY);
  });
}

test('an empty answer labelled as compressed keeps its status (204, HEAD, an empty 404)', async () => {
  routes.set('/empty', (req, _body, res) => {
    const status = req.method === 'DELETE' ? 204 : req.method === 'HEAD' ? 200 : 404;
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end();
  });
  assert.equal((await client.request({ url: `${base}/empty`, method: 'DELETE' })).status, 204);
  assert.equal((await client.request({ url: `${base}/empty`, method: 'HEAD' })).status, 200);
  const err = await client.request({ url: `${base}/empty` }).then(
    () => assert.fail('a 404 must reject'),
    (e: unknown) => e,
  );
  assert.equal(toGoogleApiError(err, 'Reading a policy').status, 404);
});

test('a truncated gzip body rejects; raw deflate and a UTF-8 byte-order mark are read as fetch reads them', async () => {
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(POLICY)));
  routes.set('/truncated', (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gz.subarray(0, gz.length - 8)));
  routes.set('/raw-deflate', (_req, _body, res) =>
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }).end(zlib.deflateRawSync(Buffer.from(JSON.stringify(POLICY)))),
  );
  routes.set('/bom', (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`\uFEFF${JSON.stringify(POLICY)}`));
  await assert.rejects(client.request({ url: `${base}/truncated` }));
  assert.deepEqual((await client.request({ url: `${base}/raw-deflate` })).data, POLICY);
  assert.deepEqual((await client.request({ url: `${base}/bom` })).data, POLICY);
});

test('a body that fails to decompress frees its socket', async () => {
  const agent = new http.Agent({ keepAlive: true });
  routes.set('/not-gzip', (_req, _body, res) => res.writeHead(500, { 'content-encoding': 'gzip' }).end(Buffer.alloc(64 * 1024, 1)));
  await assert.rejects(client.request({ url: `${base}/not-gzip`, agent }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(Object.values(agent.sockets).flat().length, 0);
  agent.destroy();
});

test('a POST sends its JSON body with content type and length', async () => {
  let seen: { method?: string; type?: string; length?: string; body?: string } = {};
  routes.set('/v3/projects/p:getIamPolicy', (req, body, res) => {
    seen = { method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body };
    json(res, 200, POLICY);
  });
  const options = { options: { requestedPolicyVersion: 3 } };
  const res = await client.request({ url: `${base}/v3/projects/p:getIamPolicy`, method: 'POST', data: options });
  assert.deepEqual(res.data, POLICY);
  assert.equal(seen.method, 'POST');
  assert.match(seen.type ?? '', /application\/json/);
  assert.deepEqual(JSON.parse(seen.body ?? ''), options);
  assert.equal(Number(seen.length), Buffer.byteLength(seen.body ?? ''));
});

test("a Google error keeps its body and Retry-After for our retries and messages", async () => {
  routes.set('/quota', (_req, _body, res) =>
    json(res, 429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for run.googleapis.com reads' } }, { 'retry-after': '7' }),
  );
  const err = await client.request({ url: `${base}/quota` }).then(
    () => assert.fail('a 429 must reject'),
    (e: unknown) => e,
  );
  assert.equal(retryAfterSeconds(err), 7);
  const google = toGoogleApiError(err, 'Listing services');
  assert.equal(google.status, 429);
  assert.equal(google.googleStatus, 'RESOURCE_EXHAUSTED');
  assert.match(google.message, /Listing services: RESOURCE_EXHAUSTED: Quota exceeded/);
});

test('a non-JSON error page (a proxy in the way) is kept as text', async () => {
  routes.set('/html', (_req, _body, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
  const err = await client.request({ url: `${base}/html` }).then(
    () => assert.fail('a 502 must reject'),
    (e: unknown) => e as { response?: { status: number; data: unknown } },
  );
  assert.equal(err.response?.status, 502);
  assert.equal(err.response?.data, '<h1>Bad gateway</h1>');
  assert.equal(toGoogleApiError(err, 'Reading a policy').googleStatus, 'HTTP_502');
});

test('an answer cut off mid-body rejects (it is never taken as a short, valid answer)', async () => {
  routes.set('/cut', (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"bindings": [');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await assert.rejects(client.request({ url: `${base}/cut` }));
});

test('a call that hangs is cut off by its timeout, as a timeout', async () => {
  routes.set('/hang', () => undefined);
  const started = Date.now();
  const err = await client.request({ url: `${base}/hang`, timeout: 150 }).then(
    () => assert.fail('a hanging call must reject'),
    (e: unknown) => e as { code?: string },
  );
  assert.equal(err.code, 'TimeoutError');
  assert.ok(Date.now() - started < 2_000);
  assert.equal(toGoogleApiError(err, 'Reading a policy').status, 0);
});

test('HTTPS endpoints are reached over TLS', (t) => {
  let dir: string;
  try {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gg-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not installed: cannot make a certificate for the local HTTPS server');
    return;
  }
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  const tls = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (_req, res) => json(res, 200, POLICY));
  return new Promise<void>((resolve, reject) => {
    tls.listen(0, '127.0.0.1', () => {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/policy`;
      client
        .request({ url, agent: new https.Agent({ ca: cert }) })
        .then((res) => assert.deepEqual(res.data, POLICY))
        .then(resolve, reject)
        .finally(() => {
          tls.closeAllConnections();
          tls.close();
        });
    });
  });
});

test('HTTPS_PROXY is honoured: the call tunnels through the proxy gaxios picked', async () => {
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
  process.env.HTTPS_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  delete process.env.NO_PROXY;
  try {
    routes.set('/proxied', (_req, _body, res) => json(res, 200, POLICY));
    const res = await new gaxios.Gaxios({ adapter: nodeHttpAdapter, retry: false }).request({ url: `${base}/proxied` });
    assert.deepEqual(res.data, POLICY);
    assert.deepEqual(tunnels, [new URL(base).host]);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    proxy.closeAllConnections();
    proxy.close();
  }
});

test('with credentials, googleapis calls still go through the transport, with the bearer token', async () => {
  let authorization: string | undefined;
  routes.set('/v2/projects/p/locations/us-central1/services/orders:getIamPolicy', (req, _body, res) => {
    authorization = req.headers.authorization;
    json(res, 200, POLICY);
  });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'ya29.test-token', expiry_date: Date.now() + 3_600_000 });
  let transported = 0;
  const adapter: typeof nodeHttpAdapter = (options, defaultAdapter) => {
    transported++;
    return nodeHttpAdapter(options, defaultAdapter);
  };
  const run = new run_v2.Run({ auth, rootUrl: `${base}/`, adapter, retry: false });
  const res = await run.projects.locations.services.getIamPolicy({ resource: 'projects/p/locations/us-central1/services/orders' });
  assert.deepEqual(res.data, POLICY);
  assert.equal(authorization, 'Bearer ya29.test-token');
  assert.equal(transported, 1);
});

test('the timeout also ends a call held up by a proxy that never answers CONNECT', { timeout: 10_000 }, async () => {
  const held: net.Socket[] = [];
  const proxy = http.createServer();
  proxy.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => void held.push(socket));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const saved = process.env.HTTPS_PROXY;
  process.env.HTTPS_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  try {
    const started = Date.now();
    const err = await new gaxios.Gaxios({ adapter: nodeHttpAdapter, retry: false }).request({ url: `${base}/proxied`, timeout: 200 }).then(
      () => assert.fail('a call through a silent proxy must time out'),
      (e: unknown) => e as { code?: string },
    );
    assert.equal(err.code, 'TimeoutError');
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    assert.equal(held.length, 1, 'the call did go to the proxy');
  } finally {
    if (saved === undefined) delete process.env.HTTPS_PROXY;
    else process.env.HTTPS_PROXY = saved;
    for (const socket of held) socket.destroy();
    proxy.close();
  }
});

test('a status outside 200-599 rejects with a message, not an unhandled error', async () => {
  routes.set('/odd-status', (_req, _body, res) => res.writeHead(999, { 'content-type': 'application/json' }).end('{}'));
  await assert.rejects(client.request({ url: `${base}/odd-status` }), /HTTP status 999/);
});

test('a success that is not a JSON object (a 304, a 204 to a read, a proxy page, JSON cut short) rejects: it never reads as an empty resource', async () => {
  const answers: Record<string, [number, string, string]> = {
    '/not-modified': [304, 'application/json', ''],
    '/portal': [200, 'text/html', '<html>Sign in to the Wi-Fi</html>'],
    '/short-json': [200, 'application/json', '{"version":3,"bindings":[{"role":"roles/run.invoker","members":["allUsers"]'],
    '/empty-200': [200, 'application/json', ''],
    '/no-content-to-a-read': [204, 'application/json', ''],
  };
  for (const [route, [status, type, body]] of Object.entries(answers)) {
    routes.set(route, (_req, _body, res) => res.writeHead(status, { 'content-type': type }).end(body));
    // googleapis's own validateStatus: 2xx and 304 are successes.
    const err = await client.request({ url: `${base}${route}`, validateStatus: (s) => (s >= 200 && s < 300) || s === 304 }).then(
      (res) => assert.fail(`${route} must reject, got data ${JSON.stringify(res.data)}`),
      (e: unknown) => e,
    );
    const google = toGoogleApiError(err, 'Reading a policy');
    assert.equal(google.status, 0, route);
    assert.ok(google.retryable, route);
    assert.match(google.message, /without a JSON object/, route);
  }
  // A JSON object is used; an empty object is a legitimate empty resource.
  routes.set('/empty-object', (_req, _body, res) => json(res, 200, {}));
  assert.deepEqual((await client.request({ url: `${base}/empty-object` })).data, {});
});
