/**
 * Writes schema/policy.schema.json from src/policy/schema.ts (the source of truth).
 * Run: ./node_modules/.bin/node __tests__/policy/generate-schema.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { POLICY_SCHEMA } from '../../src/policy/schema.ts';

export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema/policy.schema.json');

/** The file's exact text. */
export function schemaText(): string {
  return JSON.stringify(POLICY_SCHEMA, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
