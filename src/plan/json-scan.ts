/**
 * A validating JSON scanner over bytes that finds where values start and end without building them, so a
 * large plan is read by parsing only the parts that are kept. Iterative (no recursion): any nesting is
 * scanned in bounded stack space, and nesting beyond `MAX_NESTING` is an error.
 */

/** Deepest nesting a plan file may have anywhere (Terraform's own plans stay far below). */
export const MAX_NESTING = 4096;

/** A JSON syntax problem at a byte offset. */
export class JsonScanError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** A value's byte range and how deeply it nests (a scalar is 0, `[]` is 1). */
export interface Span {
  start: number;
  end: number;
  depth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const stack = new Uint8Array(MAX_NESTING + 1);

/** The offset of the first byte at or after `pos` that is not JSON whitespace. */
export function skipSpace(buf: Uint8Array, pos: number): number {
  let i = pos;
  for (;;) {
    const c = buf[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Scans one JSON value starting at `pos` (after whitespace) and validates it; throws JsonScanError. */
export function scanValue(buf: Uint8Array, pos: number): Span {
  let i = skipSpace(buf, pos);
  const start = i;
  let depth = 0;
  let deepest = 0;
  let needValue = true;
  for (;;) {
    if (needValue) {
      i = skipSpace(buf, i);
      const c = buf[i];
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth >= MAX_NESTING) throw new JsonScanError(`nested deeper than ${MAX_NESTING} levels`, i);
        stack[depth++] = c;
        if (depth > deepest) deepest = depth;
        i = skipSpace(buf, i + 1);
        const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
        if (buf[i] === close) {
          depth--;
          i++;
          needValue = false;
        } else if (c === OPEN_OBJECT) {
          i = memberKey(buf, i);
        }
        continue;
      }
      i = scanScalar(buf, i);
      needValue = false;
      continue;
    }
    if (depth === 0) return { start, end: i, depth: deepest };
    i = skipSpace(buf, i);
    const c = buf[i];
    const open = stack[depth - 1];
    if (c === COMMA) {
      i = open === OPEN_OBJECT ? memberKey(buf, skipSpace(buf, i + 1)) : i + 1;
      needValue = true;
    } else if ((c === CLOSE_OBJECT && open === OPEN_OBJECT) || (c === CLOSE_ARRAY && open === OPEN_ARRAY)) {
      depth--;
      i++;
    } else {
      throw unexpected(buf, i, open === OPEN_OBJECT ? '"," or "}"' : '"," or "]"');
    }
  }
}

/** Scans `"key" :` at `pos`; returns the offset after the colon. */
function memberKey(buf: Uint8Array, pos: number): number {
  if (buf[pos] !== QUOTE) throw unexpected(buf, pos, 'a quoted member name');
  const i = skipSpace(buf, scanString(buf, pos));
  if (buf[i] !== COLON) throw unexpected(buf, i, '":"');
  return i + 1;
}

function scanScalar(buf: Uint8Array, pos: number): number {
  const c = buf[pos];
  if (c === QUOTE) return scanString(buf, pos);
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return scanNumber(buf, pos);
  for (const word of LITERALS) {
    if (c === word[0] && word.every((b, k) => buf[pos + k] === b)) return pos + word.length;
  }
  throw unexpected(buf, pos, 'a value');
}

const LITERALS = ['true', 'false', 'null'].map((w) => [...Buffer.from(w)]);

/** The offset after the closing quote of the string at `pos`. */
export function scanString(buf: Uint8Array, pos: number): number {
  let i = pos + 1;
  const n = buf.length;
  while (i < n) {
    const c = buf[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = buf[i + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) if (!isHex(buf[i + k])) throw new JsonScanError('a bad \\u escape in a string', i);
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else {
        throw new JsonScanError('a bad escape in a string', i);
      }
    } else if (c < 0x20) {
      throw new JsonScanError('a control character inside a string', i);
    } else {
      i++;
    }
  }
  throw new JsonScanError('a string that never ends', pos);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function scanNumber(buf: Uint8Array, pos: number): number {
  let i = pos;
  const digits = () => {
    const from = i;
    while (buf[i] !== undefined && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    if (i === from) throw new JsonScanError('a malformed number', pos);
  };
  if (buf[i] === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else digits();
  if (buf[i] === 0x2e) {
    i++;
    digits();
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    digits();
  }
  return i;
}

function unexpected(buf: Uint8Array, pos: number, wanted: string): JsonScanError {
  return new JsonScanError(pos >= buf.length ? `the text ends where ${wanted} was expected` : `${wanted} was expected`, pos);
}

/**
 * Reads the object at `pos` member by member. `onMember` gets the decoded name and the offset where the
 * value starts, and returns where the value ends if it read the value itself, or undefined to have it
 * scanned and skipped. Returns the offset after the closing brace.
 */
export function readObject(buf: Uint8Array, pos: number, onMember: (key: string, valueStart: number) => number | undefined): number {
  let i = skipSpace(buf, pos);
  if (buf[i] !== OPEN_OBJECT) throw unexpected(buf, i, 'an object');
  i = skipSpace(buf, i + 1);
  if (buf[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (buf[i] !== QUOTE) throw unexpected(buf, i, 'a quoted member name');
    const keyEnd = scanString(buf, i);
    const key = decodeString(buf, i, keyEnd);
    const colon = skipSpace(buf, keyEnd);
    if (buf[colon] !== COLON) throw unexpected(buf, colon, '":"');
    const valueStart = skipSpace(buf, colon + 1);
    i = skipSpace(buf, onMember(key, valueStart) ?? scanValue(buf, valueStart).end);
    if (buf[i] === CLOSE_OBJECT) return i + 1;
    if (buf[i] !== COMMA) throw unexpected(buf, i, '"," or "}"');
    i = skipSpace(buf, i + 1);
  }
}

/** Reads the array at `pos` item by item, like {@link readObject}; returns the offset after `]`. */
export function readArray(buf: Uint8Array, pos: number, onItem: (itemStart: number, index: number) => number | undefined): number {
  let i = skipSpace(buf, pos);
  if (buf[i] !== OPEN_ARRAY) throw unexpected(buf, i, 'an array');
  i = skipSpace(buf, i + 1);
  if (buf[i] === CLOSE_ARRAY) return i + 1;
  for (let index = 0; ; index++) {
    const itemStart = skipSpace(buf, i);
    i = skipSpace(buf, onItem(itemStart, index) ?? scanValue(buf, itemStart).end);
    if (buf[i] === CLOSE_ARRAY) return i + 1;
    if (buf[i] !== COMMA) throw unexpected(buf, i, '"," or "]"');
    i = skipSpace(buf, i + 1);
  }
}

/** What kind of value starts at `pos`. */
export function kindAt(buf: Uint8Array, pos: number): 'object' | 'array' | 'string' | 'other' {
  const c = buf[pos];
  return c === OPEN_OBJECT ? 'object' : c === OPEN_ARRAY ? 'array' : c === QUOTE ? 'string' : 'other';
}

/** The UTF-8 text of a span (the caller checked the whole input is UTF-8, e.g. with `isUtf8`). */
export function textOf(buf: Uint8Array, span: { start: number; end: number }): string {
  const bytes = buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return bytes.toString('utf8', span.start, span.end);
}

/** The value of a span, parsed; throws JsonScanError on a raw control character in a string. */
export function parseSpan(buf: Uint8Array, span: { start: number; end: number }): unknown {
  const text = textOf(buf, span);
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonScanError('a control character inside a string', span.start);
  }
}

/** The value of the string spanning `start`..`end` (quotes included). */
export function decodeString(buf: Uint8Array, start: number, end: number): string {
  for (let i = start + 1; i < end - 1; i++) {
    if (buf[i] === BACKSLASH) return JSON.parse(textOf(buf, { start, end })) as string;
  }
  return textOf(buf, { start: start + 1, end: end - 1 });
}
