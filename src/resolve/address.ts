/**
 * Why API Gateway cannot use a Google-hosted address as written (plain http, an odd port), while the
 * resource behind it is still checked: its IAM matters all the same.
 */
export interface TransportProblem {
  transportProblem?: string;
}

/** What an address says about the Google Cloud resource behind it, before asking Google. */
export type AddressInfo = (
  /** `[TAG---]SERVICE-PROJECTNUMBER.REGION.run.app`: names its project and region. */
  | { kind: 'cloud-run'; form: 'deterministic'; origin: string; service: string; projectNumber: string; region: string; tag?: string }
  /** `[TAG---]SERVICE-HASH-REGIONCODE.a.run.app`: found by listing services and matching their URLs. */
  | { kind: 'cloud-run'; form: 'hash'; origin: string; tag?: string }
  /** `REGION-PROJECT.cloudfunctions.net/NAME`. */
  | { kind: 'cloud-functions'; origin: string; region: string; project: string; functionName: string }
  /** `[VERSION-dot-][SERVICE-dot-]PROJECT[.REGIONCODE.r].appspot.com`. */
  | { kind: 'app-engine'; origin: string; project: string; service?: string; version?: string }
  /** Anything else, or an address that cannot be used. */
  | { kind: 'unknown'; reason: string }
) &
  TransportProblem;

const DETERMINISTIC_RUN = /^(?<service>[a-z0-9-]+)-(?<number>\d{6,})\.(?<region>[a-z]+-[a-z]+\d+)\.run\.app$/;
const HASH_RUN = /^[a-z0-9-]+\.a\.run\.app$/;
const FUNCTIONS = /^(?<region>[a-z]+-[a-z]+\d+)-(?<project>[a-z][a-z0-9-]{4,28}[a-z0-9])\.cloudfunctions\.net$/;
const APP_ENGINE = /^(?<prefix>(?:[a-z0-9-]+-dot-)*)(?<project>[a-z][a-z0-9-]{4,28}[a-z0-9])(?:\.[a-z0-9]{2,4}\.r)?\.appspot\.com$/;
const SCHEMES = ['https:', 'http:', 'grpc:', 'grpcs:'];

/** Classifies a backend address by its host. Pure: no lookups. */
export function classifyAddress(address: string): AddressInfo {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { kind: 'unknown', reason: 'it is not an absolute URL' };
  }
  if (!SCHEMES.includes(url.protocol)) return { kind: 'unknown', reason: `the scheme ${url.protocol} is not one API Gateway calls` };
  // A fully qualified name (`orders-abc123-uc.a.run.app.`) is the same host.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (url.username || url.password) return { kind: 'unknown', reason: 'it carries credentials' };
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[')) {
    return { kind: 'unknown', reason: `it names an IP address (${host}), not a Cloud Run, Cloud Functions or App Engine host` };
  }
  const problems: string[] = [];
  if (url.port !== '') problems.push(`it uses port ${url.port}; Google's serverless hosts answer on the default port only`);
  if (url.protocol === 'http:' || url.protocol === 'grpc:') {
    problems.push(`it uses ${url.protocol.slice(0, -1)}, not TLS: the gateway's identity token would cross the network unencrypted; use https (or grpcs)`);
  }
  const info = classifyHost(host, url);
  if (problems.length === 0) return info;
  if (info.kind === 'unknown') return { kind: 'unknown', reason: `${info.reason}, and ${problems.join(', and ')}` };
  return { ...info, transportProblem: problems.join('; ') };
}

function classifyHost(host: string, url: URL): AddressInfo {
  const origin = `https://${host}`;
  // A revision tag prefixes the service's own host (`canary---orders-abc123-uc.a.run.app`) and is served
  // under the service's IAM: resolve the service by its untagged host.
  const tagged = /^([a-z0-9-]+?)---(.+\.run\.app)$/.exec(host);
  const runHost = tagged?.[2] ?? host;
  const tag = tagged ? { tag: tagged[1] ?? '' } : {};
  let m = DETERMINISTIC_RUN.exec(runHost);
  if (m?.groups) {
    const { service = '', number = '', region = '' } = m.groups;
    return { kind: 'cloud-run', form: 'deterministic', origin: `https://${runHost}`, service, projectNumber: number, region, ...tag };
  }
  if (HASH_RUN.test(runHost)) return { kind: 'cloud-run', form: 'hash', origin: `https://${runHost}`, ...tag };
  m = FUNCTIONS.exec(host);
  if (m?.groups) {
    const functionName = url.pathname.split('/').filter(Boolean)[0] ?? '';
    if (!functionName) return { kind: 'unknown', reason: 'a cloudfunctions.net address must name the function in its path' };
    return { kind: 'cloud-functions', origin, region: m.groups.region ?? '', project: m.groups.project ?? '', functionName };
  }
  m = APP_ENGINE.exec(host);
  if (m?.groups) {
    // [[INSTANCE-dot-]VERSION-dot-]SERVICE-dot-PROJECT: the service is always the part before the project.
    const parts = (m.groups.prefix ?? '').split('-dot-').filter(Boolean);
    const project = m.groups.project ?? '';
    if (parts.length >= 2) return { kind: 'app-engine', origin, project, version: parts.at(-2), service: parts.at(-1) };
    if (parts.length === 1) return { kind: 'app-engine', origin, project, service: parts[0] };
    return { kind: 'app-engine', origin, project };
  }
  return { kind: 'unknown', reason: 'it is not a Cloud Run, Cloud Functions or App Engine address' };
}

/** The project an address names outright (ID or number), if any. */
export function namedProject(info: AddressInfo): string | undefined {
  switch (info.kind) {
    case 'cloud-run':
      return info.form === 'deterministic' ? info.projectNumber : undefined;
    case 'cloud-functions':
    case 'app-engine':
      return info.project;
    default:
      return undefined;
  }
}

/** The `https://host` origin of a URL, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    return `https://${new URL(url).hostname.toLowerCase().replace(/\.$/, '')}`;
  } catch {
    return undefined;
  }
}
