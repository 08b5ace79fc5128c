/**
 * Benchmark worlds and specs: pure, seeded, deterministic generators (same options → same output).
 *
 * `cloudRunWorld` builds an organization → folder(s) → projects hierarchy with hash-style Cloud Run
 * services, realistic policies, the Swagger 2.0 spec that uses every service, the verdict the action must
 * reach, and the lower bound of Google API calls needed to reach it (`lowerBound`, computed from the world
 * alone, never from the product). `largeSpec` builds a spec with N operations for the parse-time figure.
 */
import type { Binding, Policy, Role, RunService, World } from '../__tests__/fake-google/world.ts';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const token = (rnd: () => number, n: number): string => Array.from({ length: n }, () => ALNUM[Math.floor(rnd() * 36)]).join('');

/** Cloud Run's region codes in hash-style URLs (the same as App Engine's region IDs). */
export const REGION_CODES: Record<string, string> = {
  'us-central1': 'uc',
  'europe-west1': 'ew',
  'asia-northeast1': 'an',
  'us-east1': 'ue',
  'europe-west4': 'ez',
  'us-east4': 'uk',
  'us-west1': 'uw',
  'us-west2': 'wl',
  'us-west3': 'wm',
  'us-west4': 'wn',
  'northamerica-northeast1': 'nn',
  'southamerica-east1': 'rj',
  'europe-west2': 'nw',
  'europe-west3': 'ey',
  'europe-west6': 'oa',
  'europe-central2': 'lm',
  'asia-northeast2': 'dt',
  'asia-northeast3': 'du',
  'asia-east1': 'de',
  'asia-east2': 'df',
  'asia-south1': 'el',
  'asia-southeast1': 'as',
  'asia-southeast2': 'et',
  'australia-southeast1': 'ts',
};

const WORDS = [
  'orders', 'billing', 'catalog', 'search', 'users', 'auth', 'cart', 'checkout', 'payments', 'invoices',
  'shipping', 'inventory', 'reviews', 'ratings', 'profile', 'notify', 'email', 'sms', 'export', 'import',
  'reports', 'metrics', 'audit', 'pricing', 'coupons', 'loyalty', 'wishlist', 'media', 'images', 'thumbs',
  'geo', 'tax', 'fraud', 'risk', 'ledger', 'refunds', 'returns', 'support', 'tickets', 'chat',
];

export interface CloudRunWorldOptions {
  seed: number;
  /** Number of Cloud Run backends (all distinct services, all used by the spec). */
  services: number;
  projects: number;
  /** Cloud Run regions of every project (services are spread evenly over them). */
  regions: string[];
  /** Folders under the organization (projects spread over them). */
  folders: number;
  /** The fake's page size (default and maximum of every list). */
  pageSize: number;
  /** Services with no grant at all for the gateway (missing-invoker). */
  missing?: number;
  /** Services also granted to allUsers (public-access). */
  public?: number;
  /** Every service in this project (index), instead of spread over all of them. */
  onlyProject?: number;
}

export interface BenchCase {
  world: World;
  /** Swagger 2.0 YAML using every service (two operations each). */
  spec: string;
  serviceAccount: string;
  /** The `project` input: every project of the world. */
  projects: string[];
  /** Addresses that must get public-access / missing-invoker (nothing else may be an error). */
  expected: { publicAccess: string[]; missingInvoker: string[]; result: 'pass' | 'fail' };
  addresses: string[];
}

const SA = 'api-gw@gw-host.iam.gserviceaccount.com';
const ORG = 'organizations/418273645012';
const ORG_ROLE = `${ORG}/roles/gatewayInvoker`;

/** A world of hash-style Cloud Run backends under organization → folder → project, with its spec. */
export function cloudRunWorld(o: CloudRunWorldOptions): BenchCase {
  const rnd = prng(o.seed);
  const sa = `serviceAccount:${SA}`;
  const folders = Array.from({ length: o.folders }, (_, i) => ({
    name: `folders/${310000000000 + i * 7919}`,
    parent: ORG,
    displayName: `team-${i + 1}`,
    iamPolicy: { bindings: [{ role: 'roles/run.admin', members: [`serviceAccount:ci-${i + 1}@ci-host.iam.gserviceaccount.com`] }] },
  }));
  const projectIds = Array.from({ length: o.projects }, (_, i) => `shop-${['prod', 'data', 'edge', 'core', 'ml'][i % 5]}-${String(i + 1).padStart(2, '0')}`);
  const projectRole = `projects/${projectIds[0]}/roles/edgeInvoker`;
  const roles: Role[] = [
    { name: ORG_ROLE, title: 'Gateway invoker (custom)', includedPermissions: ['run.routes.invoke'], stage: 'GA' },
    { name: projectRole, title: 'Edge invoker (custom)', includedPermissions: ['run.routes.invoke', 'run.services.get'], stage: 'GA' },
  ];
  // Project-level grants to the gateway: every third project (the first three projects: the second one).
  const projectGrant = (i: number): boolean => i % 3 === 1;
  const projects = projectIds.map((projectId, i) => {
    const bindings: Binding[] = [
      { role: 'roles/owner', members: [`user:owner-${i + 1}@example.com`] },
      { role: 'roles/run.developer', members: [`serviceAccount:deployer@${projectId}.iam.gserviceaccount.com`] },
    ];
    if (projectGrant(i)) bindings.push({ role: 'roles/run.invoker', members: [sa] });
    return {
      projectId,
      projectNumber: String(700000000000 + i * 104729),
      parent: (folders[i % Math.max(1, o.folders)]?.name ?? ORG),
      displayName: projectId,
      runLocations: [...o.regions],
      iamPolicy: { bindings },
    };
  });

  // Service names: unique, valid Cloud Run IDs.
  const names = new Set<string>();
  while (names.size < o.services) {
    const a = WORDS[Math.floor(rnd() * WORDS.length)] as string;
    const b = WORDS[Math.floor(rnd() * WORDS.length)] as string;
    const name = a === b ? `${a}-${names.size}` : `${a}-${b}`;
    names.add(names.has(name) ? `${name}-${names.size}` : name);
  }
  const nameList = [...names];
  const hashes = projectIds.map(() => token(rnd, 10));
  const publicCount = o.public ?? 1;
  const missingCount = o.missing ?? 0;
  const missingSet = new Set<number>();
  const projectIndex = (k: number): number => o.onlyProject ?? k % o.projects;
  for (let k = o.services - 1; k >= 0 && missingSet.size < missingCount; k--) if (!projectGrant(projectIndex(k))) missingSet.add(k);
  const publicAccess: string[] = [];
  const missingInvoker: string[] = [];
  const runServices: RunService[] = nameList.map((name, k) => {
    const pi = projectIndex(k);
    const region = o.regions[Math.floor(k / o.projects) % o.regions.length] as string;
    const project = projects[pi] as (typeof projects)[number];
    const uri = `https://${name}-${hashes[pi]}-${REGION_CODES[region] ?? 'zz'}.a.run.app`;
    const bindings: Binding[] = [{ role: 'roles/run.developer', members: [`serviceAccount:deployer@${project.projectId}.iam.gserviceaccount.com`] }];
    // Grants: every 20th service (from the 8th) uses the org custom role, three in project 0 the project custom role,
    // services of project-grant projects rely on the project grant every other time, the rest get run.invoker.
    const isPublic = k >= 5 && k < 5 + publicCount;
    const isMissing = !isPublic && missingSet.has(k);
    if (isMissing) {
      // nothing for the gateway (and its project has no grant either)
    } else if (k % 20 === 7) bindings.push({ role: ORG_ROLE, members: [sa] });
    else if (pi === 0 && k % 27 === 3) bindings.push({ role: projectRole, members: [sa] });
    else if (projectGrant(pi) && k % 2 === 0) {
      // relies on the project-level grant
    } else bindings.push({ role: 'roles/run.invoker', members: [sa] });
    if (k % 4 === 1) bindings.push({ role: 'roles/run.viewer', members: [`user:dev-${k % 7}@example.com`] });
    if (isPublic) {
      bindings.push({ role: 'roles/run.invoker', members: ['allUsers'] });
      publicAccess.push(uri);
    }
    if (isMissing) missingInvoker.push(uri);
    const deterministic = `https://${name}-${project.projectNumber}.${region}.run.app`;
    return {
      name: `projects/${project.projectId}/locations/${region}/services/${name}`,
      uri,
      urls: [uri, deterministic],
      ingress: 'INGRESS_TRAFFIC_ALL',
      iamPolicy: { bindings },
    };
  });

  const world: World = {
    pageSize: o.pageSize,
    organizations: [
      {
        name: ORG,
        displayName: 'example.com',
        iamPolicy: {
          bindings: [
            { role: 'roles/viewer', members: ['group:platform-admins@example.com'] },
            { role: 'roles/iam.securityReviewer', members: ['serviceAccount:gg-checker@ci-host.iam.gserviceaccount.com'] },
          ],
        },
      },
    ],
    folders,
    projects,
    roles,
    runServices,
    denyPolicies: [
      {
        attachmentPoint: `cloudresourcemanager.googleapis.com/${ORG}`,
        policies: [
          {
            name: `policies/cloudresourcemanager.googleapis.com%2F${ORG.replace('/', '%2F')}/denypolicies/no-deletes-by-interns`,
            displayName: 'Interns may not delete services',
            rules: [
              {
                denyRule: {
                  deniedPrincipals: ['principalSet://goog/group/interns@example.com'],
                  deniedPermissions: ['run.googleapis.com/services.delete'],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const addresses = runServices.map((s) => s.uri as string);
  return {
    world,
    spec: swaggerSpec(addresses),
    serviceAccount: SA,
    projects: projectIds,
    expected: { publicAccess, missingInvoker, result: publicAccess.length + missingInvoker.length > 0 ? 'fail' : 'pass' },
    addresses,
  };
}

/** A backend of a bench spec: an address, with the audience to mint when the default (the address) is not the right one. */
export type SpecBackend = string | { address: string; audience: string };

/** Swagger 2.0 YAML: for each address a path with a GET and a POST using it. */
export function swaggerSpec(backends: SpecBackend[]): string {
  const lines = ['swagger: "2.0"', 'info:', '  title: bench', '  version: "1.0"', 'schemes: [https]', 'produces: [application/json]', 'paths:'];
  backends.forEach((backend, i) => {
    const { address, audience } = typeof backend === 'string' ? { address: backend, audience: undefined } : backend;
    lines.push(`  /api/${i}/items:`);
    for (const verb of ['get', 'post']) {
      lines.push(
        `    ${verb}:`,
        `      operationId: ${verb}Items${i}`,
        '      x-google-backend:',
        `        address: ${address}`,
        ...(audience ? [`        jwt_audience: ${audience}`] : []),
        '        path_translation: APPEND_PATH_TO_ADDRESS',
        '      responses:',
        "        '200':",
        '          description: OK',
      );
    }
  });
  return lines.join('\n') + '\n';
}

/**
 * The same world addressed otherwise: each Cloud Run service by the URL `pick` chooses (its hash-style `uri`
 * or its deterministic URL), and `projects` as the `project` input.
 */
export function readdress(c: BenchCase, pick: (service: RunService, k: number) => 'hash' | 'deterministic', projects: string[]): BenchCase {
  const byUri = new Map<string, string>();
  (c.world.runServices ?? []).forEach((s, k) => byUri.set(s.uri ?? '', pick(s, k) === 'hash' ? (s.uri ?? '') : (s.urls?.[1] ?? '')));
  const map = (a: string): string => byUri.get(a) ?? a;
  const addresses = c.addresses.map(map);
  return {
    ...c,
    spec: swaggerSpec(addresses),
    projects,
    addresses,
    expected: { ...c.expected, publicAccess: c.expected.publicAccess.map(map), missingInvoker: c.expected.missingInvoker.map(map) },
  };
}

const CLIENT_ID = '700000000000-benchiap.apps.googleusercontent.com';

/**
 * Adds Cloud Functions and App Engine backends to a case, in its first project: `gen1` 1st-gen and `gen2`
 * 2nd-gen functions over two regions (each 2nd-gen one run by a Cloud Run service of its own), and an App
 * Engine app behind IAP with services `default`, `admin` and `api`, addressed at the app and at two services.
 * Every grant they need is there (they pass).
 */
export function withFunctionsAndApp(c: BenchCase, gen1: number, gen2: number): BenchCase {
  const world: World = structuredClone(c.world);
  const project = world.projects?.[0] as NonNullable<World['projects']>[number];
  const id = project.projectId;
  const sa = `serviceAccount:${c.serviceAccount}`;
  const regions = ['us-central1', 'europe-west1'];
  const backends: SpecBackend[] = [];
  world.functions = [];
  for (let i = 0; i < gen1 + gen2; i++) {
    const region = regions[i % regions.length] as string;
    const name = `fn-${i < gen1 ? 'hook' : 'resize'}-${i}`;
    const url = `https://${region}-${id}.cloudfunctions.net/${name}`;
    const fnName = `projects/${id}/locations/${region}/functions/${name}`;
    if (i < gen1) {
      world.functions.push({ name: fnName, environment: 'GEN_1', state: 'ACTIVE', url, serviceConfig: { uri: url, ingressSettings: 'ALLOW_ALL' }, iamPolicy: { bindings: [{ role: 'roles/cloudfunctions.invoker', members: [sa] }] } });
    } else {
      const service = `projects/${id}/locations/${region}/services/${name}`;
      const runUri = `https://${name}-fnhash${i}-${REGION_CODES[region] ?? 'zz'}.a.run.app`;
      world.functions.push({ name: fnName, environment: 'GEN_2', state: 'ACTIVE', url, serviceConfig: { service, uri: runUri, ingressSettings: 'ALLOW_ALL' }, iamPolicy: { bindings: [] } });
      world.runServices?.push({
        name: service,
        uri: runUri,
        urls: [runUri, `https://${name}-${project.projectNumber}.${region}.run.app`],
        ingress: 'INGRESS_TRAFFIC_ALL',
        labels: { 'goog-managed-by': 'cloudfunctions' },
        iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: [sa] }] },
      });
    }
    backends.push(url);
  }
  const iapApp = `projects/${project.projectNumber}/iap_web/appengine-${id}`;
  world.apps = [
    {
      id,
      locationId: 'us-central',
      defaultHostname: `${id}.uc.r.appspot.com`,
      iap: { enabled: true, oauth2ClientId: CLIENT_ID },
      services: [{ id: 'default' }, { id: 'admin' }, { id: 'api' }],
      iapPolicies: { [iapApp]: { bindings: [{ role: 'roles/iap.httpsResourceAccessor', members: [sa] }] } },
    },
  ];
  const appRole = `projects/${id}/roles/gatewayAppEngine`;
  world.roles = [...(world.roles ?? []), { name: appRole, title: 'Gateway App Engine access', includedPermissions: ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'], stage: 'GA' }];
  project.iamPolicy = { bindings: [...(project.iamPolicy?.bindings ?? []), { role: appRole, members: [sa] }] };
  for (const host of [`${id}.uc.r.appspot.com`, `admin-dot-${id}.uc.r.appspot.com`, `api-dot-${id}.uc.r.appspot.com`]) backends.push({ address: `https://${host}`, audience: CLIENT_ID });
  const addresses = [...c.addresses, ...backends.map((b) => (typeof b === 'string' ? b : b.address))];
  return { ...c, world, spec: swaggerSpec([...c.addresses, ...backends]), addresses };
}

/** A Swagger 2.0 spec with `operations` operations (4 verbs per path), over `backends` distinct addresses. */
export function largeSpec(seed: number, operations: number, backends = 200): string {
  const rnd = prng(seed);
  const addresses = Array.from({ length: backends }, (_, i) => `https://svc-${i}-${token(rnd, 10)}-uc.a.run.app`);
  const verbs = ['get', 'post', 'put', 'delete'];
  const lines = [
    'swagger: "2.0"', 'info:', '  title: large', '  version: "1.0"', 'schemes: [https]',
    'x-google-backend:', `  address: ${addresses[0]}`, 'paths:',
  ];
  for (let op = 0; op < operations; op++) {
    if (op % verbs.length === 0) lines.push(`  /r${op / verbs.length}/{id}:`);
    lines.push(
      `    ${verbs[op % verbs.length]}:`,
      `      operationId: op${op}`,
      '      parameters:',
      '        - { name: id, in: path, required: true, type: string }',
      '      x-google-backend:',
      `        address: ${addresses[Math.floor(rnd() * backends)]}`,
      `        deadline: ${5 + (op % 30)}.0`,
      '      responses:',
      "        '200': { description: OK }",
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Lower bound of calls, from the world alone

export interface LowerBound {
  total: number;
  parts: Array<{ what: string; calls: number }>;
  /** Calls when every backend is checked on its own, nothing shared (the naive baseline). */
  naive: number;
  /** The distinct roles counted (those that may grant the account in the policies read). */
  roles: string[];
}

const pages = (items: number, pageSize: number): number => Math.max(1, Math.ceil(items / pageSize));
const PUBLIC = new Set(['allUsers', 'allAuthenticatedUsers']);
const mayBeTheAccount = (member: string, email: string): boolean =>
  PUBLIC.has(member) || member === `serviceAccount:${email}` || /^(group|principalSet|principal):/.test(member);
const rolesFor = (policy: Policy | undefined, email: string): string[] =>
  (policy?.bindings ?? []).filter((b) => b.members.some((m) => mayBeTheAccount(m, email))).map((b) => b.role);
const originOf = (url: string): string => new URL(url).origin;

/**
 * The fewest Google API calls that decide every backend of `addresses`, from the world alone (see
 * bench/README.md), whatever the kind and the form of the addresses:
 * - finding the resources: per project and region, the Cloud Run services needed (addressed, or running a
 *   2nd-gen function) either by their listing, read up to the page of the last one needed, or one read
 *   each, whichever is fewer (a hash-style URL names no service: its region's listing it is); Cloud
 *   Functions alike (per project, whose listing spans its regions); each App Engine app and named service;
 * - one policy per resource that decides a call (service, function, each IAP level);
 * - per project hosting a backend, and per folder and organization above: the read that gives its parent
 *   (and a project's number), its policy, its deny-policy listing and each deny policy;
 * - one read per distinct role that may grant the account (bound to it, to the public, or to a group/principal set).
 */
export function lowerBound(world: World, addresses: string[], email: string): LowerBound {
  const pageSize = world.pageSize ?? 500;
  const runServices = world.runServices ?? [];
  const projectOf = (name: string): string => name.split('/')[1] ?? '';
  const regionOf = (name: string): string => name.split('/')[3] ?? '';
  const project = (id: string) => (world.projects ?? []).find((p) => p.projectId === id);
  const container = (name: string): { parent?: string; iamPolicy?: Policy } | undefined =>
    name.startsWith('folders/') ? (world.folders ?? []).find((f) => f.name === name) : (world.organizations ?? []).find((x) => x.name === name);
  const chainOf = (projectId: string): string[] => {
    const nodes: string[] = [];
    let parent = project(projectId)?.parent;
    while (parent && !nodes.includes(parent)) {
      nodes.push(parent);
      parent = parent.startsWith('folders/') ? container(parent)?.parent : undefined;
    }
    return nodes;
  };
  const denyCount = (node: string): number => {
    const nodeNames = [node];
    const p = node.startsWith('projects/') ? project(node.slice(9)) : undefined;
    if (p) nodeNames.push(`projects/${p.projectNumber}`);
    return (world.denyPolicies ?? [])
      .filter((d) => nodeNames.some((n) => decodeURIComponent(d.attachmentPoint) === `cloudresourcemanager.googleapis.com/${n}`))
      .reduce((sum, d) => sum + d.policies.length, 0);
  };
  const policyOf = (node: string): Policy | undefined =>
    node.startsWith('projects/') ? project(node.slice(9))?.iamPolicy : container(node)?.iamPolicy;
  const nodeCalls = (node: string): number =>
    (node.startsWith('organizations/') ? 0 : 1) /* get: projects (parent, number) and folders (parent) */ + 1 /* getIamPolicy */ +
    pages(denyCount(node), pageSize) /* deny listing */ + denyCount(node) /* deny policy reads */;

  // What each address is, in the world.
  const runByOrigin = new Map<string, RunService>();
  for (const s of runServices) for (const u of [s.uri, ...(s.urls ?? [])]) if (u) runByOrigin.set(originOf(u), s);
  const neededRun = new Map<string, { service: RunService; byHash: boolean }>();
  const neededFunctions = new Map<string, NonNullable<World['functions']>[number]>();
  const apps = new Map<string, Set<string>>(); // app → services named
  const policies = new Map<string, Policy | undefined>(); // resource → its policy
  const hosts = new Set<string>();
  for (const address of new Set(addresses)) {
    const url = new URL(address);
    const host = url.hostname;
    if (host.endsWith('.run.app')) {
      const service = runByOrigin.get(url.origin);
      if (!service) continue;
      const byHash = host.endsWith('.a.run.app');
      neededRun.set(service.name, { service, byHash: byHash || (neededRun.get(service.name)?.byHash ?? false) });
      policies.set(service.name, service.iamPolicy);
      hosts.add(projectOf(service.name));
    } else if (host.endsWith('.cloudfunctions.net')) {
      const fn = (world.functions ?? []).find((f) => f.url === `${url.origin}${url.pathname}` || f.url === address);
      if (!fn) continue;
      neededFunctions.set(fn.name, fn);
      policies.set(fn.name, fn.iamPolicy);
      hosts.add(projectOf(fn.name));
      const serviceName = fn.environment === 'GEN_2' ? fn.serviceConfig?.service : undefined;
      const service = runServices.find((s) => s.name === serviceName);
      if (service) {
        if (!neededRun.has(service.name)) neededRun.set(service.name, { service, byHash: false });
        policies.set(service.name, service.iamPolicy);
      }
    } else if (host.endsWith('.appspot.com')) {
      const parts = host.replace(/(\.[a-z0-9]{2,4}\.r)?\.appspot\.com$/, '').split('-dot-');
      const appId = parts.at(-1) ?? '';
      const app = (world.apps ?? []).find((a) => a.id === appId);
      if (!app) continue;
      const named = apps.get(appId) ?? new Set<string>();
      const service = parts.length >= 2 ? (parts.at(-2) as string) : 'default';
      if (service !== 'default') named.add(service);
      apps.set(appId, named);
      hosts.add(appId);
      const number = project(appId)?.projectNumber ?? appId;
      const root = `projects/${number}/iap_web`;
      for (const iap of [`${root}/appengine-${appId}/services/${service}`, `${root}/appengine-${appId}`, root]) policies.set(iap, app.iapPolicies?.[iap]);
    }
  }

  // Finding the resources: per project and region, listing (up to the last page needed) or one read each.
  const runFinding = [...new Set([...neededRun.values()].map(({ service }) => `${projectOf(service.name)} ${regionOf(service.name)}`))].reduce((sum, key) => {
    const [p, r] = key.split(' ') as [string, string];
    const listing = runServices.filter((s) => projectOf(s.name) === p && regionOf(s.name) === r);
    const needed = [...neededRun.values()].filter(({ service }) => projectOf(service.name) === p && regionOf(service.name) === r);
    const lastPage = Math.max(...needed.map(({ service }) => Math.floor(listing.indexOf(service) / pageSize) + 1));
    return sum + (needed.some((n) => n.byHash) ? lastPage : Math.min(lastPage, needed.length));
  }, 0);
  const functionFinding = [...new Set([...neededFunctions.keys()].map(projectOf))].reduce((sum, p) => {
    const listing = (world.functions ?? []).filter((f) => projectOf(f.name) === p);
    const needed = [...neededFunctions.values()].filter((f) => projectOf(f.name) === p);
    const lastPage = Math.max(...needed.map((f) => Math.floor(listing.indexOf(f) / pageSize) + 1));
    return sum + Math.min(lastPage, needed.length);
  }, 0);
  const appFinding = [...apps.values()].reduce((sum, named) => sum + 1 + named.size, 0);

  const nodes = [...new Set([...hosts].flatMap((p) => [`projects/${p}`, ...chainOf(p)]))];
  const roles = new Set([...[...policies.values()].flatMap((p) => rolesFor(p, email)), ...nodes.flatMap((n) => rolesFor(policyOf(n), email))]);
  const parts = [
    { what: 'Cloud Run services found (per project and region: listing pages or reads, fewer)', calls: runFinding },
    { what: 'Cloud Functions found (per project: listing pages or reads, fewer)', calls: functionFinding },
    { what: 'App Engine apps and named services', calls: appFinding },
    { what: 'resource policies (services, functions, IAP levels)', calls: policies.size },
    { what: 'project get + policy + deny list/reads', calls: [...hosts].reduce((s, p) => s + nodeCalls(`projects/${p}`), 0) },
    { what: 'ancestors: folder get, policy, deny list/reads', calls: nodes.filter((n) => !n.startsWith('projects/')).reduce((s, n) => s + nodeCalls(n), 0) },
    { what: 'roles that may grant the account (distinct)', calls: roles.size },
  ];
  // Naive: each address on its own: one read (or its region's listing) for its resource, its policy, its chain and roles.
  const naive = [...new Set(addresses)].length * (1 + 1 + 3 * 3 + Math.max(1, Math.round(roles.size / 2)));
  return { total: parts.reduce((s, p) => s + p.calls, 0), parts, naive, roles: [...roles] };
}

/** A `terraform show -json` plan (the few fields the bench's plans use). */
export interface BenchPlan {
  format_version: string;
  resource_changes: Array<{ address: string; mode: 'managed'; type: string; name: string; change: { actions: string[]; before: unknown; after: unknown; after_unknown: Record<string, unknown> } }>;
  configuration: { root_module: Record<string, never> };
}

/**
 * The case with a Terraform plan whose changes touch only resources the run reads anyway (addressed
 * services, their host project), none of the public or missing ones: a bystander's grant on a service and
 * on its project, a service's settings updated as they are, the gateway granted a custom role the plan
 * creates, and the gateway granted a custom role of the world that nothing bound before (its definition is
 * the one thing the plan makes the run read). The world gains that role only (unbound, so the run without
 * the plan reads the same).
 */
export function withPlannedChanges(c: BenchCase): { c: BenchCase; plan: BenchPlan } {
  const excluded = new Set([...c.expected.publicAccess, ...c.expected.missingInvoker]);
  const addressed = (c.world.runServices ?? []).filter((s) => [s.uri, ...(s.urls ?? [])].some((u) => u && c.addresses.includes(u) && !excluded.has(u)));
  const [a, b, d, e] = addressed;
  if (!a || !b || !d || !e) throw new Error('withPlannedChanges: the case needs 4 addressed services that pass');
  const parts = (s: RunService) => ({ project: s.name.split('/')[1] as string, location: s.name.split('/')[3] as string, name: s.name.split('/')[5] as string });
  const unbound = `projects/${parts(a).project}/roles/plannedInvoker`;
  const world: World = { ...c.world, roles: [...(c.world.roles ?? []), { name: unbound, title: 'Planned invoker (custom)', includedPermissions: ['run.routes.invoke'], stage: 'GA' }] };
  const rc = (type: string, name: string, actions: string[], before: unknown, after: unknown): BenchPlan['resource_changes'][number] => ({
    address: `${type}.${name}`, mode: 'managed', type, name, change: { actions, before, after, after_unknown: {} },
  });
  const member = (s: RunService, role: string, who: string) => ({ ...parts(s), role, member: who, condition: [] });
  const settings = { ...parts(d), ingress: 'INGRESS_TRAFFIC_ALL', invoker_iam_disabled: false, default_uri_disabled: false, custom_audiences: [], description: 'before' };
  const plan: BenchPlan = {
    format_version: '1.2',
    configuration: { root_module: {} },
    resource_changes: [
      rc('google_cloud_run_v2_service_iam_member', 'viewer', ['create'], null, member(a, 'roles/run.viewer', 'user:new-dev@example.com')),
      rc('google_project_iam_member', 'auditor', ['create'], null, { project: parts(a).project, role: 'roles/viewer', member: 'user:auditor@example.com', condition: [] }),
      rc('google_cloud_run_v2_service', 'settings', ['update'], settings, { ...settings, description: 'after' }),
      rc('google_project_iam_custom_role', 'edge', ['create'], null, { project: parts(e).project, role_id: 'plannedEdge', title: 'Planned edge', permissions: ['run.routes.invoke'], stage: 'GA' }),
      rc('google_cloud_run_v2_service_iam_member', 'gateway_edge', ['create'], null, member(e, `projects/${parts(e).project}/roles/plannedEdge`, `serviceAccount:${c.serviceAccount}`)),
      rc('google_cloud_run_v2_service_iam_member', 'gateway_planned', ['create'], null, member(b, unbound, `serviceAccount:${c.serviceAccount}`)),
    ],
  };
  return { c: { ...c, world }, plan };
}

/**
 * Calls a plan adds to the lower bound `bound` (of the same world and addresses), from the plan alone: one
 * role read per role the plan binds to a member that may be the account, unless the plan creates that role
 * or the bound counts it already (the policies read bind it to such a member).
 */
export function plannedExtraCalls(plan: BenchPlan, bound: LowerBound, email: string): number {
  const after = plan.resource_changes.map((r) => ({ type: r.type, after: (r.change.after ?? {}) as Record<string, unknown> }));
  const created = new Set(after.filter((r) => r.type === 'google_project_iam_custom_role').map((r) => `projects/${String(r.after.project)}/roles/${String(r.after.role_id)}`));
  const live = new Set(bound.roles);
  const granted = new Set(after.filter((r) => r.type.endsWith('_iam_member') && typeof r.after.member === 'string' && mayBeTheAccount(r.after.member, email)).map((r) => String(r.after.role)));
  return [...granted].filter((role) => !created.has(role) && !live.has(role)).length;
}
