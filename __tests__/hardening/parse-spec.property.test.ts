/**
 * Issue 8: a property test of the spec reader. `parseSpec` on arbitrary strings, on arbitrary JSON
 * values written as JSON and YAML, and on mutations of the valid fixture specs never throws, always
 * returns `{ backends, findings }` whose invalid-spec findings sit at a positive integer line, and
 * finishes (each call under a second). Issue 16 adds merge keys (the merged result, and the alias budget
 * counted before expanding) and `$ref` chains (operations along each chain, cycles, dangling and over-long
 * chains) against a model of the rule.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { FIXTURES } from '../e2e/harness.ts';
import { parseSpec } from '../../src/spec/index.ts';

const FILE = 'specs/openapi.yaml';
const PER_CALL_MS = 1_000;
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const params = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

/** Runs parseSpec and checks every invariant; returns the result for more specific checks. */
function checked(text: string, budgetMs = PER_CALL_MS): ReturnType<typeof parseSpec> {
  const started = performance.now();
  const result = parseSpec(text, FILE); // throwing fails the property
  const elapsed = performance.now() - started;
  assert.ok(elapsed < budgetMs, `parseSpec took ${elapsed.toFixed(0)} ms on ${text.length} chars`);
  assert.ok(result && Array.isArray(result.backends) && Array.isArray(result.findings), 'returns { backends, findings }');
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const finding of result.findings) {
    assert.equal(typeof finding.message, 'string');
    assert.ok(finding.message.length > 0);
    if (finding.rule !== 'invalid-spec') continue;
    assert.equal(finding.severity, 'error');
    assert.equal(finding.file, FILE);
    assert.ok(Number.isInteger(finding.line) && (finding.line as number) >= 1, `invalid-spec line ${finding.line}`);
    assert.ok((finding.line as number) <= lines + 1, `line ${finding.line} past the end (${lines} lines)`);
  }
  for (const backend of result.backends) {
    assert.equal(typeof backend.address, 'string');
    assert.equal(backend.file, FILE);
    assert.ok(Number.isInteger(backend.line) && backend.line >= 1 && backend.line <= lines + 1, `backend line ${backend.line}`);
    assert.ok(Array.isArray(backend.operations));
  }
  // Never a silent nothing: text that is not an OpenAPI document always yields a finding.
  if (result.findings.length === 0) assert.match(text, /swagger|openapi/, 'no finding for a non-OpenAPI text');
  return result;
}

const yamlish = fc.constantFrom(
  ...[':', ': ', '- ', '-', '?', '&a ', '*a', '&b ', '*b', '!!binary ', '!!str ', '!<tag:x> ', '<<: *a', '[', ']', '{', '}', ',', '"', "'", '|', '>', '#', '%YAML 1.2\n', '---\n', '...\n', '\n', '\r\n', '  ', '\t', '\\', '\u0000', '\uFEFF', '\u2028', '\uD800', 'swagger: "2.0"\n', 'openapi: 3.1.0\n', 'x-google-backend:', 'address: ', '$ref: ', 'paths:', 'get:'],
);
/** Strings biased towards YAML syntax, plus arbitrary Unicode (lone surrogates included). */
const yamlText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.oneof(yamlish, fc.string({ maxLength: 4 })), maxLength: 60 }),
);

test('arbitrary strings: never throws, always a well-formed result', () => {
  fc.assert(fc.property(yamlText, (text) => void checked(text)), params(1_500));
});

/** JSON values that may look like OpenAPI: some with a version and x-google-backend at the top. */
const jsonValue = fc.jsonValue({ maxDepth: 6 });
const specLike = fc.record(
  {
    swagger: fc.constantFrom('2.0', 2, '3.0', null),
    openapi: fc.constantFrom('3.0.3', '3.1.0', '3.2', 3, true),
    info: jsonValue,
    'x-google-backend': fc.oneof(jsonValue, fc.record({ address: fc.oneof(fc.webUrl(), jsonValue) }, { requiredKeys: [] }), fc.string()),
    'x-google-api-management': fc.oneof(jsonValue, fc.record({ backends: fc.dictionary(fc.string(), fc.oneof(jsonValue, fc.record({ address: fc.oneof(fc.webUrl(), jsonValue) }))) })),
    paths: fc.oneof(jsonValue, fc.dictionary(fc.string(), fc.dictionary(fc.constantFrom('get', 'post', 'x', 'trace'), fc.oneof(jsonValue, fc.record({ 'x-google-backend': jsonValue }))))),
  },
  { requiredKeys: [] },
);
const anyJson = fc.oneof(jsonValue, specLike);

test('arbitrary JSON values written as JSON: never throws, always a well-formed result', () => {
  fc.assert(
    fc.property(anyJson, fc.boolean(), (value, pretty) => void checked(JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'null')),
    params(800),
  );
});

test('arbitrary JSON values written as YAML: never throws, always a well-formed result', () => {
  fc.assert(
    fc.property(anyJson, (value) => {
      let text: string;
      try {
        text = dump(value);
      } catch {
        return; // the dumper refused (e.g. undefined): nothing to parse
      }
      checked(text);
    }),
    params(800),
  );
});

const fixtures = ['orders.yaml', 'orders-oas3.yaml', 'inventory-oas31.yaml', 'orders.json', 'orders.min.json'].map((name) =>
  readFileSync(path.join(FIXTURES, 'specs', name), 'utf8'),
);

test('control: every fixture spec parses to backends and no finding', () => {
  for (const text of fixtures) {
    const result = checked(text);
    assert.ok(result.backends.length > 0);
    assert.deepEqual(result.findings, []);
  }
});

/** One edit of a text: delete, insert, replace, duplicate or swap lines, re-indent. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(yamlish, fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.oneof(yamlish, fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  const lines = text.split('\n');
  const line = lines.length === 0 ? 0 : m.at % lines.length;
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + 1);
    case 'dupLine':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    case 'swapLines': {
      const other = m.with % lines.length;
      [lines[line], lines[other]] = [lines[other] ?? '', lines[line] ?? ''];
      return lines.join('\n');
    }
    case 'indent': {
      const current = lines[line] ?? '';
      lines[line] = m.by >= 0 ? ' '.repeat(m.by) + current : current.replace(new RegExp(`^ {0,${-m.by}}`), '');
      return lines.join('\n');
    }
  }
}

test('mutated valid specs: never throws, always a well-formed result', () => {
  fc.assert(
    fc.property(fc.nat({ max: fixtures.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (index, mutations) => {
      checked(mutations.reduce(mutate, fixtures[index]!));
    }),
    params(1_200),
  );
});

// ---- Issue 16: merge keys and $ref chains ----

const URLS = ['https://a-abc123-uc.a.run.app', 'https://b-abc123-uc.a.run.app', 'https://c-abc123-uc.a.run.app'];

/**
 * Anchored mappings, some with an address, that the backend merges as a list (maybe with its own address);
 * and large anchors merged many times over elsewhere, sometimes past the alias budget.
 */
const mergeDocument = fc.record({
  anchors: fc.array(fc.record({ address: fc.option(fc.nat({ max: URLS.length - 1 }), { nil: undefined }), deadline: fc.boolean() }), { minLength: 1, maxLength: 5 }),
  merges: fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 8 }),
  own: fc.option(fc.nat({ max: URLS.length - 1 }), { nil: undefined }),
  big: fc.array(fc.nat({ max: 1_500 }), { minLength: 1, maxLength: 4 }),
  list: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 100 }),
  copies: fc.nat({ max: 100 }),
});
type MergeDocument = typeof mergeDocument extends fc.Arbitrary<infer D> ? D : never;

function mergeText(d: MergeDocument): { text: string; merged: number } {
  const anchors = d.anchors.map((a, i) => {
    const keys = [...(a.address === undefined ? [] : [`address: ${URLS[a.address]}`]), ...(a.deadline ? [`deadline: ${10 + i}`] : [])];
    return `  d${i}: &d${i} {${keys.join(', ')}}`;
  });
  const big = d.big.map((size, i) => `  b${i}: &b${i} {${Array.from({ length: size }, (_, k) => `k${k}: ${k}`).join(', ')}}`);
  const list = d.merges.map((m) => `*d${m % d.anchors.length}`).join(', ');
  const bigList = d.list.map((m) => `*b${m % d.big.length}`).join(', ');
  const own = d.own === undefined ? '' : `, address: ${URLS[d.own]}`;
  // What merging copies: each list itself and every entry of every source, once per mapping that merges.
  const backendSources = d.merges.map((m) => d.anchors[m % d.anchors.length]!);
  const backend = backendSources.length + backendSources.reduce((sum, a) => sum + (a.address === undefined ? 0 : 1) + (a.deadline ? 1 : 0), 0);
  const perCopy = d.list.length + d.list.reduce((sum, m) => sum + d.big[m % d.big.length]!, 0);
  const text = [
    'swagger: "2.0"',
    'info: { title: t, version: "1" }',
    'x-defs:',
    ...anchors,
    ...big,
    `x-google-backend: {<<: [${list}]${own}}`,
    'x-copies:',
    ...Array.from({ length: d.copies }, () => `  - {<<: [${bigList}]}`),
    'paths: { /o: { get: { responses: { "200": { description: ok } } } } }',
    '',
  ].join('\n');
  return { text, merged: backend + perCopy * d.copies };
}

test('merge keys: own keys win, then earlier sources; past the alias budget an invalid-spec, never a slow parse', () => {
  fc.assert(
    fc.property(mergeDocument, (d) => {
      const { text, merged } = mergeText(d);
      // Up to a million merged entries are real work (a quarter of a second alone): a wider budget.
      const result = checked(text, 3_000);
      if (merged > 1_000_000) {
        assert.match(result.findings[0]?.message ?? '', /merge keys \(<<\) expand to more than 1,000,000 nodes/);
        assert.deepEqual(result.backends, []);
        return;
      }
      const sources = d.merges.map((m) => d.anchors[m % d.anchors.length]!);
      const address = d.own ?? sources.find((a) => a.address !== undefined)?.address;
      if (address === undefined) {
        assert.ok(result.findings.some((f) => f.rule === 'invalid-spec'), 'a backend without an address is reported');
        return;
      }
      assert.deepEqual(result.findings, []);
      assert.deepEqual(result.backends.map((b) => b.address), [URLS[address]]);
      const deadline = sources.findIndex((a) => a.deadline);
      const expected = deadline < 0 ? undefined : 10 + (d.merges[deadline]! % d.anchors.length);
      assert.equal(result.backends[0]?.deadline, expected);
    }),
    params(80),
  );
});

/** Path items that may refer to each other by `$ref` (chains, cycles, dangling references) and may hold a method. */
const refGraph = fc.array(
  fc.record({ ref: fc.option(fc.integer({ min: -1, max: 60 }), { nil: undefined }), method: fc.option(fc.constantFrom('get', 'post'), { nil: undefined }) }),
  { minLength: 1, maxLength: 60 },
);

/** Operations the reader must find, per the rule: a path's own methods, then those along its `$ref` chain. */
function expectedOperations(items: Array<{ ref?: number; method?: string }>): { operations: string[]; tooLong: boolean; dangling: boolean } {
  const operations: string[] = [];
  let tooLong = false;
  let dangling = false;
  items.forEach((_, start) => {
    const seen = new Set<string>();
    const visited = new Set<number>();
    let refs = 0;
    for (let i: number | undefined = start; i !== undefined && !visited.has(i); ) {
      visited.add(i);
      const item: { ref?: number; method?: string } = items[i]!;
      if (item.method && !seen.has(item.method)) {
        seen.add(item.method);
        operations.push(`${item.method.toUpperCase()} /p${start}`);
      }
      if (item.ref === undefined) break;
      if (++refs > 16) {
        tooLong = true;
        break;
      }
      if (item.ref < 0 || item.ref >= items.length) {
        dangling = true;
        break;
      }
      i = item.ref;
    }
  });
  return { operations, tooLong, dangling };
}

test('$ref chains: operations found along each chain (cycles once, at most 16 references), the rest invalid-spec', () => {
  fc.assert(
    fc.property(refGraph, fc.boolean(), (items, long) => {
      // Half the runs add a straight chain longer than the bound.
      const all = long ? [...items.map((item) => ({ ...item })), ...Array.from({ length: 20 }, (_, k) => ({ ref: items.length + k + 1, method: undefined as string | undefined })), { ref: undefined, method: 'get' }] : items;
      const lines = all.map((item, i) => {
        const parts = [
          ...(item.ref === undefined ? [] : [`$ref: "#/paths/~1p${item.ref}"`]),
          ...(item.method ? [`${item.method}: { responses: { "200": { description: ok } } }`] : []),
        ];
        return `  /p${i}: {${parts.join(', ')}}`;
      });
      const text = ['openapi: 3.1.0', 'info: { title: t, version: "1" }', `x-google-api-management: { backends: { b: { address: "${URLS[0]}" } } }`, 'x-google-backend: b', 'paths:', ...lines, ''].join('\n');
      const expected = expectedOperations(all);
      const result = checked(text);
      assert.deepEqual(result.backends[0]?.operations ?? [], expected.operations);
      const chained = result.findings.filter((f) => /chained \$refs/.test(f.message));
      assert.equal(chained.length, expected.tooLong ? 1 : 0);
      assert.equal(result.findings.some((f) => /does not point at a path item/.test(f.message)), expected.dangling);
      if (long) assert.ok(expected.tooLong);
    }),
    params(400),
  );
});
