/**
 * `npm run mutation`: a kept list of hand-made mutants of src/iam, src/checks, src/policy, src/report/redact.ts
 * (and the resolution paths issue 16 named), each a minimal change a real bug could look like. Every mutant
 * is applied to a temporary copy of the repository, the tests that should notice it are run there (the
 * end-to-end ones against src/main.ts, so no build per mutant), and the copy is restored. Prints the score
 * and the survivors; each survivor needs a test or a written reason in docs/mutation.md.
 *
 * A mutant is found by its exact snippet: when the code has changed and the snippet is gone (or appears more
 * than once), the mutant is skipped with a message instead of mutating something else. On demand, not in CI.
 *
 * Usage: node scripts/mutation.ts [--only ID,ID] [--list]
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Longest a mutant's tests may run; a mutant that makes them hang is counted as killed (timeout). */
const MUTANT_TIMEOUT_MS = 10 * 60_000;
/**
 * Tests that measure wall-clock time: run from source on a loaded machine they fail without any mutant,
 * and no mutant here is about timing, so they are left out of mutation runs.
 */
const TIMING_TESTS = 'timeout: what could not be checked|Retry-After|within bounded retries|concurrency 1 with several|hangs past the `timeout`|bounded time';

interface Mutant {
  id: string;
  file: string;
  /** Exact text to replace; must occur exactly once in `file`. */
  find: string;
  replace: string;
  /** Test files (relative to the repository) that should kill it. */
  tests: string[];
  /** Optional `--test-name-pattern` to run only the relevant tests of slow files. */
  pattern?: string;
  /** What a real bug of this shape would do. */
  means: string;
}

const IAM = ['__tests__/unit/iam-evaluate.test.ts', '__tests__/unit/deny-and-second-opinion.test.ts', '__tests__/e2e/verdict-regressions.test.ts', '__tests__/e2e/iam-model.test.ts'];
const CHECKS = ['__tests__/unit/checks-cloud-run.test.ts', '__tests__/unit/checks-functions.test.ts', '__tests__/unit/checks-app-engine.test.ts', '__tests__/e2e/verdict-regressions.test.ts'];
const POLICY = ['__tests__/policy/policy.test.ts', '__tests__/e2e/policy.test.ts'];
const REDACT = ['__tests__/unit/redact.test.ts', '__tests__/unit/redact-bare-token.test.ts'];
const ALLOWED = ['__tests__/unit/allowed-projects.test.ts', '__tests__/e2e/allowed-projects.test.ts'];

/** The kept mutants. Add one whenever a review finds a verdict no test defends. */
export const MUTANTS: Mutant[] = [
  // ---- src/iam/evaluate.ts
  {
    id: 'evaluate-unreadable-public-role',
    file: 'src/iam/evaluate.ts',
    find: "if (relevant.some((m) => m.match === 'public')) answer.unknownForPublic.push(reason);",
    replace: '',
    tests: IAM,
    means: 'an unreadable role bound to allUsers is ignored: pass instead of iam-unreadable',
  },
  {
    id: 'evaluate-ancestry-error-ignored',
    file: 'src/iam/evaluate.ts',
    find: 'if (facts.ancestryError) unknownForBoth(facts.ancestryError);',
    replace: '',
    tests: ['__tests__/hardening/faults.test.ts'],
    pattern: 'every Google call of a passing run',
    means: 'folders/organization that could not be read are ignored: inherited public grants unseen',
  },
  {
    id: 'evaluate-unreadable-policy-account-only',
    file: 'src/iam/evaluate.ts',
    find: "unknownForBoth(fact.error ?? `the IAM policy of ${fact.resource} could not be read`);",
    replace: "answer.unknownForAccount.push(fact.error ?? `the IAM policy of ${fact.resource} could not be read`);",
    tests: IAM,
    means: 'an unreadable policy no longer leaves public access open to doubt',
  },
  {
    id: 'evaluate-deleted-role-grants',
    file: 'src/iam/evaluate.ts',
    find: "if (def.deleted || def.stage === 'DISABLED' ||",
    replace: "if (def.stage === 'DISABLED' ||",
    tests: IAM,
    means: 'a deleted custom role still grants: missing-invoker hidden',
  },
  {
    id: 'evaluate-group-counts-as-account',
    file: 'src/iam/evaluate.ts',
    find: 'answer.unverified.push(grant);',
    replace: 'answer.direct.push(grant);',
    tests: IAM,
    means: 'a grant to a group is taken as the account\'s own: pass instead of unverified-grant',
  },
  {
    id: 'evaluate-deny-all-ignored',
    file: 'src/iam/evaluate.ts',
    find: 'if (deny.deniedToEveryone.length === 0) answer.public.push(grant);',
    replace: 'answer.public.push(grant);',
    tests: IAM,
    means: 'a public grant taken away by an unconditional deny of everyone is still reported',
  },
  // ---- src/iam/principals.ts
  {
    id: 'principals-case-sensitive',
    file: 'src/iam/principals.ts',
    find: "return value.toLowerCase() === email.toLowerCase() ? 'self' : 'other';",
    replace: "return value === email ? 'self' : 'other';",
    tests: IAM,
    means: 'emails compared case-sensitively: a real grant missed (missing-invoker on a working backend)',
  },
  {
    id: 'principals-group-is-other',
    file: 'src/iam/principals.ts',
    find: "    case 'group':\n",
    replace: '',
    tests: IAM,
    means: 'a group grant is nobody: missing-invoker instead of unverified-grant',
  },
  {
    id: 'principals-all-authenticated-not-public',
    file: 'src/iam/principals.ts',
    find: "export const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];",
    replace: "export const PUBLIC_MEMBERS = ['allUsers'];",
    tests: IAM,
    means: 'allAuthenticatedUsers is not public: pass instead of public-access',
  },
  // ---- src/iam/deny.ts
  {
    id: 'deny-conditional-everyone-unconditional',
    file: 'src/iam/deny.ts',
    find: 'if (everyone && !rule.denialCondition && rule.exceptionPrincipals.length === 0) answer.deniedToEveryone.push(text);',
    replace: 'if (everyone) answer.deniedToEveryone.push(text);',
    tests: IAM,
    means: 'a conditional deny of public:all hides the public-access error',
  },
  {
    id: 'deny-exception-principal-ignored',
    file: 'src/iam/deny.ts',
    find: "if (exceptions.includes('account')) continue;",
    replace: '',
    tests: IAM,
    means: 'the account excepted from a deny rule is still denied',
  },
  {
    id: 'deny-no-wildcards',
    file: 'src/iam/deny.ts',
    find: "return pattern.endsWith('*') && permission.startsWith(pattern.slice(0, -1));",
    replace: 'return false;',
    tests: IAM,
    means: 'wildcard deny permissions (run.googleapis.com/*) deny nothing: a denied account passes',
  },
  {
    id: 'deny-case-sensitive',
    file: 'src/iam/deny.ts',
    find: "if (sa) return (sa[1] ?? '').toLowerCase() === email.toLowerCase() ? 'account' : 'no';",
    replace: "if (sa) return (sa[1] ?? '') === email ? 'account' : 'no';",
    tests: IAM,
    means: 'a deny rule naming the account in other capitals does not apply',
  },
  {
    id: 'deny-condition-certain',
    file: 'src/iam/deny.ts',
    find: "const certain = hits && !rule.denialCondition && !exceptions.includes('maybe');",
    replace: "const certain = hits && !exceptions.includes('maybe');",
    tests: IAM,
    means: 'a conditional deny is taken as certain: missing-invoker instead of a warning',
  },
  {
    id: 'deny-exception-permission-ignored',
    file: 'src/iam/deny.ts',
    find: 'if (rule.exceptionPermissions.some((p) => permissionMatches(p, wanted))) continue;',
    replace: '',
    tests: IAM,
    means: 'a permission excepted from a deny rule is still denied',
  },
  {
    id: 'deny-unreadable-ignored',
    file: 'src/iam/deny.ts',
    find: 'answer.unknown.push(fact.error ?? `the deny policies of ${fact.attachmentPoint} could not be read`);',
    replace: '',
    tests: IAM,
    means: 'unreadable deny policies are taken as none: pass on missing data',
  },
  // ---- src/checks
  {
    id: 'grants-deny-unknown-ignored',
    file: 'src/checks/grants.ts',
    find: 'if (deny.unknown.length > 0) {',
    replace: 'if (false) {',
    tests: [...CHECKS, '__tests__/e2e/iam-model.test.ts'],
    means: 'a grant that an unreadable deny policy may override passes',
  },
  {
    id: 'grants-public-unknown-dropped',
    file: 'src/checks/grants.ts',
    find: 'if (answer.public.length > 0 || answer.unknownForPublic.length === 0) return [];',
    replace: 'return [];',
    tests: CHECKS,
    means: 'public access that could not be ruled out is not reported',
  },
  {
    id: 'grants-account-unknown-dropped',
    file: 'src/checks/grants.ts',
    find: 'if (answer.unknownForAccount.length > 0) {',
    replace: 'if (answer.unknownForAccount.length > 1) {',
    tests: CHECKS,
    means: 'one unreadable policy on the account side gives missing-invoker instead of iam-unreadable',
  },
  {
    id: 'grants-denied-ignored',
    file: 'src/checks/grants.ts',
    find: 'if (deny.denied.length > 0) {',
    replace: 'if (deny.denied.length > 1) {',
    tests: [...CHECKS, '__tests__/e2e/iam-model.test.ts'],
    means: 'an account denied by one deny rule passes',
  },
  {
    id: 'cloud-run-invoker-check-disabled-ignored',
    file: 'src/checks/cloud-run.ts',
    find: 'if (service.invokerIamDisabled) {',
    replace: 'if (false) {',
    tests: CHECKS,
    means: 'a service with the invoker IAM check disabled is not public-access',
  },
  {
    id: 'cloud-run-ingress-ignored',
    file: 'src/checks/cloud-run.ts',
    find: "if (service.ingress && service.ingress !== 'INGRESS_TRAFFIC_ALL' && service.ingress !== 'INGRESS_TRAFFIC_UNSPECIFIED') {",
    replace: "if (service.ingress === 'INGRESS_TRAFFIC_NONE') {",
    tests: CHECKS,
    means: 'internal-only ingress is not reported as unreachable',
  },
  {
    id: 'app-engine-iap-off-ignored',
    file: 'src/checks/app-engine.ts',
    find: 'if (!app.iapEnabled) {',
    replace: 'if (false) {',
    tests: CHECKS,
    means: 'an App Engine app without IAP is not public-access',
  },
  {
    id: 'functions-gen1-public-dropped',
    file: 'src/checks/cloud-functions.ts',
    find: '    findings.push(...publicGrantFindings(backend, resource, FUNCTIONS_INVOKE, answer, commands));\n',
    replace: '',
    tests: CHECKS,
    means: 'a 1st-gen function granted to allUsers passes',
  },
  {
    id: 'audience-any-path-accepted',
    file: 'src/checks/audience.ts',
    find: "if (!origin || !origins.includes(origin)) return 'rejected';",
    replace: "if (!origin) return 'rejected';",
    tests: CHECKS,
    means: 'an audience of another host is not audience-mismatch',
  },
  // ---- src/policy
  {
    id: 'policy-fail-closed-override',
    file: 'src/policy/apply.ts',
    find: 'const override = failClosed ? undefined : policy.severity[original.rule];',
    replace: 'const override = policy.severity[original.rule];',
    tests: POLICY,
    means: 'a hand-built policy lowers iam-unreadable to a notice: pass on missing data',
  },
  {
    id: 'policy-fail-closed-address-exception',
    file: 'src/policy/apply.ts',
    find: 'if (FAIL_CLOSED_RULES.includes(finding.rule)) return exception.resource !== undefined && exception.address === undefined && finding.resource === exception.resource;',
    replace: '',
    tests: POLICY,
    means: 'an address exception covers iam-unreadable',
  },
  {
    id: 'policy-expiry-day-excluded',
    file: 'src/policy/apply.ts',
    find: 'exception.expires === undefined || exception.expires >= today',
    replace: 'exception.expires === undefined || exception.expires > today',
    tests: POLICY,
    means: 'an exception stops a day early',
  },
  {
    id: 'policy-exception-any-rule',
    file: 'src/policy/apply.ts',
    find: 'if (exception.rule !== finding.rule) return false;',
    replace: '',
    tests: POLICY,
    means: 'an exception for one rule covers every rule of the backend',
  },
  {
    id: 'policy-single-problem-accepted',
    file: 'src/policy/parse.ts',
    find: 'if (problems.size > 0) {',
    replace: 'if (problems.size > 1) {',
    tests: POLICY,
    means: 'a policy file with one error is applied anyway',
  },
  {
    id: 'policy-then-resource-unexplained',
    file: 'src/policy/parse.ts',
    find: "if (error.keyword === 'if') continue; // explained by the `then` error itself",
    replace: '',
    tests: POLICY,
    means: 'an address exception of a fail-closed rule gets a second, unhelpful message',
  },
  // ---- src/report/redact.ts
  {
    id: 'redact-bare-ya29',
    file: 'src/report/redact.ts',
    find: '/\\bya29\\.[A-Za-z0-9._-]{10,}/g,',
    replace: '',
    tests: REDACT,
    means: 'a bare access token (access_token=ya29…) is shown',
  },
  {
    id: 'redact-known-secrets-skipped',
    file: 'src/report/redact.ts',
    find: 'if (secret.length >= 4)',
    replace: 'if (secret.length >= 400)',
    tests: [...REDACT, '__tests__/hardening/secrets.test.ts'],
    means: 'the GitHub token given to the action is shown',
  },
  {
    id: 'redact-github-tokens',
    file: 'src/report/redact.ts',
    find: '/\\bgh[pousr]_[A-Za-z0-9]{20,}/g,',
    replace: '',
    tests: REDACT,
    means: 'GitHub tokens (ghs_…) in text are shown',
  },
  // ---- resolution (issue 16 named it) and the allow-list
  {
    id: 'cloud-run-region-listing-swallowed',
    file: 'src/resolve/cloud-run.ts',
    find: 'problems.push(`Listing Cloud Run regions of ${project} failed: ${explainFailure(err, \'run.locations.list\')}`);',
    replace: '',
    tests: ['__tests__/hardening/faults.test.ts'],
    pattern: 'region',
    means: 'a 403/5xx on region listing becomes backend-not-found instead of iam-unreadable',
  },
  {
    id: 'allowed-project-ids-unchecked',
    file: 'src/resolve/allowed.ts',
    find: 'if (!allows(scope, info.project)) refused.set(',
    replace: 'if (false) refused.set(',
    tests: ALLOWED,
    means: 'a function or App Engine address outside the allowed projects is read',
  },
  {
    id: 'allowed-search-projects-unfiltered',
    file: 'src/resolve/allowed.ts',
    find: 'const projects = searchProjects.filter((p) => allows(scope, p));',
    replace: 'const projects = searchProjects;',
    tests: ALLOWED,
    means: 'hash-style URLs are searched for in projects outside the list',
  },
  {
    id: 'allowed-policy-widens',
    file: 'src/resolve/allowed.ts',
    find: 'return [scope.input, scope.policy].every(',
    replace: 'return [scope.input, scope.policy].some(',
    tests: ALLOWED,
    means: "the policy file's allowedProjects widens the input",
  },
];

type Outcome = { id: string; status: 'killed' | 'survived' | 'timeout' | 'skipped'; seconds: number; note?: string };

/** Process groups of running test commands, killed if the run is interrupted. */
const running = new Set<number>();

function runTests(dir: string, tests: string[], pattern: string | undefined, timeoutMs: number): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  const args = ['--test', '--test-concurrency=2', '--test-reporter=dot', `--test-skip-pattern=${TIMING_TESTS}`, ...(pattern ? [`--test-name-pattern=${pattern}`] : []), ...tests];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, GATEWAY_GUARD_ACTION: 'src/main.ts', GATEWAY_GUARD_CLI: 'src/main.ts' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    if (child.pid) running.add(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      resolve({ code, timedOut, output });
    });
  });
}

function occurrences(text: string, snippet: string): number {
  let count = 0;
  for (let at = text.indexOf(snippet); at >= 0; at = text.indexOf(snippet, at + 1)) count++;
  return count;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--list')) {
    for (const m of MUTANTS) console.log(`${m.id.padEnd(44)} ${m.file}: ${m.means}`);
    return;
  }
  const only = argv.includes('--only') ? new Set((argv[argv.indexOf('--only') + 1] ?? '').split(',')) : undefined;
  const mutants = MUTANTS.filter((m) => !only || only.has(m.id));

  const dir = await mkdtemp(path.join(tmpdir(), 'gg-mutation-'));
  const interrupted = (): void => {
    for (const pid of running) process.kill(-pid, 'SIGKILL');
    void rm(dir, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await cp(ROOT, dir, {
      recursive: true,
      filter: (source) => !['node_modules', 'dist', '.git', '.build'].includes(path.relative(ROOT, source).split(path.sep)[0] ?? ''),
    });
    await symlink(await realpath(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'));
    console.log(`mutation run: ${mutants.length} mutant(s), copy in ${dir}`);

    // Baseline: every test file (with the name pattern it is run with) must pass on the unmutated code,
    // else the mutants that rely on it say nothing.
    const started = Date.now();
    const pairs = (m: Mutant) => m.tests.map((t) => JSON.stringify([t, m.pattern ?? '']));
    const failing = new Set<string>();
    const allPairs = [...new Set(mutants.flatMap(pairs))];
    for (const key of allPairs) {
      const [test, pattern] = JSON.parse(key) as [string, string];
      const baseline = await runTests(dir, [test], pattern || undefined, MUTANT_TIMEOUT_MS);
      if (baseline.code !== 0) {
        failing.add(key);
        console.log(`baseline fails: ${test}${pattern ? ` (pattern ${pattern})` : ''}\n${baseline.output.slice(-3000)}`);
      }
    }
    console.log(`baseline: ${allPairs.length - failing.size} of ${allPairs.length} test file(s) pass on the unmutated code (${Math.round((Date.now() - started) / 1000)} s)`);

    const outcomes: Outcome[] = [];
    for (const mutant of mutants) {
      const brokenFiles = pairs(mutant).filter((key) => failing.has(key));
      const broken = brokenFiles.length ? `its tests fail without any mutant: ${brokenFiles.map((k) => (JSON.parse(k) as string[])[0]).join(', ')}` : undefined;
      if (broken) {
        outcomes.push({ id: mutant.id, status: 'skipped', seconds: 0, note: broken });
        console.log(`- ${mutant.id}: skipped (${broken})`);
        continue;
      }
      const file = path.join(dir, mutant.file);
      let original: string;
      try {
        original = await readFile(file, 'utf8');
      } catch {
        outcomes.push({ id: mutant.id, status: 'skipped', seconds: 0, note: `${mutant.file} no longer exists` });
        console.log(`- ${mutant.id}: skipped (${mutant.file} no longer exists)`);
        continue;
      }
      const count = occurrences(original, mutant.find);
      if (count !== 1) {
        const note = count === 0 ? `snippet no longer in ${mutant.file} (the code changed): update or drop this mutant` : `snippet occurs ${count} times in ${mutant.file}: make it unique`;
        outcomes.push({ id: mutant.id, status: 'skipped', seconds: 0, note });
        console.log(`- ${mutant.id}: skipped (${note})`);
        continue;
      }
      await writeFile(file, original.replace(mutant.find, () => mutant.replace));
      const t0 = Date.now();
      try {
        const result = await runTests(dir, mutant.tests, mutant.pattern, MUTANT_TIMEOUT_MS);
        const status = result.timedOut ? 'timeout' : result.code === 0 ? 'survived' : 'killed';
        const seconds = Math.round((Date.now() - t0) / 1000);
        outcomes.push({ id: mutant.id, status, seconds });
        console.log(`${status === 'survived' ? '!' : '+'} ${mutant.id}: ${status} (${seconds} s)`);
      } finally {
        await writeFile(file, original);
      }
    }

    const judged = outcomes.filter((o) => o.status !== 'skipped');
    const killed = judged.filter((o) => o.status !== 'survived');
    const survivors = judged.filter((o) => o.status === 'survived');
    const score = judged.length ? Math.round((killed.length / judged.length) * 1000) / 10 : 0;
    console.log(`\nmutation score: ${score}% (${killed.length} killed of ${judged.length}; ${outcomes.length - judged.length} skipped) in ${Math.round((Date.now() - started) / 1000)} s`);
    for (const s of survivors) {
      const m = MUTANTS.find((x) => x.id === s.id);
      console.log(`survivor: ${s.id} (${m?.file}): ${m?.means}. Add a test, or give the reason in docs/mutation.md.`);
    }
    for (const s of outcomes.filter((o) => o.status === 'skipped')) console.log(`skipped: ${s.id}: ${s.note}`);
    if (survivors.length > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
