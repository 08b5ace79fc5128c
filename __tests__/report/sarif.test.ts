import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { RULES } from '../../src/types.ts';
import type { Finding } from '../../src/types.ts';
import { buildReport } from '../../src/report/verdict.ts';
import { fileUri, FINGERPRINT_KEY, fingerprint, renderSarif } from '../../src/report/sarif.ts';
import { RULE_DOCS } from '../../src/report/rule-docs.ts';
import { finding, run } from './fixtures.ts';

const OPTS = { toolVersion: '1.2.3', informationUri: 'https://github.com/example/gateway-guard' };

// A hand-written subset of the SARIF 2.1.0 schema: the parts GitHub code scanning reads.
const message = { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 } } };
const SARIF_SUBSET = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    $schema: { type: 'string' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['tool', 'results'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name', 'rules'],
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  informationUri: { type: 'string', format: 'uri' },
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'shortDescription', 'fullDescription', 'help', 'defaultConfiguration', 'properties'],
                      properties: {
                        id: { type: 'string', pattern: '^[a-z]+(-[a-z]+)*$' },
                        name: { type: 'string' },
                        shortDescription: message,
                        fullDescription: message,
                        help: { type: 'object', required: ['text', 'markdown'], properties: { text: { type: 'string' }, markdown: { type: 'string' } } },
                        defaultConfiguration: { type: 'object', properties: { level: { enum: ['none', 'note', 'warning', 'error'] } } },
                        properties: {
                          type: 'object',
                          required: ['security-severity'],
                          properties: { 'security-severity': { type: 'string', pattern: '^(10\\.0|[0-9]\\.[0-9])$' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'level', 'message', 'locations', 'partialFingerprints'],
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: 0 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message,
                locations: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['physicalLocation'],
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        required: ['artifactLocation', 'region'],
                        properties: {
                          artifactLocation: {
                            type: 'object',
                            required: ['uri'],
                            properties: { uri: { type: 'string', format: 'uri-reference' }, uriBaseId: { type: 'string' } },
                          },
                          region: { type: 'object', required: ['startLine'], properties: { startLine: { type: 'integer', minimum: 1 } } },
                        },
                      },
                    },
                  },
                },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
                suppressions: {
                  type: 'array',
                  items: { type: 'object', required: ['kind'], properties: { kind: { enum: ['inSource', 'external'] } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

interface SarifShape {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; defaultConfiguration: { level: string }; properties: Record<string, unknown> }> } };
    results: Array<Record<string, unknown> & { partialFingerprints: Record<string, string> }>;
  }>;
}

function sarifOf(findings: Finding[]): SarifShape {
  return renderSarif(buildReport(run({ findings, specFiles: ['specs/gateway.yaml'] })), OPTS) as SarifShape;
}

test('SARIF validates against the subset schema, with URI formats checked', () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S+$/i);
  ajv.addFormat('uri-reference', /^[^\s\\]+$/);
  const validate = ajv.compile(SARIF_SUBSET);
  const sarif = sarifOf([
    finding(),
    finding({ rule: 'conditional-grant', severity: 'warning', file: 'specs/my api.yaml' }),
    finding({ rule: 'public-access', exception: { reason: 'SEC-1' } }),
    finding({ rule: 'iam-unreadable', file: undefined, line: undefined }),
  ]);
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
});

test('one rule per rule ID, with docs and security severity', () => {
  const rules = sarifOf([]).runs[0]?.tool.driver.rules ?? [];
  assert.deepEqual(rules.map((r) => r.id), [...RULES]);
  assert.equal(rules[0]?.properties['security-severity'], '9.0');
  assert.equal(rules.find((r) => r.id === 'unreachable-backend')?.defaultConfiguration.level, 'warning');
  for (const id of RULES) {
    const doc = RULE_DOCS[id];
    assert.ok(doc.title && doc.meaning && doc.fix, id);
  }
});

test('exact result for one finding', () => {
  const f = finding({ fix: 'gcloud run services add-iam-policy-binding orders' });
  const results = sarifOf([f]).runs[0]?.results;
  assert.deepEqual(results, [
    {
      ruleId: 'missing-invoker',
      ruleIndex: 1,
      level: 'error',
      message: {
        text:
          'gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/proj/locations/us-central1/services/orders\n' +
          'Fix: gcloud run services add-iam-policy-binding orders',
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'openapi.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 14 },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f) },
      properties: {
        address: 'https://orders-abc123-uc.a.run.app',
        resource: 'projects/proj/locations/us-central1/services/orders',
      },
    },
  ]);
});

test('levels, suppressions and fallback location', () => {
  const results =
    sarifOf([
      finding({ severity: 'warning', rule: 'conditional-grant' }),
      finding({ rule: 'public-access', exception: { reason: 'Status page' } }),
      finding({ rule: 'iam-unreadable', file: undefined, line: undefined }),
    ]).runs[0]?.results ?? [];
  assert.deepEqual(
    results.map((r) => [r.ruleId, r.level]),
    [
      ['iam-unreadable', 'error'],
      ['conditional-grant', 'warning'],
      ['public-access', 'note'],
    ],
  );
  assert.deepEqual(results[0]?.locations, [
    { physicalLocation: { artifactLocation: { uri: 'specs/gateway.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } } },
  ]);
  assert.deepEqual(results[2]?.suppressions, [{ kind: 'external', status: 'accepted', justification: 'Status page' }]);
  assert.deepEqual(results[2]?.properties, {
    address: 'https://orders-abc123-uc.a.run.app',
    resource: 'projects/proj/locations/us-central1/services/orders',
    originalSeverity: 'error',
  });
});

test('fingerprints ignore line numbers and messages, not identity', () => {
  const base = fingerprint(finding());
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(fingerprint(finding({ line: 99, message: 'reworded' })), base);
  assert.notEqual(fingerprint(finding({ rule: 'public-access' })), base);
  assert.notEqual(fingerprint(finding({ file: 'other.yaml' })), base);
  assert.notEqual(fingerprint(finding({ address: 'https://x.a.run.app' })), base);
});

test('file URIs are relative and percent-encoded', () => {
  assert.equal(fileUri('specs/my api#1.yaml'), 'specs/my%20api%231.yaml');
  assert.equal(fileUri('specs\\win.yaml'), 'specs/win.yaml');
});

test('a spec change is a SARIF fix: the whole line replaced, with the new text', () => {
  const withSpec = finding({
    rule: 'audience-mismatch',
    line: 4,
    fixes: { spec: { file: 'specs/open api.yaml', line: 6, replacement: '        jwt_audience: https://orders-abc123-uc.a.run.app', original: '        jwt_audience: https://x' } },
  });
  const deleting = finding({ rule: 'auth-disabled', line: 4, fixes: { spec: { file: 'openapi.yaml', line: 7, replacement: '' } } });
  const [changed, deleted, none] = sarifOf([withSpec, deleting, finding()]).runs[0]!.results as Array<Record<string, unknown>>;
  assert.deepEqual(changed!.fixes, [
    {
      description: { text: 'Replace line 6.' },
      artifactChanges: [
        {
          artifactLocation: { uri: 'specs/open%20api.yaml', uriBaseId: '%SRCROOT%' },
          replacements: [{ deletedRegion: { startLine: 6, startColumn: 1, endLine: 7, endColumn: 1 }, insertedContent: { text: '        jwt_audience: https://orders-abc123-uc.a.run.app\n' } }],
        },
      ],
    },
  ]);
  assert.deepEqual((deleted!.fixes as Array<{ artifactChanges: Array<{ replacements: unknown[] }> }>)[0]!.artifactChanges[0]!.replacements, [
    { deletedRegion: { startLine: 7, startColumn: 1, endLine: 8, endColumn: 1 }, insertedContent: { text: '' } },
  ]);
  assert.equal(none!.fixes, undefined);
});
