/**
 * Resolution planning (issue 13), end to end against the fake Google API: for any mix of addresses, a
 * listing or reads per project and region (never both), hash-style URLs searched no further than needed,
 * the verdict the world was built for, and nothing of the Google stack loaded when nothing needs it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { cloudRunWorld, lowerBound, plannedExtraCalls, readdress, swaggerSpec, withFunctionsAndApp, withPlannedChanges, type BenchCase } from '../../bench/worlds.ts';
import type { RequestLogEntry } from '../fake-google/server.ts';
import { ROOT, runAction, type ActionRun } from './harness.ts';

const REGIONS = ['us-central1', 'europe-west1'];
const base = cloudRunWorld({ seed: 60, services: 60, projects: 3, regions: REGIONS, folders: 1, pageSize: 50 });
const first = base.projects[0] as string;

function gate(c: BenchCase): Promise<ActionRun> {
  return runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': c.serviceAccount, project: c.projects.join('\n'), comment: 'false' },
    files: { 'openapi.yaml': c.spec },
    world: structuredClone(c.world),
  });
}

const method = (r: RequestLogEntry): string => (r.methodId ?? '').split('|')[0] ?? '';
const count = (run: ActionRun, id: string): number => run.requests.filter((r) => method(r) === id).length;

/** The verdict the world was built for: exactly its public and missing backends, no other error. */
function assertVerdict(run: ActionRun, c: BenchCase): void {
  const errors = (run.report?.findings ?? []).filter((f) => f.severity === 'error');
  const of = (rule: string) => [...new Set(errors.filter((f) => f.rule === rule).map((f) => f.address))].sort();
  assert.equal(run.outputs.result, c.expected.result);
  assert.deepEqual(of('public-access'), [...c.expected.publicAccess].sort());
  assert.deepEqual(of('missing-invoker'), [...c.expected.missingInvoker].sort());
  assert.deepEqual(errors.filter((f) => f.rule !== 'public-access' && f.rule !== 'missing-invoker'), []);
}

test('the mixed config of issue 13: one listing per project and region, no read by name, no region list, at the lower bound', async () => {
  const mixed = readdress(base, (s) => (s.name.split('/')[1] === first ? 'hash' : 'deterministic'), [first]);
  const run = await gate(mixed);
  assertVerdict(run, mixed);
  assert.equal(count(run, 'run.projects.locations.services.list'), 6);
  assert.equal(count(run, 'run.projects.locations.services.get'), 0);
  assert.equal(count(run, 'run.projects.locations.list'), 0);
  assert.equal(run.requests.length, lowerBound(mixed.world, mixed.addresses, mixed.serviceAccount).total);
});

test('hash URLs are looked for in the `project` input at once, not after the numbers of deterministic addresses are read', async () => {
  const mixed = readdress(base, (s) => (s.name.split('/')[1] === first ? 'hash' : 'deterministic'), [first]);
  const LATENCY = 150;
  const run = await gate({ ...mixed, world: { ...structuredClone(mixed.world), latencyMs: LATENCY } });
  assertVerdict(run, mixed);
  const start = Math.min(...run.requests.map((r) => r.time));
  const numbers = run.requests.filter((r) => method(r) === 'cloudresourcemanager.projects.get' && /\/projects\/\d+$/.test(r.path));
  const hashListings = run.requests.filter((r) => method(r) === 'run.projects.locations.services.list' && r.path.includes(`/projects/${first}/`));
  assert.ok(numbers.length >= 2, 'the deterministic addresses\' projects are read by number');
  assert.equal(hashListings.length, 2);
  // Sent before any answer came back: in the first round trip, beside the reads of the numbers.
  for (const r of hashListings) assert.ok(r.time - start < LATENCY, `${r.path} sent ${r.time - start} ms after the first call`);
});

test('addresses are looked up while the spec is parsed; what the parse keeps decides, whatever the text seemed to name', async () => {
  const mixed = readdress(base, (s) => (s.name.split('/')[1] === first ? 'hash' : 'deterministic'), [first]);
  const plain = await gate(mixed);
  assertVerdict(plain, mixed);
  // Lines apart (the spec below has one more line at the top), the same verdict, backends and findings.
  const outcome = (run: ActionRun) =>
    JSON.stringify([run.outputs.result, run.report?.backends.map((b) => [b.address, b.status, b.resource]), run.report?.findings.map((f) => ({ ...f, line: undefined }))]);
  // A description names an address no operation routes to (the early guess takes it, the parse does not) …
  const named = mixed.addresses[0] as string;
  const other = 'https://gone-700000104729.asia-northeast1.run.app';
  assert.ok(!mixed.addresses.includes(other));
  const described = await gate({ ...mixed, spec: mixed.spec.replace('  title: bench\n', `  title: bench\n  description: "moved from address: ${other}"\n`) });
  assert.equal(outcome(described), outcome(plain));
  assert.ok(described.requests.some((r) => r.path.includes('/locations/asia-northeast1/')), 'the guess was looked up');
  assert.ok(described.requests.length <= plain.requests.length + 2, `${described.requests.length} calls, ${plain.requests.length} without the description`);
  // … and an anchored address is one the guess misses: the parse's addresses are looked up all the same.
  const anchored = mixed.spec.replace(`address: ${named}\n`, `address: &first ${named}\n`).replace(new RegExp(`address: ${named.replace(/[.]/g, '\\.')}\n`, 'g'), 'address: *first\n');
  assert.notEqual(anchored, mixed.spec);
  const aliased = await gate({ ...mixed, spec: anchored });
  assertVerdict(aliased, mixed);
  assert.equal(aliased.report?.backends.length, plain.report?.backends.length);
});

test('a plan whose changes touch only resources read anyway costs no extra call but the role it binds that nothing else bound', async () => {
  const { c, plan } = withPlannedChanges(base);
  const bound = lowerBound(c.world, c.addresses, c.serviceAccount);
  const extra = plannedExtraCalls(plan, bound, c.serviceAccount);
  assert.equal(extra, 1, 'the world role the plan grants the gateway');
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': c.serviceAccount, project: c.projects.join('\n'), comment: 'false', 'terraform-plan': 'tfplan.json' },
    files: { 'openapi.yaml': c.spec, 'tfplan.json': JSON.stringify(plan) },
    world: structuredClone(c.world),
  });
  assertVerdict(run, c);
  assert.equal(run.requests.length, bound.total + extra);
  assert.equal(run.requests.filter((r) => r.path.endsWith('/roles/plannedInvoker')).length, 1);
  assert.equal(run.requests.filter((r) => r.path.endsWith('/roles/plannedEdge')).length, 0, 'a role the plan creates is not read');
});

test('a deterministic address alone in its region is read by name, not listed', async () => {
  const service = base.world.runServices?.[0];
  assert.ok(service);
  const address = service.urls?.[1] as string;
  const single: BenchCase = { ...base, spec: swaggerSpec([address]), addresses: [address], projects: [], expected: { publicAccess: [], missingInvoker: [], result: 'pass' } };
  const run = await gate(single);
  assertVerdict(run, single);
  assert.equal(count(run, 'run.projects.locations.services.get'), 1);
  assert.equal(count(run, 'run.projects.locations.services.list'), 0);
});

test('hash URLs of one project among six candidates: the others are searched once, in one region, and never read', async () => {
  const many = cloudRunWorld({ seed: 61, services: 20, projects: 6, regions: REGIONS, folders: 2, pageSize: 50, onlyProject: 5 });
  const run = await gate(many);
  assertVerdict(run, many);
  // One region of each candidate to find the project, then the other region of the one that hosts them.
  assert.equal(count(run, 'run.projects.locations.services.list'), 7);
  const host = many.projects[5] as string;
  const touched = new Set(run.requests.filter((r) => method(r).startsWith('cloudresourcemanager.projects.')).map((r) => r.path.split('/')[3]?.replace(/:.*/, '')));
  assert.deepEqual([...touched], [host]);
});

test('functions and App Engine mixed in: at the lower bound, 2nd-gen services found in the listings already read', async () => {
  const c = withFunctionsAndApp(cloudRunWorld({ seed: 62, services: 10, projects: 1, regions: REGIONS, folders: 1, pageSize: 50 }), 2, 2);
  const run = await gate(c);
  assertVerdict(run, c);
  assert.equal(count(run, 'run.projects.locations.services.get'), 0);
  assert.equal(run.requests.length, lowerBound(c.world, c.addresses, c.serviceAccount).total);
});

test('a spec with nothing to look up loads neither the Google clients nor Octokit', async () => {
  // The chunks of the bundle that hold them, by what only they contain.
  const dir = path.join(ROOT, 'dist/lib');
  const heavy: string[] = [];
  for (const file of await readdir(dir)) {
    if (!/^\d+\.index\.js$/.test(file)) continue;
    const text = await readFile(path.join(dir, file), 'utf8');
    if (text.includes('run.googleapis.com') || text.includes('octokit')) heavy.push(file);
  }
  assert.ok(heavy.length >= 2, `the Google stack and Octokit are chunks of their own (${heavy.join(', ')})`);
  // Every module the process loads, written at exit by a preloaded hook.
  const hook = [
    "import{registerHooks}from'node:module';import{writeFileSync}from'node:fs';const seen=[];",
    'registerHooks({load(url,context,next){seen.push(url);return next(url,context)}});',
    "process.on('exit',()=>writeFileSync(process.env.LOADED_FILE,seen.join('\\n')));",
  ].join('');
  const modulesLoaded = async (spec: string, world?: object): Promise<string> => {
    const loadedFile = path.join(ROOT, `.loaded-${process.pid}.txt`);
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', comment: 'false' },
      files: { 'openapi.yaml': spec },
      env: { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(hook)}`, LOADED_FILE: loadedFile },
      ...(world ? { world } : {}),
    });
    assert.equal(run.outputs.result, 'pass');
    const loaded = await readFile(loadedFile, 'utf8');
    await rm(loadedFile, { force: true });
    return loaded;
  };
  const none = await modulesLoaded('swagger: "2.0"\ninfo: { title: t, version: "1" }\npaths: {}\n');
  assert.ok(none.includes('dist/lib/index.js'), 'the hook saw the bundle load');
  for (const chunk of heavy) assert.ok(!none.includes(`dist/lib/${chunk}`), `${chunk} was loaded`);
  // The control: with a backend to look up (not Google's, so no call), the Google stack does load.
  const one = await modulesLoaded(swaggerSpec(['https://backend.example.com']), {});
  assert.ok(heavy.some((chunk) => one.includes(`dist/lib/${chunk}`)), 'the hook sees chunks load');
});

test('a listing that is denied does not decide: the services are read by name instead, and the verdict stands', async () => {
  const deterministic = readdress(base, () => 'deterministic', []);
  const denied = { ...deterministic, world: { ...structuredClone(deterministic.world), faults: [{ method: 'GET', path: '/v2/projects/[^/]+/locations/[^/]+/services$', status: 403 }] } };
  const run = await gate(denied);
  assertVerdict(run, denied);
  assert.equal(count(run, 'run.projects.locations.services.get'), 60);
});

test('a listing read page by page stops at the page that holds the last service wanted', async () => {
  const paged = cloudRunWorld({ seed: 65, services: 24, projects: 1, regions: ['us-central1'], folders: 1, pageSize: 4 });
  // The first six services of the region's listing (pages 1 and 2 of 6), by deterministic URL.
  const wanted = (paged.world.runServices ?? []).slice(0, 6);
  const addresses = wanted.map((s) => s.urls?.[1] as string);
  const c: BenchCase = {
    ...paged,
    addresses,
    spec: swaggerSpec(addresses),
    projects: [],
    expected: {
      publicAccess: paged.expected.publicAccess.filter((a) => wanted.some((s) => s.uri === a)).map((a) => wanted.find((s) => s.uri === a)?.urls?.[1] as string),
      missingInvoker: [],
      result: wanted.some((s) => paged.expected.publicAccess.includes(s.uri as string)) ? 'fail' : 'pass',
    },
  };
  const run = await gate(c);
  assertVerdict(run, c);
  assert.equal(count(run, 'run.projects.locations.services.list'), 2);
  assert.equal(count(run, 'run.projects.locations.services.get'), 0);
});
