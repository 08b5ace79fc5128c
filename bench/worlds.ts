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

/** Cloud Run's region codes in hash-style URLs. */
export const REGION_CODES: Record<string, string> = {
  'us-central1': 'uc',
  'europe-west1': 'ew',
  'asia-northeast1': 'an',
  'us-east1': 'ue',
  'europe-west4': 'ez',
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
  for (let k = o.services - 1; k >= 0 && missingSet.size < missingCount; k--) if (!projectGrant(k % o.projects)) missingSet.add(k);
  const publicAccess: string[] = [];
  const missingInvoker: string[] = [];
  const runServices: RunService[] = nameList.map((name, k) => {
    const pi = k % o.projects;
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

/** Swagger 2.0 YAML: for each address a path with a GET and a POST using it. */
export function swaggerSpec(addresses: string[]): string {
  const lines = ['swagger: "2.0"', 'info:', '  title: bench', '  version: "1.0"', 'schemes: [https]', 'produces: [application/json]', 'paths:'];
  addresses.forEach((address, i) => {
    lines.push(`  /api/${i}/items:`);
    for (const verb of ['get', 'post']) {
      lines.push(
        `    ${verb}:`,
        `      operationId: ${verb}Items${i}`,
        '      x-google-backend:',
        `        address: ${address}`,
        '        path_translation: APPEND_PATH_TO_ADDRESS',
        '      responses:',
        "        '200':",
        '          description: OK',
      );
    }
  });
  return lines.join('\n') + '\n';
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
}

const pages = (items: number, pageSize: number): number => Math.max(1, Math.ceil(items / pageSize));
const PUBLIC = new Set(['allUsers', 'allAuthenticatedUsers']);
const mayBeTheAccount = (member: string, email: string): boolean =>
  PUBLIC.has(member) || member === `serviceAccount:${email}` || /^(group|principalSet|principal):/.test(member);
const rolesFor = (policy: Policy | undefined, email: string): string[] =>
  (policy?.bindings ?? []).filter((b) => b.members.some((m) => mayBeTheAccount(m, email))).map((b) => b.role);

/**
 * The fewest Google API calls that decide every hash-style Cloud Run backend of `addresses` (see
 * bench/README.md): service policies, region lists of every candidate project, service listings of every
 * region (paged), project reads and policies, folder reads, ancestor policies, deny-policy listings (and one
 * read per deny policy, whose rules the listing omits), and one read per distinct role that may grant the
 * account (bound to it, to the public, or to a group/principal set).
 */
export function lowerBound(world: World, addresses: string[], candidateProjects: string[], email: string): LowerBound {
  const pageSize = world.pageSize ?? 500;
  const byUri = new Map((world.runServices ?? []).map((s) => [s.uri ?? '', s] as const));
  const used = [...new Set(addresses)].map((a) => byUri.get(a)).filter((s): s is RunService => s !== undefined);
  const projectOf = (name: string): string => name.split('/')[1] ?? '';
  const regionOf = (name: string): string => name.split('/')[3] ?? '';
  const project = (id: string) => (world.projects ?? []).find((p) => p.projectId === id);
  const regionsOf = (id: string): string[] =>
    project(id)?.runLocations ?? [...new Set((world.runServices ?? []).filter((s) => projectOf(s.name) === id).map((s) => regionOf(s.name)))];
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

  // Per-backend cost of the pieces (for the naive baseline) and the shared sets (for the bound).
  const locationsCalls = (id: string): number => pages(regionsOf(id).length, pageSize);
  const listingCalls = (id: string): number =>
    regionsOf(id).reduce((sum, r) => sum + pages((world.runServices ?? []).filter((s) => projectOf(s.name) === id && regionOf(s.name) === r).length, pageSize), 0);
  const nodeCalls = (node: string): number =>
    (node.startsWith('organizations/') ? 0 : 1) /* get: projects (ancestry) and folders (parent) */ + 1 /* getIamPolicy */ +
    pages(denyCount(node), pageSize) /* deny listing */ + denyCount(node) /* deny policy reads */;

  const hostProjects = [...new Set(used.map((s) => projectOf(s.name)))];
  const nodes = [...new Set(hostProjects.flatMap((p) => [`projects/${p}`, ...chainOf(p)]))];
  const roles = new Set([...used.flatMap((s) => rolesFor(s.iamPolicy, email)), ...nodes.flatMap((n) => rolesFor(policyOf(n), email))]);

  const parts = [
    { what: 'service policies (distinct services)', calls: used.length },
    { what: 'region lists (1 per candidate project, paged)', calls: candidateProjects.reduce((s, p) => s + locationsCalls(p), 0) },
    { what: 'service listings (regions × projects, paged)', calls: candidateProjects.reduce((s, p) => s + listingCalls(p), 0) },
    { what: 'project get + policy + deny list/reads', calls: hostProjects.reduce((s, p) => s + nodeCalls(`projects/${p}`), 0) },
    { what: 'ancestors: folder get, policy, deny list/reads', calls: nodes.filter((n) => !n.startsWith('projects/')).reduce((s, n) => s + nodeCalls(n), 0) },
    { what: 'roles that may grant the account (distinct)', calls: roles.size },
  ];
  const naive = used.reduce((sum, s) => {
    const p = projectOf(s.name);
    const chain = [`projects/${p}`, ...chainOf(p)];
    const search = candidateProjects.reduce((x, c) => x + locationsCalls(c) + listingCalls(c), 0);
    const chainRoles = new Set([...rolesFor(s.iamPolicy, email), ...chain.flatMap((n) => rolesFor(policyOf(n), email))]);
    return sum + search + 1 + chain.reduce((x, n) => x + nodeCalls(n), 0) + chainRoles.size;
  }, 0);
  return { total: parts.reduce((s, p) => s + p.calls, 0), parts, naive };
}
