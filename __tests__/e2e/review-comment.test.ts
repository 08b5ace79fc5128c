/**
 * End-to-end tests of what a reviewer sees: the sticky PR comment (against the fake GitHub API), the job
 * summary and the annotations, with dist/index.js run as the runner does against the fake Google API.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { load } from 'js-yaml';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../fake-github/server.ts';
import type { World } from '../fake-google/world.ts';
import { FIXTURES, PLANTED_TOKEN, ROOT, runAction, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const PR = 7;
const DEMO_TEXT = await readFile(path.join(FIXTURES, 'worlds/demo.yaml'), 'utf8');
const EXAMPLE = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
const GENERIC_MARKER = '<!-- gateway-guard -->';
const BOT = { login: 'github-actions[bot]', type: 'Bot' as const, integration: true };

/** A fresh copy of the demo world. */
const demo = (): World => load(DEMO_TEXT) as World;

/** The demo world with billing fixed: the gateway's service account may invoke it. */
function fixedWorld(): World {
  const w = demo();
  const billing = w.runServices!.find((s) => s.name.endsWith('/billing'))!;
  billing.iamPolicy = { bindings: [{ role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] }] };
  return w;
}

/** orders (passes) and billing (the service account has no grant in the demo world). */
const ORDERS_BILLING = [
  'swagger: "2.0"',
  'info: { title: shop, version: "1.0" }',
  'x-google-backend:',
  '  address: https://orders-abc123-uc.a.run.app',
  'paths:',
  '  /orders:',
  '    get:',
  '      responses: { "200": { description: OK } }',
  '  /billing:',
  '    get:',
  '      x-google-backend:',
  '        address: https://billing-def456-ew.a.run.app',
  '      responses: { "200": { description: OK } }',
  '',
].join('\n');

/** orders only: passes. */
const ORDERS_ONLY = ORDERS_BILLING.split('  /billing:')[0] + '\n';

const prEvent = (number = PR) => ({
  action: 'synchronize',
  number,
  pull_request: {
    number,
    head: { sha: SHA, ref: 'feature', repo: { full_name: 'acme/shop' } },
    base: { sha: '1'.repeat(40), ref: 'main', repo: { full_name: 'acme/shop' } },
  },
  repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
});

interface GateOptions {
  spec?: string;
  specFile?: string;
  world?: World;
  inputs?: Record<string, string>;
  files?: Record<string, string>;
  eventName?: string;
  event?: unknown;
}

/** Runs the action on a pull_request event against `gh`. */
function gate(gh: FakeGitHub | undefined, options: GateOptions = {}): Promise<ActionRun> {
  const specFile = options.specFile ?? 'openapi.yaml';
  return runAction({
    inputs: { spec: specFile, 'service-account': SA, project: 'shop-prod', ...options.inputs },
    files: { [specFile]: options.spec ?? ORDERS_BILLING, ...options.files },
    world: options.world ?? demo(),
    env: gh ? { GITHUB_API_URL: gh.url } : {},
    eventName: options.eventName ?? 'pull_request',
    event: options.event ?? prEvent(),
  });
}

async function withGitHub<T>(options: FakeGitHubOptions, body: (gh: FakeGitHub) => Promise<T>): Promise<T> {
  const gh = await startFakeGitHub({ tokens: { [PLANTED_TOKEN]: BOT }, ...options });
  try {
    return await body(gh);
  } finally {
    await gh.close();
  }
}

const why = (run: ActionRun, gh?: FakeGitHub): string =>
  `exit ${run.code}\n${run.stdout}\n${run.stderr}${gh ? `\n${gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n')}` : ''}`;
const writes = (gh: FakeGitHub) => gh.requests.filter((r) => r.method !== 'GET');
const prComments = (gh: FakeGitHub, number = PR) => gh.comments.filter((c) => c.owner === 'acme' && c.repo === 'shop' && c.issueNumber === number);
const specMarker = (files: string[]) => `<!-- gateway-guard:spec=${createHash('sha256').update([...files].sort().join('\n')).digest('hex').slice(0, 12)} -->`;

// ------------------------------------------------------------------------------- markdown inspection

/** Markdown with fenced code blocks and code spans removed: what GitHub renders as markdown/HTML. */
function outsideCode(md: string): string {
  const lines = md.split('\n');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const open = /^ {0,3}(`{3,})/.exec(line);
    if (fence === undefined && open) {
      fence = open[1];
      continue;
    }
    if (fence !== undefined) {
      if (new RegExp(`^ {0,3}${fence}\`*\\s*$`).test(line)) fence = undefined;
      continue;
    }
    kept.push(stripSpans(line));
  }
  assert.equal(fence, undefined, 'an unclosed code fence swallows the rest of the body');
  return kept.join('\n');
}

/** Removes CommonMark code spans (a backtick run closed by a run of the same length). */
function stripSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      out += line[i++];
      continue;
    }
    let n = 0;
    while (line[i + n] === '`') n++;
    let j = i + n;
    let close = -1;
    while (j < line.length) {
      if (line[j] === '`') {
        let m = 0;
        while (line[j + m] === '`') m++;
        if (m === n) {
          close = j;
          break;
        }
        j += m;
      } else j++;
    }
    if (close < 0) {
      out += line.slice(i, i + n); // literal backticks
      i += n;
    } else {
      out += '\u0000CODE\u0000';
      i = close + n;
    }
  }
  return out;
}

/** Every GFM table keeps its shape: each row has as many unescaped `|` as its header. */
function tablesIntact(md: string): number {
  const lines = md.split('\n');
  const pipes = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length;
  let tables = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!/^\| .* \|$/.test(lines[i]!) || !/^\| ---( \| ---)* \|$/.test(lines[i + 1]!)) continue;
    tables++;
    const width = pipes(lines[i]!);
    for (let j = i + 1; j < lines.length && lines[j] !== ''; j++) {
      assert.ok(lines[j]!.startsWith('|') && lines[j]!.endsWith('|'), `table row broken: ${lines[j]}`);
      assert.equal(pipes(lines[j]!), width, `table row has a different number of cells:\n${lines[i]}\n${lines[j]}`);
    }
  }
  return tables;
}

/** No HTML but our own tags, no @mentions, no HTML comment: hostile text stayed text. */
function noInjection(md: string, what: string): void {
  const text = outsideCode(md);
  const tag = /<\/?(?!(?:details|summary|sub|br)>)[A-Za-z!?]/.exec(text);
  assert.equal(tag, null, `${what}: raw HTML outside code: ${text.slice(Math.max(0, (tag?.index ?? 0) - 80), (tag?.index ?? 0) + 80)}`);
  const mention = /(?:^|[^A-Za-z0-9_`])@[A-Za-z0-9]/.exec(text);
  assert.equal(mention, null, `${what}: @mention outside code: ${text.slice(Math.max(0, (mention?.index ?? 0) - 80), (mention?.index ?? 0) + 80)}`);
  assert.ok(!/\]\((?!https:\/\/github\.com\/acme\/shop\/)/.test(text), `${what}: a link that is not ours`);
}

// ------------------------------------------------------------------------------------------- tests

describe('the markdown checks of this file catch what they look for', () => {
  test('raw HTML, mentions, foreign links, broken tables and unclosed fences are caught', () => {
    const table = (row: string) => `| a | b |\n| --- | --- |\n${row}\n`;
    assert.doesNotThrow(() => noInjection(table('| `<img src=x>` @\u200bteam | `a\\|b` |'), 'ok'));
    assert.equal(tablesIntact(table('| `<img src=x>` | `a\\|b` |')), 1);
    for (const bad of ['<img src=x onerror=alert(1)>', 'hi @acme/admins', '<!-- gateway-guard -->', '[x](https://evil.example/)', '`code` <script>', '`a`` <b>']) {
      assert.throws(() => noInjection(table(`| ${bad} | c |`), 'bad'), assert.AssertionError, bad);
    }
    assert.throws(() => tablesIntact(table('| a | b | c |')));
    assert.throws(() => tablesIntact(table('| a |\nb |')));
    assert.throws(() => outsideCode('```sh\nnever closed\n'));
  });
});

describe('sticky PR comment', { concurrency: 6 }, () => {
  test('the first run creates one comment with the marker, the second edits it in place (no second POST)', async () => {
    await withGitHub({}, async (gh) => {
      const first = await gate(gh);
      assert.equal(first.code, 1, why(first, gh));
      assert.deepEqual(writes(gh).map((r) => `${r.method} ${r.path} ${r.status}`), [`POST /repos/acme/shop/issues/${PR}/comments 201`]);
      assert.equal(writes(gh)[0]!.authorization, `token ${PLANTED_TOKEN}`);
      assert.equal(prComments(gh).length, 1);
      const comment = prComments(gh)[0]!;
      assert.equal(comment.user.login, 'github-actions[bot]');
      assert.ok(comment.body.startsWith(`${GENERIC_MARKER}\n`), comment.body.slice(0, 200));
      assert.ok(comment.body.includes(specMarker(['openapi.yaml'])), comment.body.slice(0, 200));
      // Verdict, the failing backend with a link to its spec line at the PR head, the fix command.
      assert.match(comment.body, /gateway-guard: fail, 1 error/);
      assert.match(comment.body, /^\| ❌ 1 \| `missing-invoker` \| `billing` · cloud-run · europe-west1 \| \[openapi\.yaml:11\]/m);
      assert.ok(comment.body.includes(`(https://github.com/acme/shop/blob/${SHA}/openapi.yaml#L11)`), comment.body);
      assert.match(comment.body, /```sh\ngcloud run services add-iam-policy-binding billing /);
      assert.match(comment.body, /```hcl\nresource "google_cloud_run_v2_service_iam_member" "billing_gateway_invoker" \{/);
      assert.match(comment.body, /<details><summary>✅ 1 passing backend<\/summary>/);
      assert.ok(first.annotations.every((a) => a.level !== 'warning'), why(first));

      const before = gh.requests.length;
      const second = await gate(gh);
      assert.equal(second.code, 1, why(second, gh));
      const secondWrites = gh.requests.slice(before).filter((r) => r.method !== 'GET');
      assert.deepEqual(secondWrites.map((r) => `${r.method} ${r.path} ${r.status}`), [`PATCH /repos/acme/shop/issues/comments/${comment.id} 200`]);
      assert.equal(prComments(gh).length, 1);
      assert.equal(gh.comments.length, 1);
    });
  });

  test('after the world is fixed, the same comment says everything passes (kept, not deleted)', async () => {
    await withGitHub({}, async (gh) => {
      const failing = await gate(gh);
      assert.equal(failing.code, 1, why(failing, gh));
      const id = prComments(gh)[0]!.id;
      const passing = await gate(gh, { world: fixedWorld() });
      assert.equal(passing.code, 0, why(passing, gh));
      assert.equal(passing.outputs.result, 'pass');
      assert.equal(prComments(gh).length, 1);
      const comment = prComments(gh)[0]!;
      assert.equal(comment.id, id);
      assert.ok(!gh.requests.some((r) => r.method === 'DELETE'), 'no comment deleted');
      assert.match(comment.body, /✅ gateway-guard: all backends pass/);
      assert.match(comment.body, /2 backends checked; nothing blocks this gateway config\./);
      assert.doesNotMatch(comment.body, /❌/);
      assert.ok(comment.body.startsWith(GENERIC_MARKER));
    });
  });

  test("a comment by another user carrying the marker is not touched (nor ours on another PR); ours is created", async () => {
    const marker = `${GENERIC_MARKER}\n${specMarker(['openapi.yaml'])}`;
    const forged = `${marker}\n### ✅ gateway-guard: all backends pass\n`;
    await withGitHub(
      {
        comments: [
          { owner: 'acme', repo: 'shop', issueNumber: PR, login: 'mallory', body: forged },
          { owner: 'acme', repo: 'shop', issueNumber: PR + 1, login: 'github-actions[bot]', body: `${marker}\nother PR` },
        ],
      },
      async (gh) => {
        const [mallory, otherPr] = gh.comments.map((c) => ({ ...c }));
        const run = await gate(gh);
        assert.equal(run.code, 1, why(run, gh));
        assert.ok(!gh.requests.some((r) => r.method === 'PATCH'), why(run, gh));
        assert.equal(gh.comments.find((c) => c.id === mallory!.id)!.body, forged);
        assert.equal(gh.comments.find((c) => c.id === otherPr!.id)!.body, otherPr!.body);
        const ours = prComments(gh).filter((c) => c.user.login === 'github-actions[bot]');
        assert.equal(ours.length, 1);
        assert.match(ours[0]!.body, /gateway-guard: fail/);
      },
    );
  });

  test('a personal access token edits only its own user\'s comment, not the bot\'s', async () => {
    const marker = `${GENERIC_MARKER}\n${specMarker(['openapi.yaml'])}`;
    await withGitHub(
      {
        tokens: { [PLANTED_TOKEN]: { login: 'alice' } },
        comments: [
          { owner: 'acme', repo: 'shop', issueNumber: PR, login: 'github-actions[bot]', body: `${marker}\nbot` },
          { owner: 'acme', repo: 'shop', issueNumber: PR, login: 'alice', body: `${marker}\nalice's old one` },
        ],
      },
      async (gh) => {
        const [bot, alice] = gh.comments.map((c) => c.id);
        const run = await gate(gh);
        assert.equal(run.code, 1, why(run, gh));
        assert.deepEqual(writes(gh).map((r) => `${r.method} ${r.path}`), [`PATCH /repos/acme/shop/issues/comments/${alice}`]);
        assert.equal(gh.comments.find((c) => c.id === bot)!.body, `${marker}\nbot`);
        assert.match(gh.comments.find((c) => c.id === alice)!.body, /gateway-guard: fail/);
      },
    );
  });

  test('two jobs with different spec sets on one PR keep one comment each', async () => {
    await withGitHub({}, async (gh) => {
      const a = await gate(gh, { specFile: 'specs/public.yaml' });
      const b = await gate(gh, { specFile: 'specs/internal.yaml', spec: ORDERS_ONLY });
      const a2 = await gate(gh, { specFile: 'specs/public.yaml' });
      for (const run of [a, b, a2]) assert.ok(run.code === 0 || run.code === 1, why(run, gh));
      assert.equal(prComments(gh).length, 2, why(a2, gh));
      assert.equal(gh.requests.filter((r) => r.method === 'POST').length, 2);
      assert.equal(gh.requests.filter((r) => r.method === 'PATCH').length, 1);
      const bodies = prComments(gh).map((c) => c.body);
      assert.ok(bodies[0]!.includes(specMarker(['specs/public.yaml'])) && bodies[0]!.includes('gateway-guard: fail'));
      assert.ok(bodies[1]!.includes(specMarker(['specs/internal.yaml'])) && bodies[1]!.includes('all backends pass'));
    });
  });

  test('a glob keeps its one comment when the files it matches change from push to push', async () => {
    await withGitHub({}, async (gh) => {
      const glob = { spec: 'specs/*.yaml' };
      const runs = [
        await gate(gh, { specFile: 'specs/a.yaml', inputs: glob }),
        await gate(gh, { specFile: 'specs/a.yaml', inputs: glob, files: { 'specs/b.yaml': ORDERS_ONLY } }),
        await gate(gh, { specFile: 'specs/b.yaml', spec: ORDERS_ONLY, inputs: glob }),
      ];
      for (const run of runs) assert.ok(run.code === 0 || run.code === 1, why(run, gh));
      assert.deepEqual(runs.map((run) => run.report?.specFiles?.join(' ')), ['specs/a.yaml', 'specs/a.yaml specs/b.yaml', 'specs/b.yaml']);
      assert.deepEqual(writes(gh).map((r) => r.method), ['POST', 'PATCH', 'PATCH']);
      assert.equal(prComments(gh).length, 1);
      const body = prComments(gh)[0]!.body;
      assert.ok(body.includes(specMarker(['specs/*.yaml'])), body.slice(0, 200));
      assert.match(body, /all backends pass/);
    });
  });

  test('our comment is found past the first page of 100 comments and edited', async () => {
    const marker = `${GENERIC_MARKER}\n${specMarker(['openapi.yaml'])}`;
    const chatter = Array.from({ length: 230 }, (_, i) => ({ owner: 'acme', repo: 'shop', issueNumber: PR, login: i % 2 ? 'alice' : 'bob', body: `comment ${i}` }));
    await withGitHub({ comments: [...chatter, { owner: 'acme', repo: 'shop', issueNumber: PR, login: 'github-actions[bot]', body: `${marker}\nold` }] }, async (gh) => {
      const ours = gh.comments.at(-1)!.id;
      const run = await gate(gh);
      assert.equal(run.code, 1, why(run, gh));
      assert.deepEqual(writes(gh).map((r) => `${r.method} ${r.path}`), [`PATCH /repos/acme/shop/issues/comments/${ours}`]);
      assert.ok(gh.requests.some((r) => r.method === 'GET' && r.query.page === '3'), 'read the third page');
      assert.equal(gh.comments.length, 231);
    });
  });

  for (const status of [403, 404] as const) {
    test(`${status} on comment writes: one actionable warning, verdict and exit code unchanged`, async () => {
      await withGitHub({ writeError: status }, async (gh) => {
        const failing = await gate(gh);
        const passing = await gate(gh, { spec: ORDERS_ONLY });
        assert.equal(failing.code, 1, why(failing, gh));
        assert.equal(failing.outputs.result, 'fail');
        assert.equal(failing.outputs.errors, '1');
        assert.equal(passing.code, 0, why(passing, gh));
        assert.equal(passing.outputs.result, 'pass');
        for (const run of [failing, passing]) {
          const warnings = run.annotations.filter((a) => a.level === 'warning');
          assert.equal(warnings.length, 1, why(run, gh));
          const message = warnings[0]!.message;
          assert.match(message, new RegExp(`PR #${PR}`));
          assert.match(message, /pull-requests: write/);
          assert.match(message, /fork/);
          assert.match(message, /workflow_run/);
          assert.match(message, /verdict is unchanged/);
          assert.equal(run.outputs.warnings, '0', 'the comment warning is not a finding');
          assert.ok(!/^::error/m.test(run.stdout.replace(/^::error title=gateway-guard%3A .*$/gm, '')), 'no extra error annotation');
        }
        assert.equal(gh.comments.length, 0);
      });
    });
  }

  test('GitHub down or the token rejected: a warning, the verdict unchanged', async () => {
    // No fake GitHub: the harness points GITHUB_API_URL at a dead port.
    const down = await gate(undefined, { spec: ORDERS_ONLY });
    assert.equal(down.code, 0, why(down));
    assert.equal(down.outputs.result, 'pass');
    assert.equal(down.annotations.filter((a) => a.level === 'warning').length, 1, why(down));
    assert.match(down.annotations.find((a) => a.level === 'warning')!.message, /could not comment on PR #7.*verdict is unchanged/s);
    await withGitHub({ tokens: {} }, async (gh) => {
      const rejected = await gate(gh);
      assert.equal(rejected.code, 1, why(rejected, gh));
      const warnings = rejected.annotations.filter((a) => a.level === 'warning');
      assert.equal(warnings.length, 1, why(rejected, gh));
      assert.match(warnings[0]!.message, /github-token/);
      assert.equal(gh.comments.length, 0);
    });
  });

  test('a push event makes no GitHub call; neither does `comment: false` on a pull request', async () => {
    await withGitHub({}, async (gh) => {
      const push = await gate(gh, { eventName: 'push', event: { ref: 'refs/heads/main', after: SHA, repository: { full_name: 'acme/shop' } } });
      assert.equal(push.code, 1, why(push));
      assert.deepEqual(gh.requests, []);
      const off = await gate(gh, { inputs: { comment: 'false' } });
      assert.equal(off.code, 1, why(off));
      assert.deepEqual(gh.requests, []);
      assert.ok(off.annotations.every((a) => a.level !== 'warning'), why(off));
      // The same run on pull_request_target does comment (the control).
      const target = await gate(gh, { eventName: 'pull_request_target' });
      assert.equal(target.code, 1, why(target));
      assert.equal(gh.comments.length, 1, why(target, gh));
    });
  });
});

describe('size limits: 500 findings', () => {
  test('comment under 65,536 characters with "more in the job summary", summary under 1 MiB with every finding, ≤ 10 annotations per level', async () => {
    const lines = ['swagger: "2.0"', 'info: { title: big, version: "1.0" }', 'paths:'];
    for (let i = 0; i < 500; i++) {
      const address = i % 2 === 0 ? `https://gone-${i}-123456789012.us-central1.run.app` : `https://status-abc123-uc.a.run.app/v${i}`;
      lines.push(`  /op${i}/${'segment/'.repeat(8)}:`, '    get:', '      x-google-backend:', `        address: ${address}`, '      responses: { "200": { description: OK } }');
    }
    await withGitHub({}, async (gh) => {
      const run = await gate(gh, { spec: lines.join('\n') + '\n' });
      assert.equal(run.code, 1, why(run, gh));
      const findings = run.report!.findings;
      assert.ok(findings.length >= 500, `${findings.length} findings`);
      assert.equal(gh.comments.length, 1, why(run, gh));
      const body = gh.comments[0]!.body;
      assert.ok(body.length < 65_536, `comment is ${body.length} characters`);
      assert.match(body, /_\d+ more findings in the \[job summary\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1\)\._/);
      const shown = (body.match(/^\| ❌ \d+ \|/gm) ?? []).length;
      const more = Number(/_(\d+) more findings in/.exec(body)![1]);
      assert.equal(shown + more, run.report!.findings.filter((f) => f.severity !== 'notice').length, 'shown + "more" = every failing finding');
      assert.ok(body.trimEnd().endsWith('</sub>'), 'the footer survived the budget');
      tablesIntact(body);
      outsideCode(body);

      const bytes = Buffer.byteLength(run.summary, 'utf8');
      assert.ok(bytes < 1024 * 1024, `summary is ${bytes} bytes`);
      for (let i = 0; i < 500; i += 2) assert.ok(run.summary.includes(`gone-${i}-123456789012`), `finding ${i} missing from the summary`);
      assert.equal((run.summary.match(/^\| (❌|⚠️|ℹ️) \d+ \|/gm) ?? []).length, findings.length);
      tablesIntact(run.summary);

      for (const level of ['error', 'warning', 'notice']) {
        const n = run.annotations.filter((a) => a.level === level).length;
        assert.ok(n <= 10, `${n} ${level} annotations`);
      }
      assert.equal(run.annotations.filter((a) => a.level === 'error').length, 10);
      assert.ok(run.annotations.some((a) => a.level === 'notice' && /\d+ more findings in the job summary/.test(a.message)), why(run));
    });
  });
});

describe('hostile text from the spec', () => {
  const HOSTILE = 'x|y| <img src=x onerror=alert(1)> @acme/admins <!-- gateway-guard --> `tick` ``two`` [link](https://evil.example/) **bold**\n| injected | row |';
  const q = (s: string) => JSON.stringify(s);
  const spec = [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    '  address: https://orders-abc123-uc.a.run.app',
    'paths:',
    `  ${q(`/pass/${HOSTILE}`)}:`,
    '    get:',
    '      responses: { "200": { description: OK } }',
    `  ${q(`/aud/${HOSTILE}`)}:`,
    '    get:',
    '      x-google-backend:',
    '        address: https://billing-def456-ew.a.run.app',
    `        jwt_audience: ${q(HOSTILE)}`,
    '      responses: { "200": { description: OK } }',
    `  ${q(`/ext/${HOSTILE}`)}:`,
    '    get:',
    '      x-google-backend:',
    `        address: ${q(`https://evil.example.com/${HOSTILE}`)}`,
    '      responses: { "200": { description: OK } }',
    `  ${q(`/run/${HOSTILE}`)}:`,
    '    get:',
    '      x-google-backend:',
    `        address: ${q(`https://status-abc123-uc.a.run.app/${HOSTILE}`)}`,
    '      responses: { "200": { description: OK } }',
    '',
  ].join('\n');

  test('cannot break tables, inject HTML or links, mention teams or fake the marker in the comment and the summary', async () => {
    await withGitHub({}, async (gh) => {
      const run = await gate(gh, { spec });
      assert.equal(run.code, 1, why(run, gh));
      assert.equal(gh.comments.length, 1, why(run, gh));
      const body = gh.comments[0]!.body;
      // The hostile text reached both (so the checks below mean something).
      for (const md of [body, run.summary]) {
        assert.ok(md.includes('acme/admins'), md);
        assert.ok(md.includes('onerror=alert(1)'), md);
      }
      assert.ok(body.includes('/pass/'), 'the passing operation with the hostile path is listed');

      // Exactly our two markers, at the top; nothing else in the body can be taken for one.
      assert.equal(body.split('<!-- gateway-guard').length - 1, 2, body);
      assert.ok(body.startsWith(`${GENERIC_MARKER}\n${specMarker(['openapi.yaml'])}\n`));
      assert.ok(!outsideCode(run.summary).includes('<!--'), 'HTML comment in the summary');

      assert.ok(tablesIntact(body) >= 2);
      assert.ok(tablesIntact(run.summary) >= 2);
      noInjection(body.split('\n').slice(2).join('\n'), 'comment');
      noInjection(run.summary, 'summary');
      assert.ok(!/\*\*bold\*\*/.test(outsideCode(body)), 'markdown emphasis from the spec is escaped');
    });
  });
});

describe('job summary', () => {
  test('verdict, counts, the findings table and the backends table', async () => {
    const run = await gate(undefined, { spec: EXAMPLE, eventName: 'push', event: {} });
    assert.equal(run.code, 1, why(run));
    const s = run.summary;
    assert.match(s, /^## ❌ gateway-guard: fail$/m);
    assert.match(s, /\*\*4 errors\*\*, \*\*0 warnings\*\*, 0 notices in 6 backends; fails on errors\./);
    assert.equal(tablesIntact(s), 2);
    for (const f of run.report!.findings) {
      const row = s.split('\n').find((l) => l.includes(`\`${f.rule}\``) && l.includes(`\`${f.file}:${f.line}\``));
      assert.ok(row, `no summary row for ${f.rule} at ${f.file}:${f.line}`);
    }
    const backendRows = s.split('### Backends')[1]!.split('\n').filter((l) => /^\| `https:/.test(l));
    assert.equal(backendRows.length, 6);
    assert.ok(backendRows.some((l) => l.includes('orders-abc123') && l.includes('✅ pass')));
    assert.ok(backendRows.some((l) => l.includes('status-abc123') && l.includes('❌ error')));
  });
});

describe('the planted token never appears', () => {
  test('not in stdout (but ::add-mask::), stderr, summary, report, SARIF, comment bodies or annotations', async () => {
    const policy = ['exceptions:', '  - rule: public-access', '    address: https://status-abc123-uc.a.run.app', '    reason: Public status page', ''].join('\n');
    await withGitHub({}, async (gh) => {
      const runs = [
        await gate(gh, { spec: EXAMPLE, inputs: { 'sarif-file': 'gg.sarif' }, files: { '.github/gateway-guard.yml': policy } }),
        await gate(gh, { spec: EXAMPLE, inputs: { 'sarif-file': 'gg.sarif' } }),
      ];
      await withGitHub({ writeError: 403 }, async (denied) => {
        runs.push(await gate(denied, { spec: EXAMPLE, inputs: { 'sarif-file': 'gg.sarif' } }));
      });
      await withGitHub({ tokens: {} }, async (rejected) => {
        runs.push(await gate(rejected, { spec: EXAMPLE, inputs: { 'sarif-file': 'gg.sarif' } }));
      });
      const secretParts = [PLANTED_TOKEN, PLANTED_TOKEN.slice(4, 30)];
      for (const run of runs) {
        const stdoutLines = run.stdout.split('\n');
        assert.equal(stdoutLines.filter((l) => l === `::add-mask::${PLANTED_TOKEN}`).length, 1, 'the token is masked first');
        const sarif = await readFile(path.join(run.workspace, 'gg.sarif'), 'utf8');
        const report = await readFile(run.outputs['report-file']!, 'utf8');
        const others = (await readdir(path.dirname(run.outputs['report-file']!))).join('\n');
        const outputs = JSON.stringify(run.outputs);
        const texts = {
          stdout: stdoutLines.filter((l) => !l.startsWith('::add-mask::')).join('\n'),
          stderr: run.stderr,
          summary: run.summary,
          report,
          sarif,
          outputs,
          others,
          comments: gh.comments.map((c) => c.body).join('\n'),
          bodies: gh.requests.map((r) => JSON.stringify(r.body ?? '')).join('\n'),
        };
        for (const [where, text] of Object.entries(texts)) {
          for (const part of secretParts) assert.ok(!text.includes(part), `token in ${where}`);
        }
      }
      assert.equal(gh.comments.length, 1);
    });
  });
});
