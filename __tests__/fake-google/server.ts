/**
 * Fake Google Cloud APIs over HTTP, for tests and demos (emulator mode: every API under one host,
 * with its normal path). Answers from a declarative {@link World}.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, WorldIndex, checkQuery, denied, notFound } from './core.ts';
import type { Call, Route } from './core.ts';
import { Router } from './router.ts';
import { loadWorld } from './world.ts';
import type { World, WorldFault } from './world.ts';
import { runRoutes } from './apis/run.ts';
import { resourceManagerRoutes } from './apis/resourcemanager.ts';
import { iamRoutes } from './apis/iam.ts';
import { functionsRoutes } from './apis/functions.ts';
import { appEngineRoutes } from './apis/appengine.ts';
import { apiGatewayRoutes } from './apis/apigateway.ts';
import { troubleshooterRoutes } from './apis/troubleshooter.ts';
import { assetRoutes } from './apis/asset.ts';
import { iapRoutes } from './apis/iap.ts';

/** Options of {@link startFakeGoogle}; each overrides the world's field of the same name. */
export interface FakeGoogleOptions {
  /** Port to listen on (default: a random free port). */
  port?: number;
  /** Delay before answering each request, in ms. */
  latencyMs?: number;
  /** Requests allowed per rolling minute; beyond it → 429 RESOURCE_EXHAUSTED with Retry-After. */
  quotaPerMinute?: number;
  /** Default and maximum page size of every list. */
  pageSize?: number;
}

/** One request the fake answered. */
export interface RequestLogEntry {
  method: string;
  /** Path as received (percent-encoded), without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  status: number;
  /** Epoch ms when the request arrived. */
  time: number;
  durationMs: number;
  /** Discovery method id of the route that matched, e.g. `run.projects.locations.services.get`. */
  methodId?: string;
}

/** A running fake. */
export interface FakeGoogle {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** `127.0.0.1:PORT`, the value for GATEWAY_GUARD_EMULATOR_HOST. */
  host: string;
  /** Every request answered so far (clear with `requests.length = 0`). */
  requests: RequestLogEntry[];
  /** The live world: tests may mutate it between requests. */
  world: World;
  close(): Promise<void>;
}

/** Every route, most specific first (IAP's catch-all `v1/{+resource}:getIamPolicy` comes last). */
export function allRoutes(): Route[] {
  return [
    ...runRoutes(),
    ...resourceManagerRoutes(),
    ...iamRoutes(),
    ...functionsRoutes(),
    ...appEngineRoutes(),
    ...apiGatewayRoutes(),
    ...troubleshooterRoutes(),
    ...assetRoutes(),
    ...iapRoutes(),
  ];
}

const DEFAULT_PAGE_SIZE = 500;

const defaultFaultMessage = (status: number, route: Route | undefined, resource: string): ApiError => {
  const service = route ? `${route.id.split('.')[0]}.googleapis.com` : 'googleapis.com';
  switch (status) {
    case 403:
      return denied(route?.permission ?? 'unknown', resource);
    case 404:
      return notFound(resource);
    case 429:
      return new ApiError(429, `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '${service}'.`);
    case 500:
      return new ApiError(500, 'Internal error encountered.');
    case 503:
      return new ApiError(503, 'The service is currently unavailable.');
    case 504:
      return new ApiError(504, 'The request deadline was exceeded.');
    case 400:
      return new ApiError(400, 'Request contains an invalid argument.');
    default:
      return new ApiError(status, `Injected error ${status}.`);
  }
};

/** Resource name of a path: without the version prefix and the custom verb. */
const resourceOfPath = (path: string): string => {
  let p = path.replace(/^\/+/, '').replace(/^(v\d\w*|apis\/serving\.knative\.dev\/v1)\//, '');
  const colon = p.indexOf(':', p.lastIndexOf('/') + 1);
  if (colon >= 0) p = p.slice(0, colon);
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the fake on 127.0.0.1 with `world` (an object, or the path of a YAML/JSON world file). */
export async function startFakeGoogle(worldOrPath: World | string, options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const world: World = typeof worldOrPath === 'string' ? await loadWorld(worldOrPath) : worldOrPath;
  const router = new Router(allRoutes());
  const requests: RequestLogEntry[] = [];
  const faultUses = new Map<WorldFault, number>();
  const recent: number[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    const entry: RequestLogEntry = { method, path, query: {}, body: undefined, status: 0, time: started, durationMs: 0 };
    for (const key of new Set(query.keys())) {
      const all = query.getAll(key);
      entry.query[key] = all.length === 1 ? (all[0] as string) : all;
    }
    let status = 200;
    let payload: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
    try {
      const text = await readBody(req);
      if (text.trim() !== '') {
        try {
          entry.body = JSON.parse(text) as unknown;
        } catch {
          entry.body = text;
          throw new ApiError(400, `Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}`);
        }
      }
      const quota = options.quotaPerMinute ?? world.quotaPerMinute;
      if (quota !== undefined) {
        const now = Date.now();
        while (recent.length > 0 && (recent[0] as number) <= now - 60_000) recent.shift();
        if (recent.length >= quota) {
          const retry = Math.max(1, Math.ceil(((recent[0] as number) + 60_000 - now) / 1000));
          throw new ApiError(
            429,
            `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of the service.`,
            { 'retry-after': String(retry) },
          );
        }
        recent.push(now);
      }

      let matched: { route: Route; params: Record<string, string> } | undefined;
      let routeError: unknown;
      try {
        matched = router.match(method, path);
        entry.methodId = matched.route.id;
      } catch (err) {
        routeError = err;
      }

      let decodedPath = path;
      try {
        decodedPath = decodeURIComponent(path);
      } catch {
        // keep raw
      }
      for (const fault of world.faults ?? []) {
        if (fault.method && fault.method.toUpperCase() !== method) continue;
        const re = new RegExp(fault.path);
        if (!re.test(path) && !re.test(decodedPath)) continue;
        const used = faultUses.get(fault) ?? 0;
        if (fault.times !== undefined && used >= fault.times) continue;
        faultUses.set(fault, used + 1);
        const err = fault.message
          ? new ApiError(fault.status, fault.message)
          : defaultFaultMessage(fault.status, matched?.route, resourceOfPath(path));
        if (fault.retryAfter !== undefined) err.headers['retry-after'] = fault.retryAfter;
        throw err;
      }

      if (!matched) throw routeError;
      checkQuery(matched.route, query);
      const call: Call = {
        method,
        params: matched.params,
        query,
        body: entry.body,
        world,
        index: new WorldIndex(world),
        pageSize: options.pageSize ?? world.pageSize ?? DEFAULT_PAGE_SIZE,
        path,
      };
      payload = await matched.route.handler(call);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(500, `Internal error encountered. (${String(err)})`);
      status = apiError.code;
      payload = apiError.body();
      Object.assign(headers, apiError.headers);
    }
    const body = JSON.stringify(payload ?? {}, null, 2);
    // Latency: the answer leaves `latency` ms after the request arrived, the fake's own work included. Google
    // serves concurrent calls on many machines; this fake serves them one after another on one thread, so
    // sleeping after that work would add the work of every call that arrived before (a wave of 16 calls
    // would take 16 times the fake's work longer than the latency), which is the fake's cost, not the
    // client's.
    const latency = options.latencyMs ?? world.latencyMs ?? 0;
    const left = started + latency - Date.now();
    if (left > 0) await sleep(left);
    entry.status = status;
    entry.durationMs = Date.now() - started;
    requests.push(entry);
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(new ApiError(500, String(err)).body()));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
