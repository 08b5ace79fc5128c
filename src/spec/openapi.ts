import type { Backend, Finding } from '../types.ts';
import { readBackend } from './backend-config.ts';
import { invalidSpec, quote } from './finding.ts';
import { entryOf, parseTree } from './yaml-tree.ts';
import type { YEntry, YMap, YNode } from './yaml-tree.ts';

const OAS2_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch']);
const OAS3_METHODS = new Set([...OAS2_METHODS, 'trace']);
const SUPPORTED = 'API Gateway accepts swagger: "2.0" and openapi: 3.0.x or 3.1.x';

interface Operation {
  label: string;
  node: YMap;
}
export interface SpecResult {
  backends: Backend[];
  findings: Finding[];
}

/** Reads the backends of one OpenAPI document (YAML or JSON text); `file` is the path shown in findings. */
export function parseSpec(text: string, file: string): SpecResult {
  if (text.trim() === '') {
    return fail(file, 1, 'the file is empty; point the spec input at the OpenAPI document of the API config');
  }
  const parsed = parseTree(text);
  if (!parsed.ok) return fail(file, parsed.line, parsed.message);
  const root = parsed.root;
  if (!root) return fail(file, 1, 'the file holds no YAML or JSON content, only comments or blank lines');
  if (root.kind !== 'map') {
    return fail(file, root.line, `not an OpenAPI document: the top level is not a mapping; ${SUPPORTED}`);
  }

  const swagger = entryOf(root, 'swagger');
  const openapi = entryOf(root, 'openapi');
  if (swagger && openapi) {
    return fail(file, openapi.keyLine, 'the document declares both "swagger" and "openapi"; keep the one it is written in');
  }
  const version = swagger ?? openapi;
  if (!version) {
    return fail(file, 1, `not an OpenAPI document: no "swagger" or "openapi" version at the top level; ${SUPPORTED}`);
  }
  const versionText = version.value.kind === 'scalar' ? version.value.text : '';
  const supported = swagger ? versionText === '2.0' : /^3\.[01](\.\d+)?$/.test(versionText);
  if (!supported) {
    return fail(file, version.keyLine, `unsupported version ${version.key}: ${quote(versionText)}; ${SUPPORTED}`);
  }

  const findings = externalRefs(root, file);
  const result = swagger ? swaggerBackends(root, file) : openApiBackends(root, file);
  findings.push(...result.findings);
  findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  result.backends.sort((a, b) => a.line - b.line);
  return { backends: result.backends, findings };
}

function fail(file: string, line: number, message: string): SpecResult {
  return { backends: [], findings: [invalidSpec(file, line, message)] };
}

/** Swagger 2.0: a backend per `x-google-backend` object; the top-level one serves operations without their own. */
function swaggerBackends(root: YMap, file: string): SpecResult {
  const findings: Finding[] = [];
  const read = (entry: YEntry): Backend | undefined => {
    if (entry.value.kind === 'scalar' && entry.value.text !== '') {
      findings.push(
        invalidSpec(
          file,
          entry.keyLine,
          `x-google-backend names a backend (${quote(entry.value.text)}), which only OpenAPI 3.x allows; in Swagger 2.0 write a mapping with "address" (and jwt_audience, path_translation, ...)`,
        ),
      );
      return undefined;
    }
    const place = { file, line: entry.keyLine, label: 'x-google-backend', style: 'oas2' as const };
    const result = readBackend(entry.value, place);
    findings.push(...result.findings);
    return result.config && { ...result.config, file, line: entry.keyLine, operations: [] };
  };

  const backends: Backend[] = [];
  const defaultEntry = entryOf(root, 'x-google-backend');
  const fallback = defaultEntry && read(defaultEntry);
  if (fallback) backends.push(fallback);
  for (const operation of operations(root, OAS2_METHODS, file, findings)) {
    const own = entryOf(operation.node, 'x-google-backend');
    if (!own) {
      fallback?.operations.push(operation.label);
      continue;
    }
    const backend = read(own);
    if (backend) backends.push({ ...backend, operations: [operation.label] });
  }
  return { backends, findings };
}

/**
 * OpenAPI 3.x: backends are declared in `x-google-api-management.backends`, and `x-google-backend` (root
 * default or operation) names one. Every declaration is validated; only the named ones are backends to
 * check, since API Gateway never calls a backend that nothing names.
 */
function openApiBackends(root: YMap, file: string): SpecResult {
  const findings: Finding[] = [];
  // Invalid declarations map to undefined: known names, but no Backend to route to.
  const declared = new Map<string, Backend | undefined>();
  const management = entryOf(root, 'x-google-api-management');
  const backendsEntry = entryOf(management?.value, 'backends');
  if (management && management.value.kind !== 'map') {
    findings.push(invalidSpec(file, management.keyLine, 'x-google-api-management must be a mapping (with "backends")'));
  } else if (backendsEntry && backendsEntry.value.kind !== 'map') {
    findings.push(
      invalidSpec(file, backendsEntry.keyLine, 'x-google-api-management.backends must be a mapping of backend names to backends'),
    );
  } else if (backendsEntry?.value.kind === 'map') {
    for (const entry of backendsEntry.value.entries) {
      const label = `backend ${quote(entry.key)}`;
      const result = readBackend(entry.value, { file, line: entry.keyLine, label, style: 'oas3' });
      findings.push(...result.findings);
      declared.set(
        entry.key,
        result.config && { ...result.config, file, line: result.addressLine, operations: [], name: entry.key },
      );
    }
  }

  const referenced = new Set<string>();
  const resolve = (entry: YEntry): Backend | undefined => {
    const { value } = entry;
    if (value.kind === 'map') {
      findings.push(
        invalidSpec(
          file,
          entry.keyLine,
          'in OpenAPI 3.x, x-google-backend must be the name of a backend declared in x-google-api-management.backends, not an object; move the object there under a name and write x-google-backend: NAME',
        ),
      );
      return undefined;
    }
    if (value.kind === 'seq') {
      findings.push(invalidSpec(file, entry.keyLine, 'x-google-backend must be the name of one backend, not a list'));
      return undefined;
    }
    if (!declared.has(value.text)) {
      const names = [...declared.keys()];
      const known = names.length > 0 ? `declared: ${quote(names.join(', '))}` : 'none is declared';
      findings.push(
        invalidSpec(
          file,
          entry.keyLine,
          `x-google-backend names ${quote(value.text)}, which is not declared in x-google-api-management.backends (${known}); declare it there or fix the name`,
        ),
      );
      return undefined;
    }
    referenced.add(value.text);
    return declared.get(value.text);
  };

  const defaultEntry = entryOf(root, 'x-google-backend');
  const fallback = defaultEntry && resolve(defaultEntry);
  for (const operation of operations(root, OAS3_METHODS, file, findings)) {
    const own = entryOf(operation.node, 'x-google-backend');
    const backend = own ? resolve(own) : fallback;
    backend?.operations.push(operation.label);
  }
  const backends = [...declared.entries()].filter(([name]) => referenced.has(name)).flatMap(([, backend]) => (backend ? [backend] : []));
  return { backends, findings };
}

/**
 * Operations under `paths`, in document order. A path item given by a `$ref` inside the document (e.g.
 * OpenAPI 3.1's `#/components/pathItems/...`) is followed, so that no backend hides behind one; its own
 * methods win over those of the item it refers to. A reference that leads nowhere is `invalid-spec`.
 */
function operations(root: YMap, methods: Set<string>, file: string, findings: Finding[]): Operation[] {
  const paths = entryOf(root, 'paths')?.value;
  if (paths?.kind !== 'map') return [];
  const found: Operation[] = [];
  let tooLong = false;
  const targets = new Map<string, YNode | undefined>();
  const target = (ref: string): YNode | undefined => {
    if (!targets.has(ref)) targets.set(ref, pointerTarget(root, ref));
    return targets.get(ref);
  };
  for (const path of paths.entries) {
    const seen = new Set<string>();
    const chain = pathItemChain(path.value, target, file, findings);
    if (chain.tooLong && !tooLong) {
      // One such finding already fails the gate: the others would only repeat it.
      tooLong = true;
      findings.push(invalidSpec(file, path.keyLine, `path ${quote(path.key)} goes through more than ${MAX_REF_CHAIN} chained $refs; refer to the path item itself`));
    }
    for (const item of chain.items) {
      for (const entry of item.entries) {
        if (!methods.has(entry.key) || entry.value.kind !== 'map' || seen.has(entry.key)) continue;
        seen.add(entry.key);
        found.push({ label: `${entry.key.toUpperCase()} ${path.key}`, node: entry.value });
      }
    }
  }
  return found;
}

/** How many `$ref`s one path item may go through; real documents use one or two. */
const MAX_REF_CHAIN = 16;

/** A path item and, through its `$ref`s, the items it refers to (each once, at most MAX_REF_CHAIN references). */
function pathItemChain(
  node: YNode,
  target: (ref: string) => YNode | undefined,
  file: string,
  findings: Finding[],
): { items: YMap[]; tooLong: boolean } {
  const chain: YMap[] = [];
  const visited = new Set<YNode>();
  for (let item: YNode | undefined = node; item?.kind === 'map' && !visited.has(item); ) {
    chain.push(item);
    visited.add(item);
    const ref = entryOf(item, '$ref');
    if (!ref) break;
    // External references are reported by externalRefs; the document cannot be followed there.
    if (ref.value.kind !== 'scalar' || !ref.value.text.startsWith('#')) break;
    if (chain.length > MAX_REF_CHAIN) return { items: chain, tooLong: true };
    item = target(ref.value.text);
    if (item?.kind !== 'map') {
      findings.push(invalidSpec(file, ref.keyLine, `$ref ${quote(ref.value.text)} does not point at a path item (a mapping) in this document; fix the reference`));
    }
  }
  return { items: chain, tooLong: false };
}

/** The node a JSON pointer `#/a/b` names in the document, if any. */
function pointerTarget(root: YMap, ref: string): YNode | undefined {
  let node: YNode | undefined = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (node?.kind === 'map') node = entryOf(node, segment)?.value;
    else if (node?.kind === 'seq' && /^\d+$/.test(segment)) node = node.items[Number(segment)];
    else return undefined;
  }
  return node;
}

/** API Gateway does not resolve `$ref`s to other files or URLs; every `$ref` must stay inside the document. */
function externalRefs(root: YNode, file: string): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<YNode>();
  const stack: YNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.kind === 'seq') for (const item of node.items) stack.push(item);
    if (node.kind !== 'map') continue;
    for (const entry of node.entries) {
      const { value } = entry;
      if (entry.key === '$ref' && value.kind === 'scalar' && !value.text.startsWith('#')) {
        findings.push(
          invalidSpec(
            file,
            entry.keyLine,
            `$ref ${quote(value.text)} points outside the document, and API Gateway does not resolve external references; bundle the spec into one file or inline the definition`,
          ),
        );
      }
      stack.push(value);
    }
  }
  return findings;
}
