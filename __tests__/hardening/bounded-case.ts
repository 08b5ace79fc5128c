/**
 * One adversarial case, run by bounded.ts in its own process: prints `{ findings, elapsedMs, maxRssMb }`
 * as JSON. Case names are the argument; each builds its input in memory (or a temporary workspace).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPolicy } from '../../src/policy/index.ts';
import { parseSpec } from '../../src/spec/index.ts';

const RUN_URI = 'https://orders-abc123-uc.a.run.app';
const HEAD = ['swagger: "2.0"', 'info: { title: t, version: "1" }', `x-google-backend: { address: "${RUN_URI}" }`, 'paths: {}'];

/** `x-a: &a {k0..k19999}`: the anchor every merge-key case merges. */
function anchor(): string {
  return `x-a: &a {${Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join(', ')}}`;
}

/** `/p0` → `/p1` → … → `/pN` by `$ref`, the last one with an operation. */
export function refChain(n: number): string {
  const lines = ['openapi: 3.1.0', 'info: { title: t, version: "1" }', `x-google-api-management: { backends: { b: { address: "${RUN_URI}" } } }`, 'x-google-backend: b', 'paths:'];
  for (let i = 0; i < n; i++) lines.push(`  /p${i}: { $ref: "#/paths/~1p${i + 1}" }`);
  lines.push(`  /p${n}: { get: { responses: { "200": { description: ok } } } }`);
  return lines.join('\n') + '\n';
}

async function policyWorkspace(link: (file: string) => Promise<void>): Promise<string> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'gg-bounded-'));
  await mkdir(path.join(workspace, '.github'));
  await link(path.join(workspace, '.github', 'gateway-guard.yml'));
  return workspace;
}

const CASES: Record<string, () => Promise<{ findings: unknown[] }>> = {
  // Issue 16, item 2: 20,000 mappings each merging a 20,000-key anchor (469 KB).
  'merge-bomb-items': async () => parseSpec([...HEAD, anchor(), 'x-b:', ...Array(20_000).fill('  - { <<: *a }'), ''].join('\n'), 'bomb.yaml'),
  // Issue 16, item 2: one mapping merging the same anchor 30,000 times (439 KB).
  'merge-bomb-list': async () => parseSpec([...HEAD, anchor(), `x-b: { <<: [${Array(30_000).fill('*a').join(', ')}] }`, ''].join('\n'), 'bomb.yaml'),
  // Issue 16, item 3: 20,000 chained path items (678 KB) took 7.9 s, quadratic: twice as many here.
  'ref-chain': async () => parseSpec(refChain(40_000), 'chain.yaml'),
  // Issue 16, item 5: the policy file is a symlink to /dev/zero (endless, and not a regular file).
  'policy-dev-zero': async () => {
    const workspace = await policyWorkspace((file) => symlink('/dev/zero', file));
    return loadPolicy('.github/gateway-guard.yml', workspace, false);
  },
  // A FIFO in the workspace: opening it for reading would wait for a writer forever.
  'policy-fifo': async () => {
    const workspace = await policyWorkspace(async (file) => void execFileSync('mkfifo', [file]));
    return loadPolicy('.github/gateway-guard.yml', workspace, false);
  },
};

const name = process.argv[2] ?? '';
const run = CASES[name];
if (!run) throw new Error(`no case ${name}`);
const started = performance.now();
const result = await run();
const elapsedMs = performance.now() - started;
process.stdout.write(JSON.stringify({ findings: result.findings, elapsedMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
