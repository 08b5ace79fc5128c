import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseSpec } from '../../src/spec/index.ts';
import type { Backend } from '../../src/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/specs/${name}`, import.meta.url), 'utf8');

const ORDERS = 'https://orders-abc123-uc.a.run.app';
const PAYMENTS = 'https://payments-123456789012.us-central1.run.app';
const STATUS = 'https://status-abc123-uc.a.run.app/healthz';

/** The backends of fixtures/specs/orders.yaml, with the lines of its three x-google-backend keys. */
function ordersBackends(file: string, lines: [number, number, number]): Backend[] {
  return [
    {
      address: ORDERS,
      pathTranslation: 'APPEND_PATH_TO_ADDRESS',
      deadline: 15,
      file,
      line: lines[0],
      operations: ['GET /orders', 'POST /orders', 'GET /orders/{id}'],
    },
    {
      address: PAYMENTS,
      jwtAudience: PAYMENTS,
      pathTranslation: 'APPEND_PATH_TO_ADDRESS',
      protocol: 'h2',
      file,
      line: lines[1],
      operations: ['POST /orders/{id}/payment'],
    },
    {
      address: STATUS,
      pathTranslation: 'CONSTANT_ADDRESS',
      disableAuth: true,
      file,
      line: lines[2],
      operations: ['GET /healthz'],
    },
  ];
}

describe('parseSpec: valid documents', () => {
  const cases: { name: string; file: string; backends: Backend[] }[] = [
    { name: 'Swagger 2.0 YAML, default and overrides', file: 'orders.yaml', backends: ordersBackends('orders.yaml', [18, 69, 82]) },
    { name: 'Swagger 2.0 pretty JSON', file: 'orders.json', backends: ordersBackends('orders.json', [26, 102, 120]) },
    { name: 'Swagger 2.0 minified JSON', file: 'orders.min.json', backends: ordersBackends('orders.min.json', [1, 1, 1]) },
    {
      name: 'OpenAPI 3.0 backends map, root default and overrides; one declared but unused (not a backend)',
      file: 'orders-oas3.yaml',
      backends: [
        {
          name: 'orders',
          address: ORDERS,
          pathTranslation: 'APPEND_PATH_TO_ADDRESS',
          deadline: 15,
          file: 'orders-oas3.yaml',
          line: 9,
          operations: ['GET /orders', 'POST /orders'],
        },
        {
          name: 'payments',
          address: PAYMENTS,
          jwtAudience: PAYMENTS,
          protocol: 'h2',
          file: 'orders-oas3.yaml',
          line: 13,
          operations: ['POST /orders/{id}/payment', 'DELETE /orders/{id}/payment'],
        },
        // "legacy" is declared but named by nothing: API Gateway never calls it, so it is not checked.
      ],
    },
    {
      name: 'OpenAPI 3.1 in flow style, no root default',
      file: 'inventory-oas31.yaml',
      backends: [
        {
          name: 'inventory',
          address: 'https://inventory-987654321098.europe-west1.run.app',
          deadline: 30,
          file: 'inventory-oas31.yaml',
          line: 5,
          operations: ['GET /items', 'GET /items/{sku}', 'PUT /items/{sku}'],
        },
        {
          name: 'reports',
          address: 'https://reports-xyz789-ew.a.run.app',
          pathTranslation: 'CONSTANT_ADDRESS',
          disableAuth: false,
          file: 'inventory-oas31.yaml',
          line: 6,
          operations: ['GET /reports/daily'],
        },
      ],
    },
  ];
  for (const { name, file, backends } of cases) {
    it(name, () => {
      const result = parseSpec(fixture(file), file);
      assert.deepEqual(result.findings, []);
      assert.deepEqual(result.backends, backends);
    });
  }

  it('keeps backend fields in declaration order', () => {
    const payments = parseSpec(fixture('orders.yaml'), 'orders.yaml').backends[1]!;
    assert.deepEqual(Object.keys(payments), ['address', 'jwtAudience', 'pathTranslation', 'protocol', 'file', 'line', 'operations']);
  });

  it('outputs a Swagger 2.0 default that serves no operation', () => {
    const text = [
      'swagger: "2.0"',
      'x-google-backend:',
      `  address: ${ORDERS}`,
      'paths:',
      '  /a:',
      '    get:',
      '      x-google-backend:',
      `        address: ${PAYMENTS}`,
    ].join('\n');
    const { backends, findings } = parseSpec(text, 'api.yaml');
    assert.deepEqual(findings, []);
    assert.deepEqual(backends, [
      { address: ORDERS, file: 'api.yaml', line: 2, operations: [] },
      { address: PAYMENTS, file: 'api.yaml', line: 7, operations: ['GET /a'] },
    ]);
  });

  it('follows YAML aliases to a shared backend object', () => {
    const text = [
      'swagger: "2.0"',
      'paths:',
      '  /a:',
      '    get:',
      '      x-google-backend: &pay',
      `        address: ${PAYMENTS}`,
      '    post:',
      '      x-google-backend: *pay',
    ].join('\n');
    const { backends, findings } = parseSpec(text, 'api.yaml');
    assert.deepEqual(findings, []);
    assert.deepEqual(
      backends.map((b) => [b.line, b.operations]),
      [
        [5, ['GET /a']],
        [8, ['POST /a']],
      ],
    );
  });

  it('reads one backend shared by 2,000 operations', () => {
    const lines = ['swagger: "2.0"', 'x-google-backend:', `  address: ${ORDERS}`, 'paths:'];
    for (let i = 0; i < 1000; i++) {
      lines.push(`  /orders/${i}:`);
      for (const method of ['get', 'post']) {
        lines.push(`    ${method}:`, `      operationId: ${method}Order${i}`, '      responses:', '        "200":', '          description: OK');
      }
    }
    const { backends, findings } = parseSpec(lines.join('\n'), 'big.yaml');
    assert.deepEqual(findings, []);
    assert.equal(backends.length, 1);
    assert.equal(backends[0]!.operations.length, 2000);
    assert.equal(backends[0]!.operations[1999], 'POST /orders/999');
  });
});

const OAS2 = (...lines: string[]) => ['swagger: "2.0"', 'info: {title: t, version: "1"}', ...lines].join('\n');
const OAS3 = (...lines: string[]) => ['openapi: 3.0.3', 'info: {title: t, version: "1"}', ...lines].join('\n');
const BACKENDS = [
  'x-google-api-management:',
  '  backends:',
  '    orders:',
  `      address: ${ORDERS}`,
];

describe('parseSpec: invalid-spec findings', () => {
  const cases: { name: string; text: string; findings: [number, string][]; backends?: number }[] = [
    {
      name: 'OpenAPI 3.x with an object x-google-backend',
      text: OAS3(...BACKENDS, 'paths:', '  /a:', '    get:', '      x-google-backend:', `        address: ${ORDERS}`),
      findings: [[10, 'must be the name of a backend declared in x-google-api-management.backends, not an object']],
      backends: 0,
    },
    {
      name: 'OpenAPI 3.x naming an undeclared backend',
      text: OAS3(...BACKENDS, 'x-google-backend: order', 'paths:', '  /a:', '    get: {}'),
      findings: [[7, 'x-google-backend names "order", which is not declared in x-google-api-management.backends (declared: "orders")']],
      backends: 0,
    },
    {
      name: 'OpenAPI 3.x with an invalid declaration: one finding, no backend, no "undeclared" echo',
      text: OAS3('x-google-api-management:', '  backends:', '    orders:', '      jwtAudience: x', 'x-google-backend: orders'),
      findings: [[5, 'backend "orders" has no "address"']],
      backends: 0,
    },
    {
      name: 'OpenAPI 3.x with Swagger 2.0 spelling',
      text: OAS3(...BACKENDS, '      jwt_audience: x'),
      findings: [[7, 'unknown key "jwt_audience" in backend "orders" (API Gateway rejects the config); OpenAPI 3.x spells it "jwtAudience"']],
      backends: 0,
    },
    {
      name: 'missing address',
      text: OAS2('x-google-backend:', '  jwt_audience: https://orders.example.com', 'paths: {}'),
      findings: [[3, 'x-google-backend has no "address"; add the URL']],
      backends: 0,
    },
    {
      name: 'wrong types',
      text: OAS2('x-google-backend:', `  address: ${ORDERS}`, '  deadline: soon', '  disable_auth: "true"', '  address_x: 1'),
      findings: [
        [7, 'unknown key "address_x" in x-google-backend'],
        [5, '"deadline" in x-google-backend must be a number, got the string "soon"'],
        [6, '"disable_auth" in x-google-backend must be a boolean, got the string "true"'],
      ],
    },
    {
      name: 'enum and range violations',
      text: OAS2('x-google-backend:', `  address: ${ORDERS}`, '  protocol: http2', '  path_translation: APPEND', '  deadline: 0'),
      findings: [
        [6, '"path_translation" in x-google-backend must be one of APPEND_PATH_TO_ADDRESS, CONSTANT_ADDRESS; got the string "APPEND"'],
        [7, '"deadline" in x-google-backend must be a number of seconds greater than 0; got 0'],
        [5, '"protocol" in x-google-backend must be one of http/1.1, h2; got the string "http2"'],
      ],
    },
    {
      name: 'unknown key, with the OpenAPI 3.x spelling hinted',
      text: OAS2('paths:', '  /a:', '    get:', '      x-google-backend: {address: "https://a.example.com", jwtAudience: aud}'),
      findings: [[6, 'unknown key "jwtAudience" in x-google-backend (API Gateway rejects the config); Swagger 2.0 spells it "jwt_audience"']],
    },
    {
      name: 'jwt_audience with disable_auth: true',
      text: OAS2('x-google-backend:', `  address: ${ORDERS}`, '  disable_auth: true', `  jwt_audience: ${ORDERS}`),
      findings: [[6, 'x-google-backend sets both "jwt_audience" and "disable_auth: true", which API Gateway rejects']],
    },
    {
      name: 'address that is not an absolute URL',
      text: OAS2('x-google-backend:', '  address: orders-abc123-uc.a.run.app', 'paths:', '  /a:', '    get:', '      x-google-backend: {address: "ftp://files.example.com"}'),
      findings: [
        [4, '"address" "orders-abc123-uc.a.run.app" in x-google-backend is not an absolute http, https, grpc or grpcs URL'],
        [8, '"address" "ftp://files.example.com" in x-google-backend is not an absolute'],
      ],
    },
    {
      name: 'Swagger 2.0 naming a backend',
      text: OAS2('x-google-backend: orders'),
      findings: [[3, 'x-google-backend names a backend ("orders"), which only OpenAPI 3.x allows']],
    },
    {
      name: 'external $ref',
      text: OAS2('paths:', '  /a:', '    $ref: "paths/a.yaml"', '  /b:', '    get:', '      responses:', '        "200": {$ref: "https://example.com/r.json#/ok"}'),
      findings: [
        [5, '$ref "paths/a.yaml" points outside the document'],
        [9, '$ref "https://example.com/r.json#/ok" points outside the document'],
      ],
    },
    { name: 'invalid YAML', text: OAS2('paths:', '  /a:', '    get: {responses: [1, 2}'), findings: [[5, 'invalid YAML: ']] },
    { name: 'invalid YAML: tab indentation', text: OAS2('paths:', '\t/a: {}'), findings: [[4, 'invalid YAML: tab characters']] },
    {
      name: 'invalid JSON',
      text: '{\n  "swagger": "2.0",\n  "paths": {\n  }\n  "x-google-backend": {}\n}\n',
      findings: [[5, "invalid JSON: Expected ',' or '}' after property value"]],
    },
    { name: 'duplicate keys', text: OAS2('paths:', '  /a:', '    get: {}', '    get: {}'), findings: [[6, 'duplicate key "get" (first at line 5)']] },
    { name: 'duplicate keys in JSON', text: '{"swagger": "2.0",\n "swagger": "2.0"}', findings: [[2, 'duplicate key "swagger"']] },
    { name: 'two YAML documents', text: OAS2('---', 'openapi: 3.0.0'), findings: [[4, 'more than one YAML document']] },
    { name: 'nesting deeper than 100', text: OAS2(`x: ${'['.repeat(150)}${']'.repeat(150)}`), findings: [[3, 'nests deeper than 100 levels']] },
    { name: 'not OpenAPI', text: 'apiVersion: v1\nkind: ConfigMap\n', findings: [[1, 'not an OpenAPI document']] },
    { name: 'not OpenAPI: a list', text: '- a\n- b\n', findings: [[1, 'not an OpenAPI document']] },
    { name: 'unsupported Swagger version', text: 'swagger: "1.2"\n', findings: [[1, 'unsupported version swagger: "1.2"']] },
    { name: 'unsupported OpenAPI version', text: 'info: {}\nopenapi: 3.2.0\n', findings: [[2, 'unsupported version openapi: "3.2.0"']] },
    { name: 'empty file', text: '', findings: [[1, 'the file is empty']] },
    { name: 'only comments', text: '# TODO\n\n', findings: [[1, 'no YAML or JSON content']] },
    { name: 'alias without an anchor', text: OAS2('x-google-backend: *default'), findings: [[3, 'alias "*default" has no anchor']] },
  ];
  for (const { name, text, findings, backends } of cases) {
    it(name, () => {
      const result = parseSpec(text, 'api.yaml');
      assert.deepEqual(
        result.findings.map((f) => [f.rule, f.severity, f.file]),
        findings.map(() => ['invalid-spec', 'error', 'api.yaml']),
      );
      const actual = result.findings.map((f) => [f.line, f.message]);
      assert.equal(actual.length, findings.length, JSON.stringify(actual));
      findings.forEach(([line, fragment]) => {
        assert.ok(
          actual.some(([l, m]) => l === line && String(m).includes(fragment)),
          `no finding at line ${line} with ${JSON.stringify(fragment)} in ${JSON.stringify(actual)}`,
        );
      });
      if (backends !== undefined) assert.equal(result.backends.length, backends);
    });
  }

  it('rejects an alias bomb quickly', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 9; i++) levels.push(`b${i}: &b${i} [${Array(10).fill(i === 1 ? '*a' : `*b${i - 1}`).join(', ')}]`);
    const result = parseSpec(OAS2(...levels, `x-google-backend: *b9`), 'api.yaml');
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0]!.line, 4);
    assert.match(result.findings[0]!.message, /aliases expand to more than 1,000,000 nodes/);
  });

  it('truncates spec text quoted in messages', () => {
    const key = 'k'.repeat(5000);
    const result = parseSpec(OAS2('x-google-backend:', `  address: ${ORDERS}`, `  ${key}: 1`), 'api.yaml');
    assert.equal(result.findings.length, 1);
    assert.ok(result.findings[0]!.message.length < 600, result.findings[0]!.message);
    assert.match(result.findings[0]!.message, /"k{200}…"/);
  });
});

describe('parseSpec: path items given by $ref', () => {
  it('OpenAPI 3.1: a backend named only inside #/components/pathItems is found, for the path that refers to it', () => {
    const text = [
      'openapi: 3.1.0',
      'info: {title: t, version: "1"}',
      'x-google-api-management:',
      '  backends:',
      `    status: {address: "${STATUS}"}`,
      `    orders: {address: "${ORDERS}"}`,
      'x-google-backend: orders',
      'paths:',
      '  /orders:',
      '    get: {operationId: list}',
      '  /admin:',
      "    $ref: '#/components/pathItems/admin'",
      '    post: {operationId: own}',
      'components:',
      '  pathItems:',
      '    admin:',
      '      get: {operationId: admin, x-google-backend: status}',
      '      post: {operationId: shadowed, x-google-backend: status}',
    ].join('\n');
    const { backends, findings } = parseSpec(text, 'openapi.yaml');
    assert.deepEqual(findings, []);
    // The path item's own POST wins over the referenced one (which would have named "status").
    assert.deepEqual(
      backends.map((b) => [b.name, b.operations]),
      [
        ['status', ['GET /admin']],
        ['orders', ['GET /orders', 'POST /admin']],
      ],
    );
  });

  it('Swagger 2.0: an x-google-backend inside a referenced path item is read at its own line', () => {
    const text = [
      'swagger: "2.0"',
      'info: {title: t, version: "1"}',
      'paths:',
      '  /status:',
      "    $ref: '#/x-path-items/status'",
      'x-path-items:',
      '  status:',
      '    get:',
      '      x-google-backend:',
      `        address: ${STATUS}`,
    ].join('\n');
    const { backends, findings } = parseSpec(text, 'openapi.yaml');
    assert.deepEqual(findings, []);
    assert.deepEqual(backends.map((b) => [b.address, b.line, b.operations]), [[STATUS, 9, ['GET /status']]]);
  });

  it('a $ref that leads nowhere in the document is invalid-spec at its line', () => {
    const text = ['swagger: "2.0"', 'info: {title: t, version: "1"}', 'paths:', '  /status:', "    $ref: '#/x-path-items/missing'"].join('\n');
    const { findings } = parseSpec(text, 'openapi.yaml');
    assert.deepEqual(
      findings.map((f) => [f.line, f.message]),
      [[5, '$ref "#/x-path-items/missing" does not point at a path item (a mapping) in this document; fix the reference']],
    );
  });
});
