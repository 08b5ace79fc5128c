/**
 * The allow-list of projects the action may look into (input `allowed-projects`, narrowed by the policy
 * file's `allowedProjects`). An address in any other project is refused before resolution, without any
 * Google call; the only reads this module makes are of the allowed projects' own numbers, and only when a
 * run.app address names its project by number.
 */
import { explainFailure } from '../gcp/errors.ts';
import type { GoogleCloud } from '../gcp/google-cloud.ts';
import { PROJECT_PATTERN_PATTERN } from '../policy/schema.ts';
import type { Finding } from '../types.ts';
import type { AddressInfo } from './address.ts';
import type { Target } from './target.ts';

/** The projects a run may look into: an ID is allowed when it matches a pattern of every non-empty list. */
export interface ProjectScope {
  /** The `allowed-projects` input's patterns (empty: no restriction from the input). */
  input: string[];
  /** The policy file's `allowedProjects` (empty: no narrowing). */
  policy: string[];
}

const SHAPE = new RegExp(PROJECT_PATTERN_PATTERN);

/** The entries of `patterns` that are not a project ID or a `*` pattern of them. */
export function invalidProjectPatterns(patterns: string[]): string[] {
  return patterns.filter((p) => !SHAPE.test(p));
}

/**
 * The scope of a run, or undefined when nothing restricts it, with an `invalid-spec` finding (at its line
 * in the policy file) for each policy entry that is not within the input's patterns: the file may only narrow.
 */
export function projectScope(
  input: string[],
  policy: Array<{ pattern: string; line: number }>,
  policyFile: string | undefined,
): { scope?: ProjectScope; findings: Finding[] } {
  const findings: Finding[] = [];
  if (input.length > 0) {
    for (const entry of policy) {
      if (input.some((allowed) => patternWithin(entry.pattern, allowed))) continue;
      findings.push({
        rule: 'invalid-spec',
        severity: 'error',
        ...(policyFile === undefined ? {} : { file: policyFile }),
        line: entry.line,
        message:
          `Policy file: allowedProjects entry "${entry.pattern}" is not within the \`allowed-projects\` input (${input.join(', ')}): ` +
          'the policy file may only narrow the projects the workflow allows. Remove it, or widen the input in the workflow.',
      });
    }
  }
  if (input.length === 0 && policy.length === 0) return { findings };
  return { scope: { input, policy: policy.map((p) => p.pattern) }, findings };
}

/** Whether the project ID `project` is within `scope` (always, without one). */
export function allows(scope: ProjectScope | undefined, project: string): boolean {
  if (!scope) return true;
  const id = project.toLowerCase();
  return [scope.input, scope.policy].every((list) => list.length === 0 || list.some((pattern) => globMatch(pattern, id)));
}

/** `shop-*` matches `shop-prod`: `*` is any run of characters, everything else is literal. */
export function globMatch(pattern: string, text: string): boolean {
  // Iterative wildcard matching with one backtrack point: linear-time in practice, never exponential.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether every ID `inner` matches also matches `outer` (a sufficient test: `inner`'s `*` must fall in one of `outer`'s). */
export function patternWithin(inner: string, outer: string): boolean {
  const memo = new Map<number, boolean>();
  const within = (i: number, j: number): boolean => {
    const key = i * 1024 + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === outer.length) result = j === inner.length;
    else if (outer[i] === '*') result = within(i + 1, j) || (j < inner.length && within(i, j + 1));
    else result = j < inner.length && inner[j] !== '*' && inner[j] === outer[i] && within(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return within(0, 0);
}

/** What the pipeline may resolve: refused addresses (with their target) and the projects it may search. */
export interface ScopedAddresses {
  /** Addresses outside the allowed projects, already decided: never resolved. */
  refused: Map<string, Target>;
  /** The search projects (`project` input, policy `projects`) within the scope. */
  projects: string[];
}

/**
 * Refuses every address whose project is outside `scope` (backend-not-found, saying so), and keeps only
 * search projects within it. A project number is matched through the numbers of the allowed projects the
 * run knows by ID (exact IDs of the allow-list, and search projects within it), read only when needed.
 */
export async function withinAllowedProjects(
  google: GoogleCloud,
  scope: ProjectScope | undefined,
  infos: Map<string, AddressInfo>,
  searchProjects: string[],
): Promise<ScopedAddresses> {
  if (!scope) return { refused: new Map(), projects: searchProjects };
  const projects = searchProjects.filter((p) => allows(scope, p));
  const refused = new Map<string, Target>();
  let numbers: Promise<{ byNumber: Map<string, string>; problems: string[] }> | undefined;
  for (const [address, info] of infos) {
    if (info.kind === 'cloud-functions' || info.kind === 'app-engine') {
      if (!allows(scope, info.project)) refused.set(address, outside(info.kind, `${address} is in project ${info.project}, ${OUTSIDE(scope)}`));
    } else if (info.kind === 'cloud-run' && info.form === 'deterministic') {
      numbers ??= allowedNumbers(google, scope, projects);
      const { byNumber, problems } = await numbers;
      if (byNumber.has(info.projectNumber)) continue;
      const known = [...byNumber.values()];
      if (problems.length > 0) {
        refused.set(address, {
          kind: 'unreadable',
          backendKind: 'cloud-run',
          message:
            `${address} names project number ${info.projectNumber}, which could not be matched to an allowed project because the numbers of some could not be read: ${problems.join(' ')}`,
        });
      } else {
        const which = known.length > 0 ? ` (allowed projects known by ID: ${known.join(', ')})` : ' (the allow-list names no project by exact ID, so no number can be matched: list the project ID, e.g. in `allowed-projects` or `project`)';
        refused.set(address, outside('cloud-run', `${address} names project number ${info.projectNumber}, which is not the number of any allowed project${which}; ${OUTSIDE(scope)}`));
      }
    }
  }
  // Hash-style URLs are searched for in the search projects and the projects other addresses name: when the
  // allow-list removed every one of them, say so rather than ask for a `project` input that was given.
  const named = [...infos].some(([address, info]) => !refused.has(address) && info.kind !== 'unknown' && !(info.kind === 'cloud-run' && info.form === 'hash'));
  if (projects.length === 0 && searchProjects.length > 0 && !named) {
    for (const [address, info] of infos) {
      if (info.kind !== 'cloud-run' || info.form !== 'hash') continue;
      refused.set(address, outside('cloud-run', `${address} does not name its project, and the projects to search for it (${searchProjects.join(', ')}) are ${OUTSIDE(scope)}`));
    }
  }
  return { refused, projects };
}

const OUTSIDE = (scope: ProjectScope): string =>
  `outside the allowed projects (${[...scope.input, ...scope.policy.filter((p) => !scope.input.includes(p))].join(', ')}): ` +
  'gateway-guard looks into no other project. Correct the address, or add its project to `allowed-projects` (the workflow input; the policy file may only narrow it).';

function outside(backendKind: 'cloud-run' | 'cloud-functions' | 'app-engine', message: string): Target {
  return { kind: 'not-found', backendKind, message };
}

/** The numbers of the allowed projects known by exact ID, read from Resource Manager (each at most once per run). */
async function allowedNumbers(google: GoogleCloud, scope: ProjectScope, projects: string[]): Promise<{ byNumber: Map<string, string>; problems: string[] }> {
  const exact = [...scope.input, ...scope.policy].filter((p) => !p.includes('*') && allows(scope, p));
  const ids = [...new Set([...exact, ...projects])];
  const byNumber = new Map<string, string>();
  const problems: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        const info = await google.resourceManager.project(id);
        if (info.projectNumber) byNumber.set(info.projectNumber, info.projectId || id);
      } catch (err) {
        problems.push(`Reading project ${id} failed: ${explainFailure(err, 'resourcemanager.projects.get')}`);
      }
    }),
  );
  return { byNumber, problems };
}
