/**
 * JSON Schema of the policy file. The source of truth: `schema/policy.schema.json` (which editors and the
 * README use) is generated from it by `__tests__/policy/generate-schema.ts`, and a test keeps the two equal.
 * Kept in TypeScript so the bundle needs no JSON asset.
 */
import { RULES } from '../types.ts';
import { FAIL_CLOSED_RULES } from './model.ts';

/** Stable `$id` of the schema: where the repository serves it. */
export const POLICY_SCHEMA_ID = 'https://raw.githubusercontent.com/gateway-guard/gateway-guard/main/schema/policy.schema.json';

export { FAIL_CLOSED_RULES };

/** `YYYY-MM-DD`; the calendar check (no 2027-02-30) is done in code. */
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
/** A project ID (optionally with a legacy `domain:` prefix). */
export const PROJECT_PATTERN = '^([a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$';
/** A project ID or a pattern of them, `*` matching any run of characters (e.g. `shop-*`). */
export const PROJECT_PATTERN_PATTERN = '^[a-z*][a-z0-9.:*-]{0,62}$';
/** A service account email. */
export const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.gserviceaccount\\.com$';

function severityProperties(): Record<string, object> {
  const properties: Record<string, object> = {};
  for (const rule of RULES) {
    properties[rule] = FAIL_CLOSED_RULES.includes(rule)
      ? {
          title: `Severity of ${rule} (fixed)`,
          description: `\`${rule}\` findings are always errors and cannot be overridden: the gate fails closed, so what cannot be read or parsed always fails it.`,
          not: {},
        }
      : {
          title: `Severity of ${rule}`,
          description: `Severity of \`${rule}\` findings: error, warning or notice, or off to drop them.`,
          enum: ['error', 'warning', 'notice', 'off'],
        };
  }
  return properties;
}

/** The policy file's JSON Schema (draft-07, understood by editors and by ajv). */
export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: POLICY_SCHEMA_ID,
  title: 'gateway-guard policy',
  description:
    'Policy file of the gateway-guard action (default .github/gateway-guard.yml): exceptions, severity overrides, ' +
    'extra projects to search, and the gateway service account per spec file.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: {
      description: 'URL of this schema, for JSON policy files (in YAML, use a `# yaml-language-server: $schema=URL` comment).',
      type: 'string',
    },
    exceptions: {
      title: 'Exceptions',
      description:
        'Findings accepted on purpose. An excepted finding is still reported, as a notice with its reason, and never fails the step.',
      type: 'array',
      items: {
        title: 'Exception',
        description: `Excepts one backend from one rule. Name the backend by exactly one of \`address\` or \`resource\`; ${FAIL_CLOSED_RULES.join(', ')} only by \`resource\` (one exact resource).`,
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'reason'],
        properties: {
          rule: { title: 'Rule', description: 'The rule ID to except.', enum: [...RULES] },
          address: {
            title: 'Backend address',
            description: 'The backend address exactly as written in the spec, e.g. https://status-abc123-uc.a.run.app.',
            type: 'string',
            minLength: 1,
          },
          resource: {
            title: 'Resource',
            description: 'The Google Cloud resource exactly as reported, e.g. projects/p/locations/us-central1/services/s.',
            type: 'string',
            minLength: 1,
          },
          reason: {
            title: 'Reason',
            description: 'Why the finding is accepted, e.g. a review ticket; shown with the finding. Required.',
            type: 'string',
            pattern: '\\S',
          },
          expires: {
            title: 'Expires',
            description:
              'Last day (UTC, YYYY-MM-DD) the exception applies. After it the finding counts again and the expired exception is reported as a warning.',
            type: 'string',
            pattern: DATE_PATTERN,
            examples: ['2027-03-31'],
          },
        },
        oneOf: [{ required: ['address'] }, { required: ['resource'] }],
        // A fail-closed rule is excepted only for one exact resource, never by address.
        if: { required: ['rule'], properties: { rule: { enum: [...FAIL_CLOSED_RULES] } } },
        then: { required: ['resource'] },
      },
    },
    severity: {
      title: 'Severity overrides',
      description:
        `Per-rule severity: error, warning, notice, or off (findings of the rule are dropped). ${FAIL_CLOSED_RULES.join(', ')} are always errors and cannot be overridden: the gate fails closed.`,
      type: 'object',
      additionalProperties: false,
      properties: severityProperties(),
    },
    projects: {
      title: 'Projects',
      description:
        'Extra Google Cloud project IDs to search for addresses that do not name their project (hash-style *.a.run.app URLs).',
      type: 'array',
      uniqueItems: true,
      items: { description: 'A project ID, e.g. shop-prod.', type: 'string', pattern: PROJECT_PATTERN },
    },
    allowedProjects: {
      title: 'Allowed projects',
      description:
        'Projects (IDs, or patterns like shop-*) the action may look into; an address in any other project is backend-not-found without any Google call. May only narrow the `allowed-projects` input: each entry must lie within one of its patterns.',
      type: 'array',
      uniqueItems: true,
      items: { description: 'A project ID or pattern, e.g. shop-prod or shop-*.', type: 'string', pattern: PROJECT_PATTERN_PATTERN },
    },
    serviceAccounts: {
      title: 'Service account per spec file',
      description:
        "The gateway's service account (email) for a spec file, keyed by the file's path relative to the workspace; other files use the `service-account` input.",
      type: 'object',
      additionalProperties: {
        description: 'Service account email, e.g. internal-gw@gw-host.iam.gserviceaccount.com.',
        type: 'string',
        pattern: EMAIL_PATTERN,
      },
    },
  },
} as const;
