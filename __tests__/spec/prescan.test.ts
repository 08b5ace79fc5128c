// addressesIn (src/spec/prescan.ts): the serverless addresses a spec's text names, guessed before the parse so
// that looking them up can start while the spec is parsed. Every real spec form, and what it must not take.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parseSpec } from '../../src/spec/openapi.ts';
import { addressesIn } from '../../src/spec/prescan.ts';

const SPECS = new URL('../fixtures/specs/', import.meta.url);

test('the fixture specs: the guess is exactly the serverless addresses their parse finds', async () => {
  const serverless = /\.(run\.app|cloudfunctions\.net|appspot\.com)(:\d+)?([/?]|$)/;
  let compared = 0;
  for (const file of (await readdir(SPECS)).filter((f) => /\.(ya?ml|json)$/.test(f))) {
    const text = await readFile(new URL(file, SPECS), 'utf8');
    const parsed = [...new Set(parseSpec(text, file).backends.map((b) => b.address).filter((a) => serverless.test(a)))].sort();
    if (parsed.length === 0) continue;
    // OpenAPI 3 (x-google-api-management): which declared backends are called takes the parse; no guess.
    assert.deepEqual(addressesIn(text).sort(), text.includes('x-google-api-management') ? [] : parsed, file);
    compared++;
  }
  assert.ok(compared >= 3, `${compared} fixture specs with serverless backends`);
});

test('YAML block and flow style, JSON, quotes, a trailing comment or path', () => {
  const text = [
    'x-google-backend:',
    '  address: https://orders-abc123-uc.a.run.app',
    '  x-google-backend: { address: https://us-central1-shop.cloudfunctions.net/fn, deadline: 5 }',
    '"x-google-backend": {"address": "https://shop.appspot.com/v1"}',
    "  address: 'https://cart-700000000000.us-central1.run.app' # the cart",
    '  address:   https://pay-abc123-ew.a.run.app/api?x=1',
  ].join('\n');
  assert.deepEqual(addressesIn(text), [
    'https://orders-abc123-uc.a.run.app',
    'https://us-central1-shop.cloudfunctions.net/fn',
    'https://shop.appspot.com/v1',
    'https://cart-700000000000.us-central1.run.app',
    'https://pay-abc123-ew.a.run.app/api?x=1',
  ]);
});

test('what it leaves: other hosts, lookalike domains, other keys, http, repeats counted once', () => {
  const text = [
    'address: https://backend.example.com',
    'address: https://evil.run.app.example.com/x',
    'address: https://run.app.evil.com',
    'address: http://orders-abc123-uc.a.run.app',
    'ip_address: https://orders-abc123-uc.a.run.app',
    'jwt_audience: https://orders-abc123-uc.a.run.app',
    '# address: https://old-abc123-uc.a.run.app',
    '  x-google-backend: { deadline: 5 } # address: https://older-abc123-uc.a.run.app',
    'address: https://orders-abc123-uc.a.run.app',
    'address: https://orders-abc123-uc.a.run.app',
  ].join('\n');
  assert.deepEqual(addressesIn(text), ['https://orders-abc123-uc.a.run.app']);
});

test('OpenAPI 3, or keys that may be spelled otherwise than written (escapes, a line continuation): no guess', () => {
  const address = 'address: https://orders-abc123-uc.a.run.app\n';
  assert.deepEqual(addressesIn(address), ['https://orders-abc123-uc.a.run.app']);
  for (const before of ['openapi: 3.0.3\n', 'x-google-api-management:\n', '"x-google-api-m\\u0061nagement": 1\n', '"x-google-api-m\\x61nagement": 1\n', '"a": "b\\\nc"\n']) {
    assert.deepEqual(addressesIn(before + address), [], before);
  }
});

test('more addresses than any config has: no guess at all, in linear time', () => {
  const many = Array.from({ length: 1_001 }, (_, i) => `address: https://s${i}-abc123-uc.a.run.app`).join('\n');
  assert.deepEqual(addressesIn(many), []);
  const started = performance.now();
  addressesIn(`address: https://${'a.'.repeat(2_000_000)}`);
  addressesIn(`"address": "${'address: '.repeat(500_000)}`);
  assert.ok(performance.now() - started < 2_000);
});
