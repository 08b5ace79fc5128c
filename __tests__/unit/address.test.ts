import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress } from '../../src/resolve/address.ts';

const cases: Array<[string, Record<string, unknown>]> = [
  ['https://orders-abc123-uc.a.run.app', { kind: 'cloud-run', form: 'hash', origin: 'https://orders-abc123-uc.a.run.app' }],
  ['https://orders-abc123-uc.a.run.app/v1/x', { kind: 'cloud-run', form: 'hash' }],
  ['grpcs://orders-abc123-uc.a.run.app', { kind: 'cloud-run', form: 'hash' }],
  ['https://my-svc-123456789012.us-central1.run.app', { kind: 'cloud-run', form: 'deterministic', service: 'my-svc', projectNumber: '123456789012', region: 'us-central1' }],
  ['https://us-central1-shop-prod.cloudfunctions.net/hook', { kind: 'cloud-functions', region: 'us-central1', project: 'shop-prod', functionName: 'hook' }],
  ['https://northamerica-northeast1-my-proj-1.cloudfunctions.net/a/b', { kind: 'cloud-functions', region: 'northamerica-northeast1', project: 'my-proj-1', functionName: 'a' }],
  ['https://us-central1-shop-prod.cloudfunctions.net/', { kind: 'unknown' }],
  ['https://shop-prod.appspot.com', { kind: 'app-engine', project: 'shop-prod', service: undefined }],
  ['https://shop-prod.uc.r.appspot.com', { kind: 'app-engine', project: 'shop-prod' }],
  ['https://admin-dot-shop-prod.uc.r.appspot.com', { kind: 'app-engine', project: 'shop-prod', service: 'admin' }],
  ['https://v2-dot-admin-dot-shop-prod.appspot.com', { kind: 'app-engine', project: 'shop-prod', service: 'admin', version: 'v2' }],
  ['https://api.example.com', { kind: 'unknown' }],
  ['http://orders-abc123-uc.a.run.app', { kind: 'cloud-run', form: 'hash' }],
  ['https://orders-abc123-uc.a.run.app:8443', { kind: 'cloud-run', form: 'hash' }],
  ['https://orders-abc123-uc.a.run.app./v1', { kind: 'cloud-run', form: 'hash', origin: 'https://orders-abc123-uc.a.run.app' }],
  ['http://api.example.com', { kind: 'unknown' }],
  ['https://10.0.0.1/x', { kind: 'unknown' }],
  ['https://[::1]/x', { kind: 'unknown' }],
  ['https://user:pw@orders-abc123-uc.a.run.app', { kind: 'unknown' }],
  ['ftp://orders-abc123-uc.a.run.app', { kind: 'unknown' }],
  ['not a url', { kind: 'unknown' }],
];

for (const [address, expected] of cases) {
  test(`classifyAddress ${address}`, () => {
    const info = classifyAddress(address) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) assert.equal(info[key], value, key);
  });
}

test('classifyAddress never echoes credentials', () => {
  const info = classifyAddress('https://user:s3cret@orders-abc123-uc.a.run.app');
  assert.ok(!JSON.stringify(info).includes('s3cret'));
});

test('plain http and odd ports on a Google host are still resolved, with the transport problem kept', () => {
  assert.match(classifyAddress('http://orders-abc123-uc.a.run.app').transportProblem ?? '', /not TLS/);
  assert.match(classifyAddress('https://orders-abc123-uc.a.run.app:8443').transportProblem ?? '', /port 8443/);
  assert.equal(classifyAddress('https://orders-abc123-uc.a.run.app').transportProblem, undefined);
});
