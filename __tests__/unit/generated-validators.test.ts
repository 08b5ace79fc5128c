/**
 * src/generated/validators.ts is ajv's ahead-of-time output for the backend and policy schemas: it must be
 * exactly what scripts/generate-validators.ts writes from the schemas as they are now.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { POLICY_VALIDATOR_FILE, policyValidatorText, VALIDATORS_FILE, validatorsText } from '../../scripts/generate-validators.ts';

test('the compiled validators match the schemas (regenerate: node scripts/generate-validators.ts)', async () => {
  assert.equal(await readFile(VALIDATORS_FILE, 'utf8'), validatorsText(), 'stale: run ./node_modules/.bin/node scripts/generate-validators.ts');
  assert.equal(await readFile(POLICY_VALIDATOR_FILE, 'utf8'), policyValidatorText(), 'stale: run ./node_modules/.bin/node scripts/generate-validators.ts');
});
