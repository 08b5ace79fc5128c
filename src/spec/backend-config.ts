import type { ErrorObject, ValidateFunction } from 'ajv';
import * as compiled from '../generated/validators.ts';
import type { BackendConfig, Finding } from '../types.ts';
import { BACKEND_FIELDS } from './backend-schema.ts';
import type { BackendField, FieldStyle } from './backend-schema.ts';
import { invalidSpec, quote } from './finding.ts';
import { toJs } from './yaml-tree.ts';
import type { YNode } from './yaml-tree.ts';

/** backendSchema(style), compiled ahead of time (scripts/generate-validators.ts). */
const validators: Record<FieldStyle, ValidateFunction> = {
  oas2: compiled.oas2 as ValidateFunction,
  oas3: compiled.oas3 as ValidateFunction,
};
const SCHEMES = new Set(['http:', 'https:', 'grpc:', 'grpcs:']);

/** Where a backend object sits, for messages: `label` names it, e.g. `x-google-backend` or `backend "orders"`. */
export interface BackendPlace {
  file: string;
  line: number;
  label: string;
  style: FieldStyle;
}

/** A valid backend's config and the line of its `address` key, or the findings that make it invalid. */
export type BackendRead =
  | { config: BackendConfig; addressLine: number; findings: [] }
  | { config: undefined; findings: Finding[] };

/** Validates one backend object and normalises it to BackendConfig, fields in declaration order. */
export function readBackend(node: YNode, place: BackendPlace): BackendRead {
  const { file, label, style } = place;
  if (node.kind !== 'map') {
    const message = `${label} must be a mapping with at least "address", got ${describeNode(node)}`;
    return { config: undefined, findings: [invalidSpec(file, node.line, message)] };
  }
  const keyLine = (key: string) => node.entries.find((entry) => entry.key === key)?.keyLine ?? place.line;
  const value = toJs(node) as Record<string, unknown>;
  const findings: Finding[] = [];
  if (!validators[style](value)) {
    for (const error of validators[style].errors ?? []) {
      const key = error.instancePath.split('/')[1];
      const line = key === undefined ? keyLineOfError(error, keyLine, place.line) : keyLine(key);
      findings.push(invalidSpec(file, line, schemaMessage(error, key, value, place)));
    }
  }
  const spelled = (key: keyof BackendConfig) => BACKEND_FIELDS.find((field) => field.key === key)![style];
  const address = value['address'];
  if (typeof address === 'string' && address !== '' && !isBackendUrl(address)) {
    findings.push(
      invalidSpec(
        file,
        keyLine('address'),
        `"address" ${quote(address)} in ${label} is not an absolute http, https, grpc or grpcs URL; write the backend's full URL, e.g. https://orders-abc123-uc.a.run.app`,
      ),
    );
  }
  if (typeof address === 'string' && isBackendUrl(address) && hasCredentials(address)) {
    findings.push(
      invalidSpec(
        file,
        keyLine('address'),
        `"address" in ${label} carries a user name or password (scheme://user:password@host): credentials do not belong in a gateway config, and API Gateway authenticates with the service account's identity token instead. Remove them (and rotate the password if it was real).`,
      ),
    );
  }
  const audience = spelled('jwtAudience');
  const disableAuth = spelled('disableAuth');
  if (value[disableAuth] === true && Object.hasOwn(value, audience)) {
    findings.push(
      invalidSpec(
        file,
        keyLine(audience),
        `${label} sets both "${audience}" and "${disableAuth}: true", which API Gateway rejects; remove "${audience}" (or "${disableAuth}" to keep authentication)`,
      ),
    );
  }
  if (findings.length > 0) return { config: undefined, findings };

  const config: Record<string, unknown> = {};
  for (const entry of node.entries) {
    const field = BACKEND_FIELDS.find((f) => f[style] === entry.key)!;
    config[field.key] = value[entry.key];
  }
  return { config: config as unknown as BackendConfig, addressLine: keyLine('address'), findings: [] };
}

function keyLineOfError(error: ErrorObject, keyLine: (key: string) => number, fallback: number): number {
  if (error.keyword === 'additionalProperties') return keyLine(String(error.params['additionalProperty']));
  return fallback;
}

function schemaMessage(
  error: ErrorObject,
  key: string | undefined,
  value: Record<string, unknown>,
  { label, style }: BackendPlace,
): string {
  const names = BACKEND_FIELDS.map((field) => field[style]).join(', ');
  if (error.keyword === 'required') {
    return `${label} has no "address"; add the URL of the service it routes to, e.g. address: https://SERVICE-PROJECT_NUMBER.REGION.run.app`;
  }
  if (error.keyword === 'additionalProperties') {
    const unknown = String(error.params['additionalProperty']);
    return `unknown key ${quote(unknown)} in ${label} (API Gateway rejects the config)${spellingHint(unknown, style)}; allowed keys: ${names}`;
  }
  const field = `"${key ?? ''}" in ${label}`;
  const got = describeValue(key === undefined ? value : value[key]);
  switch (error.keyword) {
    case 'type':
      return `${field} must be a ${String(error.params['type'])}, got ${got}`;
    case 'enum':
      return `${field} must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}; got ${got}`;
    case 'exclusiveMinimum':
      return `${field} must be a number of seconds greater than 0; got ${got}`;
    case 'minLength':
      return `${field} must not be empty`;
    default:
      return `${field} ${error.message ?? 'is invalid'}; got ${got}`;
  }
}

/** Points at the right spelling when a key is written in the other spec version's style. */
function spellingHint(key: string, style: FieldStyle): string {
  const other: FieldStyle = style === 'oas2' ? 'oas3' : 'oas2';
  const field: BackendField | undefined = BACKEND_FIELDS.find((f) => f[other] === key);
  if (!field) return '';
  return `; ${style === 'oas2' ? 'Swagger 2.0' : 'OpenAPI 3.x'} spells it "${field[style]}"`;
}

function hasCredentials(address: string): boolean {
  const url = new URL(address);
  return url.username !== '' || url.password !== '';
}

function isBackendUrl(address: string): boolean {
  const url = URL.parse(address);
  return url !== null && SCHEMES.has(url.protocol);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

function describeNode(node: YNode): string {
  if (node.kind === 'seq') return 'a list';
  return describeValue(toJs(node));
}
