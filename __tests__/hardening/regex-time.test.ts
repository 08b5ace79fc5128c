/**
 * Issue 16, item 1: every pattern applied to text a pull request controls runs in linear time. Each
 * function is fed inputs built against its patterns (the shapes that make a backtracking regex blow up)
 * and must finish within a time budget that a quadratic or exponential pattern misses by far.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clean } from '../../src/cli/text.ts';
import { escapeMarkdown, oneLine } from '../../src/report/markdown.ts';
import { redact } from '../../src/report/redact.ts';
import { classifyAddress } from '../../src/resolve/address.ts';

/**
 * Milliseconds for one call on an input of up to 300,000 characters: linear work takes a few (tens on a
 * loaded machine); before the fixes these inputs took seconds to minutes.
 */
const BUDGET_MS = 1_000;

function timed<T>(label: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < BUDGET_MS, `${label}: ${elapsed.toFixed(0)} ms`);
  return result;
}

const N = 100_000;

test('addresses: App Engine -dot- chains, revision-tag dashes and long labels are parsed in linear time', () => {
  const hosts: Array<[string, string]> = [
    // 54 s in the issue with 29 repetitions; each one more doubled it (13 s for 26).
    ['a-dot- × 26 + x', `https://${'a-dot-'.repeat(26)}x`],
    ['a-dot- × 26 + x.appspot.com', `https://${'a-dot-'.repeat(26)}x.appspot.com`],
    ['a-dot- × 10 in a 63-character label', `https://${'a-dot-'.repeat(10)}xyz.appspot.com`],
    // 7.4 s in the issue for a host of 100,000 `-`.
    ['100,000 -', `https://${'-'.repeat(N)}`],
    ['100,000 - .run.app', `https://${'-'.repeat(N)}.run.app`],
    ['--- × 30,000', `https://${'a---'.repeat(30_000)}b.a.run.app`],
    ['digits and dashes', `https://${'a-1234567'.repeat(10_000)}.us-central1.run.app`],
    ['a long region', `https://us-${'central'.repeat(10_000)}1-proj-id.cloudfunctions.net/f`],
    ['a long function name', `https://us-central1-shop-prod.cloudfunctions.net/${'a_'.repeat(N)}`],
    ['many dots', `https://${'a.'.repeat(N)}run.app`],
    ['many labels of 63', `https://${`${'a'.repeat(62)}.`.repeat(2_000)}appspot.com`],
  ];
  for (const [label, address] of hosts) {
    const info = timed(label, () => classifyAddress(address));
    assert.equal(info.kind, 'unknown', label);
  }
});

test('addresses: a host over 253 characters or with a label over 63 is refused before any pattern runs', () => {
  const long = `https://${`${'a'.repeat(60)}.`.repeat(5)}a.run.app`;
  const info = classifyAddress(long);
  assert.equal(info.kind, 'unknown');
  assert.match(info.kind === 'unknown' ? info.reason : '', /over the 253 DNS allows/);
  const label = classifyAddress(`https://${'a'.repeat(64)}.a.run.app`);
  assert.match(label.kind === 'unknown' ? label.reason : '', /64-character label, over the 63 DNS allows/);
  // The longest labels DNS allows still classify.
  const service = `s${'a'.repeat(49)}`;
  const max = classifyAddress(`https://${service}-123456789012.us-central1.run.app`);
  assert.equal(max.kind === 'cloud-run' && max.form === 'deterministic' ? max.service : undefined, service);
});

test('markdown, terminal text and redaction: adversarial untrusted text in linear time', () => {
  const inputs: Array<[string, string]> = [
    ['blanks without a continuation', ' '.repeat(2 * N) + 'x'],
    ['tabs then a backslash, no newline', '\t'.repeat(2 * N) + '\\x'],
    ['continuations', ' \\\n'.repeat(N)],
    ['@ and # runs', '@#'.repeat(N)],
    ['schemes', 'a://'.repeat(N / 2)],
    ['www runs', 'www.'.repeat(N / 2)],
    ['control characters', '\u001b\n'.repeat(N)],
    ['Bearer runs', 'Bearer '.repeat(N / 4)],
    ['Bearer with dots', `Bearer a${'.'.repeat(2 * N)}`],
    ['token keys', 'access_token'.repeat(N / 10)],
    ['token keys with separators', 'token:'.repeat(N / 5)],
    ['a keyed value of dots, then a letter', `password: ${'.'.repeat(2 * N)}x`],
    ['a long word before a key', `${'a'.repeat(2 * N)}token=abcdefgh1234`],
    ['JWT prefixes', 'eyJaaaaaaaaaa.'.repeat(N / 10)],
    ['PEM headers', '-----BEGIN PRIVATE KEY-----'.repeat(N / 20)],
    ['PEM body never ended', `-----BEGIN PRIVATE KEY-----${'A'.repeat(2 * N)}`],
    ['Basic runs', 'Basic AAAA'.repeat(N / 5)],
    ['ya29 prefixes', 'ya29.'.repeat(N / 2)],
  ];
  for (const [label, text] of inputs) {
    timed(`oneLine: ${label}`, () => oneLine(text));
    timed(`escapeMarkdown: ${label}`, () => escapeMarkdown(text));
    timed(`clean: ${label}`, () => clean(text));
    timed(`redact: ${label}`, () => redact(text, ['s3cret-value']));
  }
});
