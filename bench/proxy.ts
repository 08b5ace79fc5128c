/**
 * A recording HTTP proxy in front of the fake Google server: the fake's request log has no response
 * headers, and the back-off check needs each 429's Retry-After and the moment the answer left.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyEntry {
  /** Epoch ms when the request reached the proxy. */
  arrived: number;
  /** Epoch ms when the proxy finished sending the answer. */
  answered: number;
  method: string;
  path: string;
  status: number;
  /** Seconds, from the Retry-After header of the answer. */
  retryAfter?: number;
}

export interface RecordingProxy {
  host: string;
  url: string;
  log: ProxyEntry[];
  close(): Promise<void>;
}

export async function startProxy(target: { host: string }): Promise<RecordingProxy> {
  const [targetHost = '127.0.0.1', targetPort = '80'] = target.host.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const log: ProxyEntry[] = [];
  const server = createServer((req, res) => {
    const arrived = Date.now();
    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => {
          const retry = up.headers['retry-after'];
          log.push({
            arrived,
            answered: Date.now(),
            method: req.method ?? 'GET',
            path: (req.url ?? '').split('?')[0] ?? '',
            status: up.statusCode ?? 0,
            ...(retry !== undefined && !Number.isNaN(Number(retry)) ? { retryAfter: Number(retry) } : {}),
          });
        });
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/**
 * Requests sent while a 429's Retry-After had not elapsed: for each 429 answered at `a` with Retry-After
 * `r` s, every request arriving in (a + slack, a + r·1000 − slack) hammers (requests arriving within
 * `slack` ms of the answer were already on the wire).
 */
export function hammering(log: ProxyEntry[], slackMs = 50): { violations: number; worstEarlyMs: number; examples: string[] } {
  const throttled = log.filter((e) => e.status === 429 && e.retryAfter !== undefined);
  const byArrival = [...log].sort((x, y) => x.arrived - y.arrived);
  const offenders = new Map<ProxyEntry, number>();
  for (const t of throttled) {
    const from = t.answered + slackMs;
    const until = t.answered + (t.retryAfter as number) * 1000 - slackMs;
    for (const e of byArrival) {
      if (e.arrived <= from) continue;
      if (e.arrived >= until) break;
      offenders.set(e, Math.max(offenders.get(e) ?? 0, until + slackMs - e.arrived));
    }
  }
  const t0 = log.reduce((m, e) => Math.min(m, e.arrived), Number.POSITIVE_INFINITY);
  const examples = [...offenders.entries()]
    .slice(0, 3)
    .map(([e, early]) => `${e.method} ${e.path} at +${((e.arrived - t0) / 1000).toFixed(1)}s, ${(early / 1000).toFixed(1)}s early (${e.status})`);
  return { violations: offenders.size, worstEarlyMs: Math.max(0, ...offenders.values()), examples };
}
