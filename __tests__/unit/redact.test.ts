import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactDeep } from '../../src/report/redact.ts';

test('redact removes known secrets and credential-shaped text', () => {
  assert.equal(redact('token s3cr3t-value here', ['s3cr3t-value']), 'token *** here');
  assert.equal(redact('Authorization: Bearer ya29.a0AfH6SMBxyzxyzxyz', []), 'Authorization: Bearer ***');
  assert.equal(redact('leaked ghs_abcdefghijklmnopqrstuvwxyz0123', []), 'leaked ***');
  assert.equal(redact('github_pat_11ABCDEFG0123456789_abcdefghij', []), '***');
  assert.equal(redact('Permission run.services.getIamPolicy denied on projects/p', []), 'Permission run.services.getIamPolicy denied on projects/p');
});

test('redactDeep walks objects and arrays', () => {
  const out = redactDeep({ a: ['x Bearer abc123def456'], b: { c: 'keep', n: 3 } }, []);
  assert.deepEqual(out, { a: ['x Bearer ***'], b: { c: 'keep', n: 3 } });
});

// A JWT as Google issues them (header {"alg":"RS256","typ":"JWT"}); the signature is made up.
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2V4YW1wbGUuY29tIiwic3ViIjoiMTIzIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
const API_KEY = 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKj\n-----END PRIVATE KEY-----';

test('issue 16: credential-shaped strings are redacted wherever they appear', () => {
  const cases: Array<[string, string]> = [
    [`id token ${JWT} was refused`, 'id token *** was refused'],
    [`key=${API_KEY}&x=1`, 'key=***&x=1'],
    [`https://example.com/?key=${API_KEY}`, 'https://example.com/?key=***'],
    ['{"token": "abcdefgh12345678"}', '{"token": "***"}'],
    ['{\\"access_token\\":\\"opaque-value-1234\\"}', '{\\"access_token\\":\\"***\\"}'],
    ['client_secret=GOCSPX-abcdefghijklmnop and more', 'client_secret=*** and more'],
    ['password: hunter2hunter2', 'password: ***'],
    [`before\n${PEM}\nafter`, 'before\n***\nafter'],
    [`"private_key": "${PEM.replace(/\n/g, '\\n')}\\n"`, '"private_key": "***\\n"'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7 (truncated', '***(truncated'],
    // A bare access token (no Bearer, no key): issue 16's surviving mutant.
    ['the call used ya29.a0AfH6SMBx3kLmNoPqRsTuV and failed', 'the call used *** and failed'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic ***'],
    ['Authorization: bearer abcDEFghiJKL', 'Authorization: bearer ***'],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input, []), expected, input);
});

test('issue 16: prose about tokens and authentication stays as written, line breaks included', () => {
  const prose = [
    'The address carries credentials; API Gateway sends an identity token instead.',
    'Public token endpoint reviewed',
    '"address" in x-google-backend carries a user name or password (scheme://user:password@host): credentials do not belong in a gateway config, and API Gateway authenticates with the service account\'s identity token instead. Remove them (and rotate the password if it was real).',
    'Basic authentication is disabled',
    'Bearer tokens are minted by the gateway.',
    'token\nnext line stays',
    'Pass `github-token: ${{ github.token }}` with `permissions: pull-requests: write`.',
    '(Workload Identity Federation needs `permissions: id-token: write`).',
    'The secret: keep it short',
    'Bearer tokens-only policy',
    'line one\nline two\r\nline three',
    'gw@proj.iam.gserviceaccount.com lacks run.routes.invoke on projects/p/locations/us-central1/services/orders',
  ];
  for (const text of prose) assert.equal(redact(text, []), text);
});
