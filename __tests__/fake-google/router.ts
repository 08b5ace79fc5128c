/** A small router: verb + discovery flatPath template → route, matching percent-encoded paths. */
import { ApiError, invalid } from './core.ts';
import type { Route } from './core.ts';

type Part = { kind: 'lit'; text: string } | { kind: 'one'; name: string } | { kind: 'many'; name: string };

interface Compiled {
  route: Route;
  parts: Part[];
  verb: string | undefined;
}

/** Splits `a/b/{c}:verb` into segments and a custom verb. */
function compile(route: Route): Compiled {
  let template = route.template;
  let verb: string | undefined;
  const colon = template.lastIndexOf(':');
  if (colon > template.lastIndexOf('}') && colon > template.lastIndexOf('/')) {
    verb = template.slice(colon + 1);
    template = template.slice(0, colon);
  }
  const parts: Part[] = template.split('/').map((seg) => {
    const m = /^\{(\+?)([^}]+)\}$/.exec(seg);
    if (!m) return { kind: 'lit', text: seg };
    return m[1] ? { kind: 'many', name: m[2] ?? '' } : { kind: 'one', name: m[2] ?? '' };
  });
  return { route, parts, verb };
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw invalid(`Invalid percent-encoding in the request path segment '${seg}'.`);
  }
}

/** Matches raw (still encoded) segments against parts; a `many` part takes one or more segments. */
function matchParts(parts: Part[], segs: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const manyAt = parts.findIndex((p) => p.kind === 'many');
  const one = (p: Part, s: string): boolean => {
    if (p.kind === 'lit') return p.text === s;
    if (s === '') return false;
    params[p.name] = decode(s);
    return true;
  };
  if (manyAt < 0) {
    if (parts.length !== segs.length) return undefined;
    return parts.every((p, i) => one(p, segs[i] ?? '')) ? params : undefined;
  }
  const after = parts.length - manyAt - 1;
  if (segs.length < parts.length) return undefined;
  for (let i = 0; i < manyAt; i++) if (!one(parts[i] as Part, segs[i] ?? '')) return undefined;
  for (let i = 0; i < after; i++) {
    if (!one(parts[parts.length - 1 - i] as Part, segs[segs.length - 1 - i] ?? '')) return undefined;
  }
  const middle = segs.slice(manyAt, segs.length - after);
  if (middle.some((s) => s === '')) return undefined;
  params[(parts[manyAt] as { name: string }).name] = middle.map(decode).join('/');
  return params;
}

/** Routes in priority order (first match wins). */
export class Router {
  private readonly compiled: Compiled[];
  constructor(routes: Route[]) {
    this.compiled = routes.map(compile);
  }

  /** The route for a request, or a Google-style 404. `rawPath` is the undecoded path without `?query`. */
  match(method: string, rawPath: string): { route: Route; params: Record<string, string> } {
    let path = rawPath.replace(/^\/+/, '');
    let verb: string | undefined;
    const lastSlash = path.lastIndexOf('/');
    const colon = path.indexOf(':', lastSlash + 1);
    if (colon >= 0) {
      verb = path.slice(colon + 1);
      path = path.slice(0, colon);
    }
    const segs = path.split('/');
    let verbMismatch = false;
    for (const c of this.compiled) {
      if (c.verb !== verb) continue;
      const params = matchParts(c.parts, segs);
      if (!params) continue;
      if (c.route.method !== method) {
        verbMismatch = true;
        continue;
      }
      return { route: c.route, params };
    }
    throw new ApiError(
      404,
      verbMismatch ? `Method ${method} is not allowed on ${rawPath}.` : `The requested URL ${rawPath} was not found on this server.`,
    );
  }
}
