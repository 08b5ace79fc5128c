/**
 * `npm run bench`: the performance targets of issue 7, measured against the fake Google server as ratios in
 * one run. Prints the machine, a table (figure, value, target, naive baseline, PASS/FAIL), calls per
 * category, and exits 1 when a target is missed. See bench/README.md for what each figure means.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runWith, type ActionRun } from '../__tests__/e2e/harness.ts';
import { startFakeGoogle, type FakeGoogle, type FakeGoogleOptions, type RequestLogEntry } from '../__tests__/fake-google/server.ts';
import { parseSpec } from '../src/spec/index.ts';
import { planReadRows } from './plan-read.ts';
import { hammering, startProxy } from './proxy.ts';
import {
  cloudRunWorld,
  largeSpec,
  lowerBound,
  plannedExtraCalls,
  readdress,
  REGION_CODES,
  swaggerSpec,
  withFunctionsAndApp,
  withPlannedChanges,
  type BenchCase,
  type LowerBound,
} from './worlds.ts';

const MiB = 1024 * 1024;
const started = Date.now();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const ms = (x: number): string => `${Math.round(x)} ms`;

interface Row {
  figure: string;
  value: string;
  target: string;
  baseline: string;
  status: 'PASS' | 'FAIL' | 'n/a' | 'info';
}
const rows: Row[] = [];
const row = (figure: string, value: string, target: string, baseline: string, ok: boolean | 'n/a' | 'info'): void => {
  rows.push({ figure, value, target, baseline, status: ok === true ? 'PASS' : ok === false ? 'FAIL' : ok });
};
const notes: string[] = [];
const log = (s: string): void => void process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);

/** `npm run bench -- latency calls`: only the named sections (default: all). */
const SECTIONS = ['startup', 'parse', 'calls', 'latency', 'depth', 'scale', 'plan'] as const;
const only = process.argv.slice(2);
for (const name of only) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    console.error(`Unknown section "${name}": the sections are ${SECTIONS.join(', ')}.`);
    process.exit(2);
  }
}
const want = (section: (typeof SECTIONS)[number]): boolean => only.length === 0 || only.includes(section);

// ---------------------------------------------------------------------------------------------------------
// Running the action

/** Peak RSS of the action: a preloaded one-liner writes `process.resourceUsage().maxRSS` (KiB) at exit. */
const RSS_PROBE =
  "import{writeFileSync as w}from'node:fs';process.on('exit',()=>{try{w(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS))}catch{}})";

interface Measured {
  run: ActionRun;
  wallMs: number;
  /** Spawn → first Google request, first request → last answer, last answer → exit (ms). */
  phases?: { beforeFirstMs: number; callsMs: number; afterLastMs: number };
  peakRssBytes?: number;
}

async function runCase(c: BenchCase, fake: FakeGoogle | undefined, inputs: Record<string, string>, probe = false, files: Record<string, string> = {}): Promise<Measured> {
  const env: Record<string, string> = {};
  let rssFile: string | undefined;
  if (probe) {
    rssFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'gg-bench-')), 'maxrss');
    env.NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(RSS_PROBE)}`;
    env.BENCH_RSS_FILE = rssFile;
  }
  const t0 = performance.now();
  const epoch0 = Date.now();
  const run = await runWith(
    {
      files: { 'openapi.yaml': c.spec, ...files },
      inputs: { spec: 'openapi.yaml', 'service-account': c.serviceAccount, project: c.projects.join('\n'), comment: 'false', ...inputs },
      env,
    },
    fake,
  );
  const wallMs = performance.now() - t0;
  const epoch1 = Date.now();
  const first = Math.min(...run.requests.map((r) => r.time));
  const last = Math.max(...run.requests.map((r) => r.time + r.durationMs));
  const phases = run.requests.length ? { beforeFirstMs: first - epoch0, afterLastMs: epoch1 - last, callsMs: last - first } : undefined;
  let peakRssBytes: number | undefined;
  if (rssFile) peakRssBytes = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN')) * 1024 || undefined;
  return { run, wallMs, ...(phases ? { phases } : {}), ...(peakRssBytes ? { peakRssBytes } : {}) };
}

async function withFake<T>(c: BenchCase, options: FakeGoogleOptions, fn: (fake: FakeGoogle) => Promise<T>): Promise<T> {
  const fake = await startFakeGoogle(structuredClone(c.world), options);
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}

/** Does the run reach the verdict the world was built for? (right result, right errors, nothing else) */
function verdictProblems(c: BenchCase, run: ActionRun): string[] {
  const problems: string[] = [];
  if (run.outputs.result !== c.expected.result) problems.push(`result ${run.outputs.result ?? '(none)'} ≠ ${c.expected.result}`);
  const errors = (run.report?.findings ?? []).filter((f) => f.severity === 'error');
  const of = (rule: string): string => [...new Set(errors.filter((f) => f.rule === rule).map((f) => f.address))].sort().join(' ');
  if (of('public-access') !== [...c.expected.publicAccess].sort().join(' ')) problems.push(`public-access on [${of('public-access')}]`);
  if (of('missing-invoker') !== [...c.expected.missingInvoker].sort().join(' ')) problems.push(`missing-invoker on [${of('missing-invoker')}]`);
  const other = errors.filter((f) => f.rule !== 'public-access' && f.rule !== 'missing-invoker');
  if (other.length > 0) problems.push(`${other.length} other errors, e.g. ${other[0]?.rule}: ${other[0]?.message.slice(0, 160)}`);
  return problems;
}

/** `methodId` of a request, one name per method (the fake shares a route between some methods). */
function category(r: RequestLogEntry): string {
  if (r.status === 429 && !r.methodId) return 'throttled (429, before routing)';
  const id = r.methodId ?? `(unrouted) ${r.method}`;
  if (!id.includes('|')) return id;
  if (id.startsWith('iam.policies.')) return r.path.endsWith('/denypolicies') ? 'iam.policies.listPolicies' : 'iam.policies.get';
  return id.split('|')[0] as string;
}

const countBy = (requests: RequestLogEntry[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(category(r), (counts.get(category(r)) ?? 0) + 1);
  return new Map([...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
};

/** Wall time of one `node <args>` process, spawned as the harness spawns the action. */
function timeSpawn(args: string[], env: Record<string, string>, cwd = ROOT): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

/** A workspace and runner environment (as the harness sets them) for the action on a spec without backends. */
async function noBackendRun(): Promise<{ env: Record<string, string>; cwd: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gg-bench-startup-'));
  const workspace = path.join(dir, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(path.join(workspace, 'openapi.yaml'), NO_BACKEND_SPEC);
  for (const f of ['output', 'summary.md']) await writeFile(path.join(dir, f), '');
  await writeFile(path.join(dir, 'event.json'), '{}');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: dir, GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'), GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
    GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/shop', RUNNER_TEMP: dir, GITHUB_API_URL: 'http://127.0.0.1:9',
    INPUT_SPEC: 'openapi.yaml', 'INPUT_SERVICE-ACCOUNT': 'gw@gw-host.iam.gserviceaccount.com', INPUT_COMMENT: 'false', 'INPUT_FAIL-ON': 'error',
    INPUT_POLICY: '.github/gateway-guard.yml', INPUT_TROUBLESHOOT: 'false', 'INPUT_ASSET-INVENTORY': 'false', INPUT_CONCURRENCY: '16',
    INPUT_TIMEOUT: '300', 'INPUT_MISSING-CREDENTIALS': 'fail', 'INPUT_GITHUB-TOKEN': 'ghs_benchTokenNotUsed',
  };
  return { env, cwd: workspace };
}

const NO_BACKEND_SPEC = 'swagger: "2.0"\ninfo: { title: t, version: "1" }\npaths: {}\n';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Machine: ${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

for (const f of ['dist/index.js', 'dist/lib/index.js']) {
  if (!(await stat(path.join(ROOT, f)).catch(() => undefined))) {
    console.error(`${f} is missing: build first (npm run build), or wait for a build in progress.`);
    process.exit(2);
  }
}

// 3. Start-up and bundle ------------------------------------------------------------------------------------
if (want('startup')) {
  log('start-up: node dist/index.js on a spec with no x-google-backend (the action as the runner starts it) vs node -e 0, interleaved');
  const env = await noBackendRun();
  const bare: number[] = [];
  const action: number[] = [];
  await timeSpawn(['-e', '0'], env.env, env.cwd); // warm the page cache
  await timeSpawn([path.join(ROOT, 'dist/index.js')], env.env, env.cwd);
  for (let i = 0; i < 17; i++) {
    bare.push(await timeSpawn(['-e', '0'], env.env, env.cwd));
    action.push(await timeSpawn([path.join(ROOT, 'dist/index.js')], env.env, env.cwd));
  }
  // Pair by pair (each action run against the bare run just before it), so that a machine whose speed drifts
  // during the measurement does not skew the ratio.
  const ratio = median(action.map((a, i) => a / (bare[i] as number)));
  row('Start-up: no-backend spec, dist/index.js ÷ node -e 0 (median of 17 pairs)', `${ratio.toFixed(2)}× (${ms(median(action))} vs ${ms(median(bare))})`, '≤ 2×', '', ratio <= 2);

  const files = (await filesUnder(path.join(ROOT, 'dist'))).filter((f) => f.endsWith('.js'));
  let bytes = 0;
  let text = '';
  for (const f of files) {
    bytes += (await stat(f)).size;
    text += await readFile(f, 'utf8');
  }
  row('Bundle: bytes of dist/**/*.js', `${(bytes / MiB).toFixed(2)} MiB (${files.length} files)`, '< 3 MB', '', bytes < 3_000_000);

  // The googleapis root import bundles the index of every API (~300 names): count how many of the API
  // directory names of node_modules/googleapis, as quoted strings, occur in dist. Per-API imports bring a handful.
  const apiDir = path.join(ROOT, 'node_modules/googleapis/build/src/apis');
  const apis = (await readdir(apiDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const found = apis.filter((name) => text.includes(`"${name}"`) || text.includes(`'${name}'`) || text.includes(`${name}:`) && name.length > 12);
  const share = found.length / Math.max(1, apis.length);
  row(
    'Bundle: googleapis root import (API index names in dist)',
    `${found.length}/${apis.length} names${text.includes('discoveryengine') ? ', "discoveryengine" present' : ''}`,
    '< 25% (none)',
    '',
    share < 0.25 && !text.includes('discoveryengine'),
  );
}

// 4b. Parse time --------------------------------------------------------------------------------------------
if (want('parse')) {
  log('parse: 2,000-operation spec');
  const spec = largeSpec(2000, 2000);
  const times: number[] = [];
  let backends = 0;
  let findings = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const result = parseSpec(spec, 'large.yaml');
    times.push(performance.now() - t0);
    backends = result.backends.length;
    findings = result.findings.length;
  }
  const ok = median(times) < 1000 && backends > 0 && findings === 0;
  row('Parse: 2,000 operations (median of 5)', `${ms(median(times))} (${backends} backend declarations, ${findings} findings)`, '< 1 s', '', ok);
}

// 1. Calls and 2. round trips, per shape of config (and 4a. memory) ---------------------------------------------
const REGIONS_2 = ['us-central1', 'europe-west1'];
const small = cloudRunWorld({ seed: 60, services: 60, projects: 3, regions: REGIONS_2, folders: 1, pageSize: 50 });
const firstProject = small.projects[0] as string;
const REGIONS_20 = Object.keys(REGION_CODES).slice(0, 20);
/** Config shapes a user may have; each with its lower bound from the world alone (bench/README.md). */
const shapes: Array<{ name: string; c: BenchCase }> = [
  { name: 'hash-only: 60 Cloud Run, 3 projects × 2 regions, all 3 in project', c: small },
  { name: 'deterministic-only: the same 60 by PROJECT_NUMBER.REGION URLs', c: readdress(small, () => 'deterministic', small.projects) },
  {
    name: `mixed (issue 13): ${firstProject}'s 20 by hash, 40 deterministic, project: ${firstProject}`,
    c: readdress(small, (s) => (s.name.split('/')[1] === firstProject ? 'hash' : 'deterministic'), [firstProject]),
  },
  {
    name: 'many candidates: 6 projects in project, 40 backends all in the last',
    c: cloudRunWorld({ seed: 61, services: 40, projects: 6, regions: REGIONS_2, folders: 2, pageSize: 50, onlyProject: 5 }),
  },
  {
    name: 'functions (4 gen1, 4 gen2) and App Engine (3) with 30 Cloud Run',
    c: withFunctionsAndApp(cloudRunWorld({ seed: 62, services: 30, projects: 2, regions: REGIONS_2, folders: 1, pageSize: 50 }), 4, 4),
  },
  { name: '20 regions: 40 Cloud Run (hash) in 1 project', c: cloudRunWorld({ seed: 63, services: 40, projects: 1, regions: REGIONS_20, folders: 1, pageSize: 50 }) },
  {
    name: 'several pages: 40 deterministic in 2 projects × 2 regions, page size 4',
    c: readdress(cloudRunWorld({ seed: 64, services: 40, projects: 2, regions: REGIONS_2, folders: 1, pageSize: 4 }), () => 'deterministic', []),
  },
];
const bound = (c: BenchCase): LowerBound => lowerBound(c.world, c.addresses, c.serviceAccount);
let defaultCalls = Number.NaN;
if (want('calls')) {
  for (const [i, { name, c: shape }] of shapes.entries()) {
    const b = bound(shape);
    log(`calls: ${name}, lower bound ${b.total}`);
    const { run, peakRssBytes } = await withFake(shape, {}, (fake) => runCase(shape, fake, {}, i === 0));
    const calls = run.requests.length;
    if (i === 0) defaultCalls = calls;
    const problems = verdictProblems(shape, run);
    const ratio = calls / b.total;
    row(`Calls: ${name}`, `${calls} (${ratio.toFixed(2)}× bound ${b.total})${problems.length ? `; VERDICT ${problems.join('; ')}` : ''}`, `≤ ${Math.floor(b.total * 1.1)} (1.10×)`, `${b.naive} (per backend)`, ratio <= 1.1 && problems.length === 0);
    if (i === 0) {
      row('Memory: peak RSS, 60 backends', peakRssBytes ? `${(peakRssBytes / MiB).toFixed(0)} MiB` : 'not measured', '< 150 MiB', '', peakRssBytes !== undefined && peakRssBytes < 150 * MiB);
    }
    notes.push(`${name}: bound ${b.parts.filter((p) => p.calls).map((p) => `${p.calls} ${p.what}`).join(' + ')} = ${b.total}; made ${[...countBy(run.requests)].map(([k, v]) => `${k} ${v}`).join(', ')}.`);
    const dup = new Map<string, number>();
    for (const r of run.requests) {
      const key = `${r.method} ${r.path} ${JSON.stringify(r.query)}`;
      dup.set(key, (dup.get(key) ?? 0) + 1);
    }
    const repeated = [...dup.entries()].filter(([, n]) => n > 1);
    if (repeated.length) notes.push(`Repeated requests (${name}): ${repeated.slice(0, 5).map(([k, n]) => `${k} ×${n}`).join('; ')}.`);
  }
}

// Asset inventory mode (call count reported, no target) -----------------------------------------------------
if (want('calls')) {
  log('asset-inventory mode');
  const { run } = await withFake(small, {}, (fake) => runCase(small, fake, { 'asset-inventory': 'true' }));
  const asset = run.requests.filter((r) => r.methodId?.startsWith('cloudasset.')).length;
  if (asset === 0) {
    row('Calls: asset-inventory mode, 60 backends', 'n/a (no Cloud Asset call made)', 'report; same verdict', `${defaultCalls} (default mode)`, 'n/a');
  } else {
    const problems = verdictProblems(small, run);
    row(
      'Calls: asset-inventory mode, 60 backends',
      `${run.requests.length} (${asset} Cloud Asset)${problems.length ? `; ${problems.join('; ')}` : ''}`,
      'report; same verdict',
      `${defaultCalls} (default mode)`,
      problems.length === 0 ? 'info' : false,
    );
    notes.push(`Calls per category (asset-inventory): ${[...countBy(run.requests)].map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
}

// Planned state: a plan whose changes touch only resources read anyway costs no extra call -------------------
if (want('calls')) {
  const { c: planned, plan } = withPlannedChanges(small);
  const b = bound(planned);
  const extra = plannedExtraCalls(plan, b, planned.serviceAccount);
  log(`planned state: the hash-only shape with and without a plan (lower bound ${b.total} + ${extra} for the plan)`);
  const without = await withFake(planned, {}, (fake) => runCase(planned, fake, {}));
  const withPlan = await withFake(planned, {}, (fake) => runCase(planned, fake, { 'terraform-plan': 'tfplan.json' }, false, { 'tfplan.json': JSON.stringify(plan) }));
  const problems = [...verdictProblems(planned, without.run), ...verdictProblems(planned, withPlan.run).map((p) => `with plan: ${p}`)];
  const added = withPlan.run.requests.length - without.run.requests.length;
  row(
    'Calls: planned state (terraform-plan, 6 changes on resources read anyway), hash-only shape',
    `${withPlan.run.requests.length} vs ${without.run.requests.length} without the plan (+${added}; bound +${extra})${problems.length ? `; VERDICT ${problems.join('; ')}` : ''}`,
    `+${extra} (the plan's role nothing else bound)`,
    '',
    added <= extra && problems.length === 0,
  );
  const diff = [...countBy(withPlan.run.requests)].map(([k, v]) => [k, v - (countBy(without.run.requests).get(k) ?? 0)] as const).filter(([, v]) => v !== 0);
  notes.push(`Planned state: calls with the plan minus without, per category: ${diff.length ? diff.map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`).join(', ') : 'none'}.`);
}

// 2. Latency ----------------------------------------------------------------------------------------------
if (want('latency')) {
  const LATENCY = 50;
  const RUNS = 5;
  log(`latency: 50 ms per call, default concurrency, ${RUNS} runs per shape, each between two start-up runs (whole program, no Google call); concurrency 1 ×1`);
  // Start-up with the whole program loaded: one backend that is not Google's (the Google stack loads, no call
  // is made). Measured just before and just after each run of a shape, and the mean of the two subtracted from
  // that run, so that a machine whose speed drifts during the section (a shared host) does not skew one shape
  // against another, and one slow start-up run does not skew a run.
  const loaded = swaggerSpec(['https://backend.example.com']);
  const startups: number[] = [];
  const startupRun = (fake: FakeGoogle): Promise<number> => {
    const t0 = performance.now();
    return runWith({ inputs: { spec: 'openapi.yaml', 'service-account': small.serviceAccount, comment: 'false' }, files: { 'openapi.yaml': loaded } }, fake).then(() => {
      const took = performance.now() - t0;
      startups.push(took);
      return took;
    });
  };
  await withFake(small, { latencyMs: LATENCY }, async (fake) => {
    for (let i = 0; i < 2; i++) await startupRun(fake); // warm the page cache
    startups.length = 0;
  });
  let hashOnly = Number.NaN;
  const oversubtracted: string[] = [];
  for (const { name, c: shape } of shapes) {
    const walls: number[] = [];
    const firstToLast: number[] = [];
    let verdictOk = true;
    for (let i = 0; i < RUNS; i++) {
      const before = await withFake(small, { latencyMs: LATENCY }, startupRun);
      const m = await withFake(shape, { latencyMs: LATENCY }, (fake) => runCase(shape, fake, {}));
      const after = await withFake(small, { latencyMs: LATENCY }, startupRun);
      walls.push(m.wallMs - (before + after) / 2);
      firstToLast.push(m.phases?.callsMs ?? NaN);
      if (verdictProblems(shape, m.run).length) verdictOk = false;
      // Less than the calls alone took: more was subtracted than the run spent starting (a start-up run slowed
      // by the host); such a figure would flatter the shape.
      if (m.wallMs - (before + after) / 2 < (m.phases?.callsMs ?? 0)) oversubtracted.push(`${name} run ${i + 1}`);
    }
    const rtt = median(walls) / LATENCY;
    if (shape === small) hashOnly = median(walls);
    row(
      `Round trips: ${name}`,
      `${ms(median(walls))} = ${rtt.toFixed(1)} (runs ${walls.map((w) => (w / LATENCY).toFixed(1)).join(', ')}; calls alone ${(median(firstToLast) / LATENCY).toFixed(1)})`,
      `≤ 8 (${8 * LATENCY} ms)`,
      '',
      rtt <= 8 && verdictOk,
    );
  }
  if (oversubtracted.length) notes.push(`Round trips: start-up subtracted exceeded the run's own start (figure below "calls alone") in ${oversubtracted.join(', ')}.`);
  const startup = median(startups);
  const sequential = await withFake(small, { latencyMs: LATENCY }, (fake) => runCase(small, fake, { concurrency: '1' }));
  const seq = sequential.wallMs - startup;
  row('Latency: speed-up over concurrency 1 (hash-only shape)', `${(seq / hashOnly).toFixed(1)}× (${ms(seq)})`, '≥ 10×', '', seq / hashOnly >= 10 && verdictProblems(small, sequential.run).length === 0);
  notes.push(
    `Latency: wall time of each run minus the mean of the start-up runs just before and after it (median ${ms(startup)}: the program and the Google clients loaded, on a spec whose one backend is not Google's; the CEL engine loads only for a condition, and the bench's worlds have none); ` +
      `"calls alone" is first request to last answer. Concurrency 1 on the hash-only shape: ${ms(seq)} (${(seq / LATENCY).toFixed(1)} round trips).`,
  );
}

// 2b. Depth: the round trips of the plan itself, where the CPU of a loaded machine weighs little --------------
if (want('depth')) {
  const SLOW = 300;
  log(`depth: each shape once at ${SLOW} ms per call (first request to last answer, in round trips; no target)`);
  for (const { name, c: shape } of shapes) {
    const m = await withFake(shape, { latencyMs: SLOW }, (fake) => runCase(shape, fake, {}));
    const problems = verdictProblems(shape, m.run);
    row(`Depth at ${SLOW} ms/call: ${name}`, `${((m.phases?.callsMs ?? NaN) / SLOW).toFixed(1)} round trips${problems.length ? `; VERDICT ${problems.join('; ')}` : ''}`, 'info (≥ calls ÷ 16)', '', problems.length ? false : 'info');
  }
}

// 5. Scale under quota ----------------------------------------------------------------------------------------
const big = cloudRunWorld({
  seed: 1000, services: 1000, projects: 20, regions: ['us-central1', 'europe-west1', 'asia-northeast1'], folders: 2, pageSize: 50, missing: 2,
});
const bigBound = lowerBound(big.world, big.addresses, big.serviceAccount);
// A quota below the calls needed (so it throttles) but above half of them (one refill of the window suffices).
const QUOTA = Math.round(bigBound.total * 0.7);
if (want('scale')) {
  log(`scale: 1,000 backends, 20 projects, quota ${QUOTA}/min (lower bound ${bigBound.total} calls); about 70 s`);
  const fake = await startFakeGoogle(structuredClone(big.world), { quotaPerMinute: QUOTA, latencyMs: 5 });
  const proxy = await startProxy(fake);
  try {
    const m = await runCase(big, { ...fake, host: proxy.host, url: proxy.url }, { timeout: '170' }, true);
    const problems = verdictProblems(big, m.run);
    const throttled = proxy.log.filter((e) => e.status === 429).length;
    const h = hammering(proxy.log);
    row(
      'Scale: 1,000 backends, 20 projects, quota-limited',
      `${problems.length ? problems.join('; ') : `${m.run.outputs.result}, as built`} in ${(m.wallMs / 1000).toFixed(1)} s`,
      `right verdict, < 170 s`,
      '',
      problems.length === 0,
    );
    row(
      'Scale: requests before Retry-After elapsed',
      `${h.violations} (${throttled} × 429 in ${proxy.log.length} requests)`,
      '0',
      '',
      h.violations === 0 && throttled > 0,
    );
    notes.push(
      `Scale detail: quota ${QUOTA}/min, lower bound ${bigBound.total} calls, made ${m.run.requests.length} ` +
        `(${[...countBy(m.run.requests)].map(([k, v]) => `${k} ${v}`).join(', ')}); peak RSS ${m.peakRssBytes ? (m.peakRssBytes / MiB).toFixed(0) : '?'} MiB.`,
    );
    if (h.violations) notes.push(`Hammering: worst ${(h.worstEarlyMs / 1000).toFixed(1)} s early; e.g. ${h.examples.join('; ')}.`);
    if (throttled === 0) notes.push('Scale: the quota never throttled, so back-off was not exercised.');
  } finally {
    await proxy.close();
    await fake.close();
  }
}

// Planned state: a 100 MB Terraform plan (bench/plan-read.ts) ---------------------------------------------
if (want('plan')) {
  log('plan: reading a generated 100 MB terraform-plan, and JSON.parse of it, in child processes');
  for (const r of await planReadRows()) row(r.figure, r.value, r.target, r.baseline, r.ok);
}

// ---------------------------------------------------------------------------------------------------------
const headers: Row = { figure: 'Figure', value: 'Value', target: 'Target', baseline: 'Naive baseline', status: 'PASS' };
const cols = ['figure', 'value', 'target', 'baseline', 'status'] as const;
const width = Object.fromEntries(cols.map((k) => [k, Math.max(k === 'status' ? 6 : 0, ...[headers, ...rows].map((r) => String(r[k]).length))])) as Record<
  (typeof cols)[number],
  number
>;
const line = (r: Row | Record<(typeof cols)[number], string>): string => `| ${cols.map((k) => String(r[k]).padEnd(width[k])).join(' | ')} |`;
console.log('');
console.log(line({ ...headers, status: 'Status' }));
console.log(`|${cols.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log('');
for (const n of notes) console.log(`- ${n}`);
const failed = rows.filter((r) => r.status === 'FAIL');
console.log(`\n${failed.length ? `${failed.length} target(s) missed` : 'All targets met'} (bench took ${((Date.now() - started) / 1000).toFixed(0)} s).`);
process.exitCode = failed.length ? 1 : 0;
