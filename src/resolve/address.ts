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
  | { kind: 'unknown'; reason: string; googleHost?: 'cloud-run' | 'cloud-functions' | 'app-engine' }
) &
  TransportProblem;

const SCHEMES = ['https:', 'http:', 'grpc:', 'grpcs:'];
/** DNS limits (RFC 1035): checked before any pattern runs, so every pattern below sees at most 63 characters. */
const MAX_HOST = 253;
const MAX_LABEL = 63;

// Every pattern below is applied to one DNS label (at most 63 characters) and has a linear-time shape:
// anchored, no nested or adjacent overlapping quantifiers.
const LABEL_CHARS = /^[a-z0-9-]+$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
const DIGITS = /^\d+$/;
const REGION_CODE = /^[a-z0-9]{2,4}$/;

/** Classifies a backend address by its host. Pure: no lookups. */
export function classifyAddress(address: string): AddressInfo {
  const info = classify(address);
  if (info.kind !== 'unknown' || info.googleHost) return info;
  const googleHost = serverlessDomain(address);
  return googleHost ? { ...info, googleHost } : info;
}

/** The serverless product whose domain the address's host is under (run.app, cloudfunctions.net, appspot.com). */
function serverlessDomain(address: string): 'cloud-run' | 'cloud-functions' | 'app-engine' | undefined {
  let host: string;
  try {
    host = stripDot(new URL(address).hostname.toLowerCase());
  } catch {
    return undefined;
  }
  if (host.endsWith('.run.app')) return 'cloud-run';
  if (host.endsWith('.cloudfunctions.net')) return 'cloud-functions';
  if (host.endsWith('.appspot.com')) return 'app-engine';
  return undefined;
}

function classify(address: string): AddressInfo {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { kind: 'unknown', reason: 'it is not an absolute URL' };
  }
  if (!SCHEMES.includes(url.protocol)) return { kind: 'unknown', reason: `the scheme ${url.protocol} is not one API Gateway calls` };
  // A fully qualified name (`orders-abc123-uc.a.run.app.`) is the same host.
  const host = stripDot(url.hostname.toLowerCase());
  if (url.username || url.password) return { kind: 'unknown', reason: 'it carries credentials' };
  const tooLong = dnsProblem(host);
  if (tooLong) return { kind: 'unknown', reason: tooLong };
  if (isIpv4(host) || host.startsWith('[')) {
    return { kind: 'unknown', reason: `it names an IP address (${host}), not a Cloud Run, Cloud Functions or App Engine host` };
  }
  const problems: string[] = [];
  if (url.port !== '') problems.push(`it uses port ${url.port}; Google's serverless hosts answer on the default port only`);
  if (url.protocol === 'http:' || url.protocol === 'grpc:') {
    problems.push(`it uses ${url.protocol.slice(0, -1)}, not TLS: the gateway's identity token would cross the network unencrypted; use https (or grpcs)`);
  }
  const info = classifyHost(host, url);
  if (problems.length === 0) return info;
  if (info.kind === 'unknown') return { ...info, reason: `${info.reason}, and ${problems.join(', and ')}` };
  return { ...info, transportProblem: problems.join('; ') };
}

function stripDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Why the host cannot be a DNS name (too long, a label too long or empty), if it cannot. */
function dnsProblem(host: string): string | undefined {
  if (host.startsWith('[')) return undefined;
  if (host.length > MAX_HOST) return `its host is ${host.length} characters long, over the ${MAX_HOST} DNS allows`;
  for (const label of host.split('.')) {
    if (label.length > MAX_LABEL) return `its host has a ${label.length}-character label, over the ${MAX_LABEL} DNS allows`;
    if (label === '') return 'its host has an empty label (two dots in a row)';
  }
  return undefined;
}

function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => DIGITS.test(part));
}

const NOT_GOOGLE = 'it is not a Cloud Run, Cloud Functions or App Engine address';

/** Reads the host label by label (each at most 63 characters by now): no pattern sees the whole host. */
function classifyHost(host: string, url: URL): AddressInfo {
  const labels = host.split('.');
  const endsWith = (...tail: string[]) => labels.length > tail.length && tail.every((label, i) => labels[labels.length - tail.length + i] === label);
  // A host of Google's serverless domains that names no resource is not "unverifiable": it is a backend
  // that does not exist as written (backend-not-found, an error), never a warning that passes.
  const google = (kind: 'cloud-run' | 'cloud-functions' | 'app-engine', info: AddressInfo): AddressInfo =>
    info.kind === 'unknown' ? { ...info, googleHost: kind } : info;
  if (endsWith('run', 'app')) return google('cloud-run', classifyRun(labels));
  if (endsWith('cloudfunctions', 'net')) return google('cloud-functions', labels.length === 3 ? classifyFunction(labels[0] ?? '', host, url) : { kind: 'unknown', reason: NOT_GOOGLE });
  if (endsWith('appspot', 'com')) return google('app-engine', classifyAppEngine(labels));
  return { kind: 'unknown', reason: NOT_GOOGLE };
}

/** `[TAG---]SERVICE-PROJECTNUMBER.REGION.run.app` or `[TAG---]SERVICE-HASH-REGIONCODE.a.run.app`. */
function classifyRun(labels: string[]): AddressInfo {
  if (labels.length !== 4) return { kind: 'unknown', reason: NOT_GOOGLE };
  const [first = '', second = ''] = labels;
  if (!LABEL_CHARS.test(first)) return { kind: 'unknown', reason: NOT_GOOGLE };
  // A revision tag prefixes the service's own host (`canary---orders-abc123-uc.a.run.app`) and is served
  // under the service's IAM: resolve the service by its untagged host.
  const at = first.indexOf('---', 1);
  const tag = at > 0 ? first.slice(0, at) : undefined;
  const own = at > 0 ? first.slice(at + 3) : first;
  if (own === '') return { kind: 'unknown', reason: NOT_GOOGLE };
  const tagged = tag === undefined ? {} : { tag };
  const runHost = [own, ...labels.slice(1)].join('.');
  if (second === 'a') return { kind: 'cloud-run', form: 'hash', origin: `https://${runHost}`, ...tagged };
  const dash = own.lastIndexOf('-');
  const service = own.slice(0, dash);
  const number = own.slice(dash + 1);
  if (dash <= 0 || number.length < 6 || !DIGITS.test(number) || !REGION.test(second)) return { kind: 'unknown', reason: NOT_GOOGLE };
  if (!isServiceName(service)) return invalidName('Cloud Run service name', service, RULES.runService);
  return { kind: 'cloud-run', form: 'deterministic', origin: `https://${runHost}`, service, projectNumber: number, region: second, ...tagged };
}

/** `REGION-PROJECT.cloudfunctions.net/NAME`. */
function classifyFunction(first: string, host: string, url: URL): AddressInfo {
  // The region holds exactly one hyphen (`us-central1`), so the project starts after the second.
  const second = first.indexOf('-', first.indexOf('-') + 1);
  const region = first.slice(0, Math.max(second, 0));
  const project = first.slice(second + 1);
  if (second < 0 || !REGION.test(region)) return { kind: 'unknown', reason: NOT_GOOGLE };
  if (!isProjectId(project)) return invalidName('project ID', project, RULES.project);
  const segment = url.pathname.split('/').find(Boolean) ?? '';
  if (!segment) return { kind: 'unknown', reason: 'a cloudfunctions.net address must name the function in its path' };
  // Percent-encoded letters (`/%6Frders`) name the same function as the plain ones: judge the decoded name.
  const functionName = decoded(segment);
  if (!isFunctionName(functionName)) return invalidName('Cloud Functions name', segment, RULES.function);
  return { kind: 'cloud-functions', origin: `https://${host}`, region, project, functionName };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `[[INSTANCE-dot-]VERSION-dot-][SERVICE-dot-]PROJECT[.REGIONCODE.r].appspot.com`. */
function classifyAppEngine(labels: string[]): AddressInfo {
  const regional = labels.length === 5 && labels[2] === 'r' && REGION_CODE.test(labels[1] ?? '');
  if (labels.length !== 3 && !regional) return { kind: 'unknown', reason: NOT_GOOGLE };
  const first = labels[0] ?? '';
  if (!LABEL_CHARS.test(first)) return { kind: 'unknown', reason: NOT_GOOGLE };
  const parts = first.split('-dot-').filter(Boolean);
  const project = parts.pop() ?? '';
  if (!isProjectId(project)) return invalidName('project ID', project, RULES.project);
  const origin = `https://${labels.join('.')}`;
  // The service is always the part right before the project, the version the one before it.
  const service = parts.at(-1);
  const version = parts.at(-2);
  if (service !== undefined && !isAppEngineId(service)) return invalidName('App Engine service name', service, RULES.appEngine);
  if (version !== undefined && !isAppEngineId(version)) return invalidName('App Engine version', version, RULES.appEngine);
  if (version !== undefined) return { kind: 'app-engine', origin, project, version, service };
  if (service !== undefined) return { kind: 'app-engine', origin, project, service };
  return { kind: 'app-engine', origin, project };
}

/** Google's naming rules, as shown when a name breaks them. */
const RULES = {
  project: '6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  runService: 'lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  function: 'letters, digits, hyphens and underscores, at most 63, starting with a letter and ending with a letter or digit',
  appEngine: 'lowercase letters, digits and hyphens, at most 63, not starting or ending with a hyphen',
};

function invalidName(what: string, name: string, rule: string): AddressInfo {
  return { kind: 'unknown', reason: `its ${what} ${JSON.stringify(name.slice(0, 80))} is not a valid one (${rule})` };
}

/** `text` is 1..max characters of `[a-z0-9-]`, starting with a letter, not ending with a hyphen. */
function isDnsName(text: string, max: number): boolean {
  return text.length <= max && /^[a-z][a-z0-9-]*$/.test(text) && !text.endsWith('-');
}

/** A Google Cloud project ID (`shop-prod`). */
export function isProjectId(text: string): boolean {
  return text.length >= 6 && isDnsName(text, 30);
}

/** A Cloud Run service name. */
function isServiceName(text: string): boolean {
  return isDnsName(text, MAX_LABEL);
}

/** A Cloud Functions function name (1st and 2nd gen). */
function isFunctionName(text: string): boolean {
  return text.length <= 63 && /^[A-Za-z][\w-]*$/.test(text) && /[A-Za-z0-9]$/.test(text);
}

/** An App Engine service or version ID. */
function isAppEngineId(text: string): boolean {
  return text.length <= 63 && /^[a-z0-9][a-z0-9-]*$/.test(text) && !text.endsWith('-');
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
