/**
 * Replaces secrets in text shown to people or written to files: known values and credential-shaped
 * strings, precisely: prose about tokens ("identity token instead.", "Basic authentication") stays, and
 * line breaks are never swallowed. Every pattern has a linear-time shape (no nested or overlapping
 * quantifiers, bounded prefixes).
 */

/** Characters of a token in an HTTP header or a URL. */
const TOKEN = '[A-Za-z0-9._~+/-]+=*';

/** Strings that are credentials wherever they appear. */
const SHAPED = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  // Google OAuth access tokens and API keys.
  /\bya29\.[A-Za-z0-9._-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  // JWTs (ID tokens, signed assertions): a base64url JSON header, a payload and a signature (may be empty).
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // PEM private keys, also JSON-escaped (`\n`) and cut short (no END line).
  /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----[A-Za-z0-9+/=\s\\]*(?:-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----)?/g,
];

/** `Bearer X` / `Basic X` (Authorization headers): X when it looks like a credential, not a word. */
const SCHEME = new RegExp(`\\b(Bearer|Basic)([ \\t]+)(${TOKEN})`, 'gi');

/** `token=X`, `access_token: X`, `"token": "X"`, `client_secret=X`, `password=X`, `api_key=X`. */
const KEYED = /\b([A-Za-z0-9]{0,20}[_-]?(?:token|secret|password|passwd|api[_-]?key))(\\?"?[ \t]*[:=][ \t]*\\?"?)([^\s"'`&,;()<>\\]{8,})/gi;

/**
 * What every pattern above needs somewhere in the text (a superset: case ignored throughout). Most strings of
 * a report (names, addresses, lines of a table) have none of these, and skip the eight scans.
 */
const MAYBE = /gh[pousr]_|github_pat_|ya29\.|aiza|eyj|-----begin|bearer|basic|token|secret|passw|api[_-]?key/i;

/** `text` with each of `secrets` and anything shaped like a credential replaced by `***`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  if (!MAYBE.test(out)) return out;
  for (const pattern of SHAPED) out = out.replace(pattern, '***');
  out = out.replace(SCHEME, (match, scheme: string, space: string, value: string) => {
    // A sentence's full stop is not part of the token.
    const token = withoutFullStops(value);
    const credential = scheme.toLowerCase() === 'basic' ? isBasicCredential(token) : isBearerToken(token);
    return credential ? `${scheme}${space}***${value.slice(token.length)}` : match;
  });
  return out.replace(KEYED, (_match, key: string, separator: string) => `${key}${separator}***`);
}

/** `value` without its trailing full stops (a loop: `/\.+$/` rescans a long run of dots from each one). */
function withoutFullStops(value: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === '.') end--;
  return value.slice(0, end);
}

/** A bearer token, not a word: 8+ characters with a digit, a symbol or an inner capital. */
function isBearerToken(value: string): boolean {
  // Hyphenated lowercase words (`tokens-only`) are prose.
  if (/^[a-z]+(?:-[a-z]+)+$/.test(value)) return false;
  return value.length >= 8 && (/[0-9._~+/=-]/.test(value) || /[A-Z]/.test(value.slice(1)));
}

/** Basic credentials: base64 of `user:password`. "authentication" is not. */
function isBasicCredential(value: string): boolean {
  if (value.length < 4 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').toString('latin1').includes(':');
}

/** A deep copy of `value` with every string redacted. */
export function redactDeep<T>(value: T, secrets: string[]): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets)])) as T;
  }
  return value;
}
