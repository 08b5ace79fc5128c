import { CORE_SCHEMA, EVENT_ID, YAMLException, constructFromEvents, getScalarValue, parseEvents } from 'js-yaml';
import type { DocumentEvent, Event, PopEvent, ScalarEvent } from 'js-yaml';
import { quote } from './finding.ts';

/** A scalar with its decoded text; `scalarValue` gives its typed value. */
export interface YScalar {
  kind: 'scalar';
  line: number;
  text: string;
  event: ScalarEvent;
  source: string;
}
/** A mapping; keys are unique strings, in source order. */
export interface YMap {
  kind: 'map';
  line: number;
  /** Entries in source order (merged `<<` entries first). */
  entries: YEntry[];
}
export interface YSeq {
  kind: 'seq';
  line: number;
  items: YNode[];
}
/** A node of the document, with 1-based source lines. An alias is the anchored node itself, shared. */
export type YNode = YScalar | YMap | YSeq;
export interface YEntry {
  key: string;
  keyLine: number;
  value: YNode;
}

/** The parsed document (`root` null when it has no content), or the first problem and its line. */
export type ParseResult = { ok: true; root: YNode | null } | { ok: false; line: number; message: string };

const MAX_DEPTH = 100;
/** Nodes that aliases may add to a document: a billion-laughs file stops here, real specs never get close. */
const MAX_ALIAS_NODES = 1_000_000;

class TreeError extends Error {
  line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/** Parses YAML or JSON text into a tree with source lines. Never throws for bad input. */
export function parseTree(source: string): ParseResult {
  // JSON is YAML, but JSON.parse names the mistake in terms a JSON author expects.
  const jsonError = /^\s*[{[]/.test(source) ? jsonSyntaxError(source) : undefined;
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth: MAX_DEPTH });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const line = error.mark ? error.mark.line + 1 : 1;
    if (jsonError) return { ok: false, line: jsonError.line ?? line, message: jsonError.message };
    if (error.reason.startsWith('nesting exceeded')) {
      return { ok: false, line, message: `the document nests deeper than ${MAX_DEPTH} levels; flatten it` };
    }
    return { ok: false, line, message: `invalid YAML: ${error.reason.slice(0, 300)}; fix the syntax at this line` };
  }
  try {
    return { ok: true, root: buildTree(events, source) };
  } catch (error) {
    if (!(error instanceof TreeError)) throw error;
    return { ok: false, line: error.line, message: error.message };
  }
}

function jsonSyntaxError(source: string): { line?: number; message: string } | undefined {
  try {
    JSON.parse(source);
    return undefined;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(text)?.[1];
    return {
      ...(position === undefined ? {} : { line: lineIndex(source)(Number(position)) }),
      message: `invalid JSON: ${text.slice(0, 300)}; fix the syntax at this line`,
    };
  }
}

/** Returns offset → 1-based line. */
function lineIndex(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

interface MapFrame {
  node: YMap;
  anchor: string | undefined;
  key: { text: string; line: number } | undefined;
  seen: Map<string, number>;
}
interface SeqFrame {
  node: YSeq;
  anchor: string | undefined;
}

function buildTree(events: Event[], source: string): YNode | null {
  const lineOf = lineIndex(source);
  const anchors = new Map<string, YNode>();
  const stack: (MapFrame | SeqFrame)[] = [];
  let documents = 0;
  let root: YNode | null = null;
  let aliases = 0;
  let firstAliasLine = 1;
  // Entries merge keys copy, counted against the alias budget before they are copied.
  const merges = { entries: 0 };

  const anchorOf = (event: { anchorStart: number; anchorEnd: number }) =>
    event.anchorStart >= 0 ? source.slice(event.anchorStart, event.anchorEnd) : undefined;
  // Lines of nodes without a source position (an empty value) fall back to their key or parent.
  const contextLine = () => {
    const top = stack.at(-1);
    if (!top) return 1;
    return 'key' in top && top.key ? top.key.line : top.node.line;
  };

  const attach = (node: YNode) => {
    const top = stack.at(-1);
    if (!top) {
      if (documents === 1) root = node;
      return;
    }
    if (top.node.kind === 'seq') {
      top.node.items.push(node);
      return;
    }
    const frame = top as MapFrame;
    if (frame.key) {
      frame.node.entries.push({ key: frame.key.text, keyLine: frame.key.line, value: node });
      frame.key = undefined;
      return;
    }
    if (node.kind !== 'scalar') {
      throw new TreeError(node.line, 'a mapping key is a list or mapping; OpenAPI keys must be strings');
    }
    const first = frame.seen.get(node.text);
    if (first !== undefined) {
      throw new TreeError(
        node.line,
        `duplicate key ${quote(node.text)} (first at line ${first}); remove one of them`,
      );
    }
    frame.seen.set(node.text, node.line);
    frame.key = { text: node.text, line: node.line };
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        documents++;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const line = lineOf(event.start);
        if (stack.length === 0 && documents > 1) throw multipleDocuments(line);
        const anchor = anchorOf(event);
        if (event.type === EVENT_ID.MAPPING) {
          stack.push({ node: { kind: 'map', line, entries: [] }, anchor, key: undefined, seen: new Map() });
        } else {
          stack.push({ node: { kind: 'seq', line, items: [] }, anchor });
        }
        break;
      }
      case EVENT_ID.SCALAR: {
        const line = event.valueStart >= 0 ? lineOf(event.valueStart) : contextLine();
        const anchor = anchorOf(event);
        if (stack.length === 0 && documents > 1) {
          // A trailing `---` with nothing after it is harmless; a second document with content is not.
          if (event.valueStart < 0 && anchor === undefined && event.tagStart < 0) break;
          throw multipleDocuments(line);
        }
        const node: YScalar = { kind: 'scalar', line, text: getScalarValue(source, event), event, source };
        if (anchor !== undefined) anchors.set(anchor, node);
        attach(node);
        break;
      }
      case EVENT_ID.ALIAS: {
        const line = lineOf(event.anchorStart);
        if (stack.length === 0 && documents > 1) throw multipleDocuments(line);
        const name = source.slice(event.anchorStart, event.anchorEnd);
        const target = anchors.get(name);
        if (!target) {
          throw new TreeError(line, `alias ${quote(`*${name}`)} has no anchor defined before it`);
        }
        if (aliases++ === 0) firstAliasLine = line;
        attach(target);
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (!frame) break; // end of a document
        if (frame.node.kind === 'map') applyMergeKey(frame.node, merges);
        // Registered only once complete, so an alias can never point into its own anchor (no cycles).
        if (frame.anchor !== undefined) anchors.set(frame.anchor, frame.node);
        attach(frame.node);
        break;
      }
    }
  }
  if (root && (aliases > 0 || merges.entries > 0)) checkExpansion(root, firstAliasLine);
  return root;
}

/**
 * YAML merge keys (`<<: *defaults`, or a list of them), as YAML 1.1 tools and API Gateway's config
 * parser read them: the merged mappings' entries are added where the mapping does not set the key itself
 * (earlier sources win over later ones). Merged entries keep the lines where they were written.
 */
function applyMergeKey(map: YMap, merges: { entries: number }): void {
  const index = map.entries.findIndex((entry) => entry.key === '<<' && entry.value.kind !== 'scalar');
  if (index < 0) return;
  const merge = map.entries[index] as YEntry;
  const sources = merge.value.kind === 'map' ? [merge.value] : merge.value.kind === 'seq' ? merge.value.items : [];
  if (sources.some((source) => source.kind !== 'map')) {
    throw new TreeError(merge.keyLine, 'a merge key (<<) must name a mapping or a list of mappings');
  }
  // The list itself and every entry it would copy count, before anything is copied: a few anchors merged
  // many times (or one merged many times over in a list) cannot grow the tree past the alias budget.
  merges.entries += sources.length;
  for (const source of sources as YMap[]) merges.entries += source.entries.length;
  if (merges.entries > MAX_ALIAS_NODES) throw aliasBomb(merge.keyLine, 'merge keys (<<)');
  const own = map.entries.filter((_, i) => i !== index);
  const keys = new Set(own.map((entry) => entry.key));
  const merged: YEntry[] = [];
  for (const source of sources as YMap[]) {
    for (const entry of source.entries) {
      if (keys.has(entry.key)) continue;
      keys.add(entry.key);
      merged.push(entry);
    }
  }
  map.entries = [...merged, ...own];
}

function aliasBomb(line: number, what: string): TreeError {
  return new TreeError(
    line,
    `YAML ${what} expand to more than ${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes (an alias bomb); write the document without such aliases`,
  );
}

function multipleDocuments(line: number): TreeError {
  return new TreeError(
    line,
    'the file holds more than one YAML document (---); an API Gateway config file must hold exactly one OpenAPI document',
  );
}

function children(node: YNode): YNode[] {
  if (node.kind === 'map') return node.entries.map((entry) => entry.value);
  if (node.kind === 'seq') return node.items;
  return [];
}

/** Rejects alias bombs and alias-built nesting; iterative, as expanded depth is unbounded. */
function checkExpansion(root: YNode, line: number): void {
  const measured = new Map<YNode, { size: number; depth: number }>();
  let realNodes = 0;
  const stack: { node: YNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const { node, expanded } = stack.pop()!;
    if (measured.has(node)) continue;
    const kids = children(node);
    if (!expanded) {
      stack.push({ node, expanded: true });
      for (const kid of kids) if (!measured.has(kid)) stack.push({ node: kid, expanded: false });
      continue;
    }
    let size = 1;
    let depth = 0;
    for (const kid of kids) {
      const m = measured.get(kid)!;
      size += m.size;
      depth = Math.max(depth, m.depth);
    }
    measured.set(node, { size, depth: depth + 1 });
    realNodes++;
  }
  const total = measured.get(root)!;
  if (total.size - realNodes > MAX_ALIAS_NODES) throw aliasBomb(line, 'aliases');
  if (total.depth > MAX_DEPTH) {
    throw new TreeError(line, `aliases nest the document deeper than ${MAX_DEPTH} levels; write it without them`);
  }
}

const DOCUMENT: DocumentEvent = { type: EVENT_ID.DOCUMENT, explicitStart: false, explicitEnd: false, directives: [] };
const POP: PopEvent = { type: EVENT_ID.POP };

/** Typed value of a scalar (core schema: `true`, `5`, `null`, explicit tags); its text if the tag cannot construct it. */
function scalarValue(node: YScalar): unknown {
  try {
    return constructFromEvents([DOCUMENT, node.event, POP], { source: node.source, schema: CORE_SCHEMA })[0];
  } catch {
    return node.text;
  }
}

/** Plain JavaScript value of a node (small subtrees only; expansion is bounded by `checkExpansion`). */
export function toJs(node: YNode): unknown {
  if (node.kind === 'scalar') return scalarValue(node);
  if (node.kind === 'seq') return node.items.map(toJs);
  const object: Record<string, unknown> = Object.create(null);
  for (const entry of node.entries) object[entry.key] = toJs(entry.value);
  return object;
}

/** Key indexes of large mappings, by entry list (a list replaced by a merge gets its own). */
const indexes = new WeakMap<YEntry[], Map<string, YEntry>>();
const INDEX_FROM = 16;

/** The entry of `key` in a mapping, if the node is one (large mappings are indexed: lookups stay constant-time). */
export function entryOf(node: YNode | undefined, key: string): YEntry | undefined {
  if (node?.kind !== 'map') return undefined;
  if (node.entries.length < INDEX_FROM) return node.entries.find((entry) => entry.key === key);
  let index = indexes.get(node.entries);
  if (!index || index.size !== node.entries.length) {
    index = new Map(node.entries.map((entry) => [entry.key, entry]));
    indexes.set(node.entries, index);
  }
  return index.get(key);
}
