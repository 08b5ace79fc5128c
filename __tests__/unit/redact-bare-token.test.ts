/** A bare Google access token (`ya29.…`) is redacted wherever it stands, not only after `Bearer` (issue 16). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactDeep } from '../../src/report/redact.ts';

const TOKEN = 'ya29.a0AfH6SMBx-Secret_Value.0123456789abcdef';

test('access_token=ya29… in a query string, a bare ya29… in prose, and in JSON: the token body never survives', () => {
  for (const text of [
    `GET https://x.googleapis.com/v1/p?access_token=${TOKEN}&alt=json failed`,
    `the credential ${TOKEN} was refused`,
    `{"access_token":"${TOKEN}","expires_in":3599}`,
    `${TOKEN}`,
  ]) {
    const out = redact(text, []);
    assert.ok(!out.includes('a0AfH6SMBx') && !out.includes('Secret_Value') && !out.includes('0123456789abcdef'), out);
    assert.ok(out.includes('***'), out);
  }
  // The prose around it stays.
  assert.match(redact(`the credential ${TOKEN} was refused`, []), /^the credential .*\*\*\*.* was refused$/);
});

test('redactDeep removes a bare token from every string of a report', () => {
  const out = redactDeep({ findings: [{ message: `403 for access_token=${TOKEN}`, fix: 'gcloud auth login' }] }, []);
  assert.ok(!JSON.stringify(out).includes('a0AfH6SMBx'), JSON.stringify(out));
  assert.equal(out.findings[0]?.fix, 'gcloud auth login');
});

test('a known secret is removed even when nothing about it looks like a credential', () => {
  const secret = 'correct-horse-battery-staple';
  const out = redact(`the value correct-horse-battery-staple appeared twice: correct-horse-battery-staple.`, [secret]);
  assert.ok(!out.includes(secret), out);
  assert.equal(out.split('***').length - 1, 2, out);
});
