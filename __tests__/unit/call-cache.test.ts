/**
 * One Google read per resource per run, also when the code asks for it under two names: a project is
 * asked for by number (deterministic run.app URLs) and by ID (the ancestor walk). Against the fake Google API.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { GoogleCloud } from '../../src/gcp/google-cloud.ts';
import { FIXTURES } from '../e2e/harness.ts';
import { startFakeGoogle } from '../fake-google/server.ts';

for (const [first, second] of [
  ['123456789012', 'shop-prod'],
  ['shop-prod', '123456789012'],
]) {
  test(`a project read as ${first} is not read again as ${second}`, async () => {
    const fake = await startFakeGoogle(path.join(FIXTURES, 'worlds/demo.yaml'));
    try {
      const google = new GoogleCloud({ emulatorHost: fake.host });
      const a = await google.resourceManager.project(first as string);
      const b = await google.resourceManager.project(second as string);
      assert.deepEqual(b, a);
      assert.deepEqual([a.projectId, a.projectNumber], ['shop-prod', '123456789012']);
      assert.equal(fake.requests.filter((r) => r.path.startsWith('/v3/projects/') && !r.path.includes(':')).length, 1);
    } finally {
      await fake.close();
    }
  });
}
