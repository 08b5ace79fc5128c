/** Replaces secrets in text shown to people or written to files: known values and credential-shaped strings. */
const CREDENTIAL_PATTERNS = [
  /\b(Bearer|token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bya29\.[A-Za-z0-9._-]{10,}/g,
];

/** `text` with each of `secrets` and anything shaped like a credential replaced by `***`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, (match, scheme?: string) => (typeof scheme === 'string' && scheme.length < match.length ? `${scheme} ***` : '***'));
  return out;
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
