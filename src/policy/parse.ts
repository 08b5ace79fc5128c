/** Policy text (YAML or JSON) validated against the JSON Schema; problems become `invalid-spec` findings at their line. */
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { invalidSpec, quote } from '../spec/finding.ts';
import { parseTree, toJs } from '../spec/yaml-tree.ts';
import type { YNode } from '../spec/yaml-tree.ts';
import { RULES } from '../types.ts';
import type { Finding, RuleId } from '../types.ts';
import { emptyPolicy, policyFailure } from './model.ts';
import type { Policy, PolicyException, SeverityOverride } from './model.ts';
import { FAIL_CLOSED_RULES, POLICY_SCHEMA } from './schema.ts';

/** At most this many problems are reported for one policy file. */
const MAX_PROBLEMS = 50;

const TOP_KEYS = ['exceptions', 'severity', 'projects', 'allowedProjects', 'serviceAccounts'];
const EXCEPTION_KEYS = ['rule', 'address', 'resource', 'reason', 'expires'];

/** Validates policy text (YAML or JSON); `file` is used in findings. */
export function parsePolicy(source: string, file: string, validate: ValidateFunction): { policy: Policy; findings: Finding[] } {
  const tree = parseTree(source);
  if (!tree.ok) return policyFailure(file, tree.line, `Policy file: ${tree.message}`);
  const root = tree.root;
  if (root === null) return { policy: emptyPolicy(file), findings: [] };
  if (root.kind !== 'map') {
    return policyFailure(file, root.line, `Policy file: it must be a mapping with keys such as exceptions: and severity:, got ${root.kind === 'seq' ? 'a list' : 'a single value'}`);
  }
  const value = toJs(root) as Record<string, unknown>;
  const problems = new Map<string, { line: number; message: string }>();
  const report = (line: number, message: string) => problems.set(`${line}\u0000${message}`, { line, message });
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      if (error.schemaPath.includes('/oneOf/')) continue; // explained by the oneOf error itself
      if (error.keyword === 'if') continue; // explained by the `then` error itself
      const { line, message } = explain(error, root, value);
      report(line, message);
    }
  }
  const exceptions = Array.isArray(value['exceptions']) ? (value['exceptions'] as unknown[]) : [];
  exceptions.forEach((item, index) => {
    const expires = (item as Record<string, unknown> | null)?.['expires'];
    if (typeof expires === 'string' && new RegExp(POLICY_SCHEMA.properties.exceptions.items.properties.expires.pattern).test(expires) && !isCalendarDate(expires)) {
      report(lineAt(root, ['exceptions', index, 'expires']), `exceptions[${index}].expires ${quote(expires)} is not a calendar date; write an existing day as YYYY-MM-DD`);
    }
  });
  if (problems.size > 0) {
    const sorted = [...problems.values()].sort((a, b) => a.line - b.line).slice(0, MAX_PROBLEMS);
    return { policy: emptyPolicy(file), findings: sorted.map((p) => invalidSpec(file, p.line, `Policy file: ${p.message}`)) };
  }
  return { policy: toPolicy(value, root, file), findings: [] };
}

function toPolicy(value: Record<string, unknown>, root: YNode, file: string): Policy {
  const policy = emptyPolicy(file);
  const exceptions = (value['exceptions'] ?? []) as Record<string, string>[];
  exceptions.forEach((item, index) => {
    const exception: PolicyException = {
      rule: item['rule'] as RuleId,
      reason: (item['reason'] as string).trim(),
      line: lineAt(root, ['exceptions', index]),
    };
    if (item['address'] !== undefined) exception.address = item['address'];
    if (item['resource'] !== undefined) exception.resource = item['resource'];
    if (item['expires'] !== undefined) exception.expires = item['expires'];
    policy.exceptions.push(exception);
  });
  const severity = (value['severity'] ?? {}) as Record<string, SeverityOverride>;
  for (const rule of RULES) if (severity[rule] !== undefined) policy.severity[rule] = severity[rule];
  policy.projects = [...((value['projects'] ?? []) as string[])];
  policy.allowedProjects = ((value['allowedProjects'] ?? []) as string[]).map((pattern, index) => ({ pattern, line: lineAt(root, ['allowedProjects', index]) }));
  for (const [spec, account] of Object.entries((value['serviceAccounts'] ?? {}) as Record<string, string>)) {
    policy.serviceAccounts[normalizeSpecPath(spec)] = account;
  }
  return policy;
}

/** A spec path as the spec stage reports it: POSIX, relative, no `./`. */
export function normalizeSpecPath(spec: string): string {
  return path.posix.normalize(spec.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
}

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

// ---- ajv error → line and actionable message ----

type Segment = string | number;

function pointerSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Line of the node at `segments` (the key's line for a mapping entry); the deepest existing node's line otherwise. */
function lineAt(root: YNode, segments: Segment[]): number {
  let node: YNode = root;
  let line = root.line;
  for (const segment of segments) {
    if (node.kind === 'map') {
      const entry = node.entries.find((e) => e.key === String(segment));
      if (!entry) return line;
      node = entry.value;
      line = entry.keyLine;
    } else if (node.kind === 'seq' && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) return line;
      node = item;
      line = item.line;
    } else {
      return line;
    }
  }
  return line;
}

function valueAt(value: unknown, segments: Segment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

/** `exceptions[0].expires`, `severity.public-access`, `serviceAccounts["specs/a.yaml"]`. */
function where(segments: Segment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${quote(segment)}]`;
  }
  return text || 'the top level';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'an empty value';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function explain(error: ErrorObject, root: YNode, value: unknown): { line: number; message: string } {
  const segments = pointerSegments(error.instancePath);
  const here = where(segments);
  const got = describe(valueAt(value, segments));
  const parent = segments.at(-2);
  const last = segments.at(-1);
  const line = lineAt(root, segments);

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params['additionalProperty']);
      const keyLine = lineAt(root, [...segments, key]);
      if (segments.length === 1 && segments[0] === 'severity') {
        return { line: keyLine, message: `unknown rule ${quote(key)} in severity${suggest(key, RULES)}; rules are ${RULES.join(', ')}` };
      }
      const allowed = segments.length === 0 ? TOP_KEYS : EXCEPTION_KEYS;
      return { line: keyLine, message: `unknown key ${quote(key)} in ${here}${suggest(key, allowed)}; allowed keys: ${allowed.join(', ')}` };
    }
    case 'required': {
      const missing = String(error.params['missingProperty']);
      if (missing === 'reason') {
        return { line, message: `${here} has no "reason"; every exception needs one, e.g. reason: Public status page, reviewed in SEC-1042` };
      }
      if (missing === 'resource' && error.schemaPath.includes('/then/')) {
        const rule = String(valueAt(value, [...segments, 'rule']));
        return {
          line: lineAt(root, [...segments, 'address']),
          message: `${here} excepts ${rule} by address; ${rule} is fail-closed (${FAIL_CLOSED_RULES.join(', ')}), so an exception may cover it only for one exact "resource" (e.g. projects/p/locations/us-central1/services/s), never a whole address`,
        };
      }
      if (missing === 'rule') {
        return { line, message: `${here} has no "rule"; name the rule to except, e.g. rule: public-access` };
      }
      return { line, message: `${here} has no ${quote(missing)}; add it` };
    }
    case 'oneOf': {
      const item = valueAt(value, segments) as Record<string, unknown>;
      if (item && item['address'] !== undefined && item['resource'] !== undefined) {
        return { line, message: `${here} names both "address" and "resource"; keep exactly one of them` };
      }
      return {
        line,
        message: `${here} names no backend; add "address" (the URL exactly as in the spec) or "resource" (e.g. projects/p/locations/us-central1/services/s)`,
      };
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map(String);
      if (last === 'rule') {
        const given = String(valueAt(value, segments));
        return { line, message: `unknown rule ${quote(given)} in ${here}${suggest(given, RULES)}; rules are ${RULES.join(', ')}` };
      }
      return { line, message: `${here} must be one of ${allowed.join(', ')}; got ${got}` };
    }
    case 'not':
      if (parent === 'severity' && typeof last === 'string' && FAIL_CLOSED_RULES.includes(last as RuleId)) {
        return { line, message: `${here} cannot be overridden: ${last} findings are always errors (the gate fails closed; nothing in a pull request may lower them); remove this line` };
      }
      return { line, message: `${here} is not allowed here; got ${got}` };
    case 'type':
    case 'pattern':
    case 'minLength':
      return { line, message: fieldMessage(segments, here, got, error) };
    case 'uniqueItems': {
      const index = Math.max(Number(error.params['i']), Number(error.params['j']));
      const item = describe(valueAt(value, [...segments, index]));
      return { line: lineAt(root, [...segments, index]), message: `${here} lists ${item} twice; remove one` };
    }
    default:
      return { line, message: `${here} ${error.message ?? 'is invalid'}; got ${got}` };
  }
}

function fieldMessage(segments: Segment[], here: string, got: string, error: ErrorObject): string {
  const last = segments.at(-1);
  const first = segments[0];
  if (segments.length === 1 && first === 'exceptions') return `exceptions must be a list (- rule: ...), got ${got}`;
  if (segments.length === 1 && (first === 'severity' || first === 'serviceAccounts')) return `${here} must be a mapping, got ${got}`;
  if (segments.length === 1 && first === 'projects') return `projects must be a list of project IDs, e.g. [shop-prod, shop-data]; got ${got}`;
  if (first === 'exceptions' && segments.length === 2) return `${here} must be a mapping with rule, address or resource, and reason; got ${got}`;
  if (last === 'expires') return `${here} must be a date written YYYY-MM-DD, e.g. 2027-03-31; got ${got}`;
  if (last === 'reason') return `${here} must be a non-empty text saying why the finding is accepted; got ${got}`;
  if (last === 'address' || last === 'resource') return `${here} must be a non-empty text, exactly as reported; got ${got}`;
  if (segments.length === 1 && first === 'allowedProjects') return `allowedProjects must be a list of project IDs or patterns, e.g. [shop-prod, shop-*]; got ${got}`;
  if (first === 'allowedProjects') return `${here} must be a project ID or a pattern with * (lowercase letters, digits, hyphens, e.g. shop-prod or shop-*); got ${got}`;
  if (first === 'projects') return `${here} must be a project ID (6-30 lowercase letters, digits and hyphens, e.g. shop-prod); got ${got}`;
  if (first === 'serviceAccounts') return `${here} must be a service account email (NAME@PROJECT.iam.gserviceaccount.com); got ${got}`;
  if (first === '$schema') return `$schema must be a URL; got ${got}`;
  return `${here} ${error.message ?? 'is invalid'}; got ${got}`;
}

/** ` (did you mean "x"?)` for a close spelling (edit distance ≤ 2, or case only). */
function suggest(given: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const distance = option.toLowerCase() === given.toLowerCase() ? 0 : editDistance(given, option);
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean ${quote(best)}?)`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 3;
}
