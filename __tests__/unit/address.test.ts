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

test('issue 16: every name an address yields follows Google\'s resource-name rules, or the address is not used', () => {
  const refused: Array<[string, RegExp]> = [
    ['https://us-central1-shop-prod.cloudfunctions.net/%2E%2E%2Fother', /Cloud Functions name "%2E%2E%2Fother" is not a valid one/],
    ['https://us-central1-shop-prod.cloudfunctions.net/a..b', /Cloud Functions name "a..b"/],
    ['https://us-central1-shop-prod.cloudfunctions.net/1hook', /Cloud Functions name "1hook"/],
    ['https://us-central1-shop-prod.cloudfunctions.net/hook-', /Cloud Functions name "hook-"/],
    [`https://us-central1-shop-prod.cloudfunctions.net/${'f'.repeat(64)}`, /Cloud Functions name/],
    ['https://us-central1-shop.cloudfunctions.net/hook', /project ID "shop" is not a valid one/],
    ['https://us-central1-1shop-prod.cloudfunctions.net/hook', /project ID "1shop-prod"/],
    ['https://us-central1-shop-prod-.cloudfunctions.net/hook', /project ID "shop-prod-"/],
    [`https://us-central1-${'p'.repeat(31)}.cloudfunctions.net/hook`, /project ID/],
    ['https://1svc-123456789012.us-central1.run.app', /Cloud Run service name "1svc"/],
    ['https://svc--123456789012.us-central1.run.app', /Cloud Run service name "svc-"/],
    ['https://admin-dot-1proj-x.appspot.com', /project ID "1proj-x"/],
    ['https://-admin-dot-shop-prod.appspot.com', /App Engine service name "-admin"/],
    ['https://v1--dot-admin-dot-shop-prod.appspot.com', /App Engine version "v1-"/],
  ];
  for (const [address, reason] of refused) {
    const info = classifyAddress(address);
    assert.equal(info.kind, 'unknown', address);
    assert.match(info.kind === 'unknown' ? info.reason : '', reason, address);
  }
  const kept: Array<[string, Record<string, unknown>]> = [
    ['https://us-central1-shop-prod.cloudfunctions.net/Hook_2-x', { kind: 'cloud-functions', functionName: 'Hook_2-x' }],
    // Percent-encoded letters name the same function (Google decodes them): never an unverifiable warning.
    ['https://us-central1-shop-prod.cloudfunctions.net/%6Frders', { kind: 'cloud-functions', functionName: 'orders' }],
    ['https://europe-west1-abcdef.cloudfunctions.net/f', { kind: 'cloud-functions', project: 'abcdef', region: 'europe-west1' }],
    [`https://us-central1-${'p'.repeat(30)}.cloudfunctions.net/f`, { kind: 'cloud-functions', project: 'p'.repeat(30) }],
    ['https://canary---orders-abc123-uc.a.run.app', { kind: 'cloud-run', form: 'hash', tag: 'canary', origin: 'https://orders-abc123-uc.a.run.app' }],
    ['https://canary---my-svc-123456789012.us-central1.run.app', { kind: 'cloud-run', form: 'deterministic', service: 'my-svc', tag: 'canary' }],
    ['https://1-dot-v2-dot-admin-dot-shop-prod.ew.r.appspot.com', { kind: 'app-engine', project: 'shop-prod', service: 'admin', version: 'v2' }],
    ['https://20240101t000000-dot-shop-prod.appspot.com', { kind: 'app-engine', project: 'shop-prod', service: '20240101t000000' }],
  ];
  for (const [address, expected] of kept) {
    const info = classifyAddress(address) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) assert.equal(info[key], value, `${address} ${key}`);
  }
});
