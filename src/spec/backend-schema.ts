import type { BackendConfig } from '../types.ts';

/** How a spec version spells backend fields: Swagger 2.0 snake_case, OpenAPI 3.x camelCase. */
export type FieldStyle = 'oas2' | 'oas3';

/** One backend field: its spelling in each spec version, its BackendConfig key and its JSON Schema. */
export interface BackendField {
  oas2: string;
  oas3: string;
  key: keyof BackendConfig;
  schema: Record<string, unknown>;
}

export const BACKEND_FIELDS: readonly BackendField[] = [
  { oas2: 'address', oas3: 'address', key: 'address', schema: { type: 'string', minLength: 1 } },
  { oas2: 'jwt_audience', oas3: 'jwtAudience', key: 'jwtAudience', schema: { type: 'string', minLength: 1 } },
  { oas2: 'disable_auth', oas3: 'disableAuth', key: 'disableAuth', schema: { type: 'boolean' } },
  {
    oas2: 'path_translation',
    oas3: 'pathTranslation',
    key: 'pathTranslation',
    schema: { type: 'string', enum: ['APPEND_PATH_TO_ADDRESS', 'CONSTANT_ADDRESS'] },
  },
  { oas2: 'deadline', oas3: 'deadline', key: 'deadline', schema: { type: 'number', exclusiveMinimum: 0 } },
  { oas2: 'protocol', oas3: 'protocol', key: 'protocol', schema: { type: 'string', enum: ['http/1.1', 'h2'] } },
];

/** JSON Schema of one backend object (`x-google-backend` in 2.0, an entry of `x-google-api-management.backends` in 3.x). */
export function backendSchema(style: FieldStyle): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(BACKEND_FIELDS.map((field) => [field[style], field.schema])),
    required: ['address'],
    additionalProperties: false,
  };
}
