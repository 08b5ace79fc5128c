/**
 * Backend addresses in a spec's text, found without parsing it: the values of `address` keys (YAML or JSON,
 * quoted or not, not in a comment) that are https URLs on Google's serverless domains. A guess, made only so
 * that looking them up can start while the spec is parsed (src/gate.ts): what the parse finds is what is
 * checked. An OpenAPI 3 document is not guessed at: its backends are declared in `x-google-api-management`
 * and only those its operations name are called, which takes the parse to tell. Nor is a text whose keys may
 * be spelled otherwise than written (an escape, a line continuation).
 */
const ADDRESS = /["']?\baddress["']?[ \t]*:[ \t]*["']?(https:\/\/[^\s"',{}[\]#]+)/g;
const SERVERLESS = /^https:\/\/[a-z0-9.-]+\.(?:run\.app|cloudfunctions\.net|appspot\.com)(?::\d+)?(?:[/?]|$)/i;
const MAYBE_OAS3 = /openapi|x-google-api-management|\\[xuU]|\\\r?\n/;
/** More addresses than any real config has: past this, the guess is not worth making. */
const LIMIT = 1000;

/** The distinct serverless addresses `text` names (none when it names more than the limit). */
export function addressesIn(text: string): string[] {
  // OpenAPI 3 (or what may be: a key spelled with an escape, \x \u \U, or a line continuation, is not in the
  // text as written): no guess.
  if (MAYBE_OAS3.test(text)) return [];
  const found = new Set<string>();
  // Whether a comment (YAML's: `#` at the start of a line or after a space) has started on the line before
  // the match: tracked as the scan moves on, so the whole text is read once.
  let scanned = 0;
  let commented = false;
  for (const match of text.matchAll(ADDRESS)) {
    for (; scanned < match.index; scanned++) {
      const c = text[scanned];
      if (c === '\n') commented = false;
      else if (c === '#' && (scanned === 0 || ' \t\n'.includes(text[scanned - 1] as string))) commented = true;
    }
    const url = match[1] as string;
    if (!commented && SERVERLESS.test(url)) found.add(url);
    if (found.size > LIMIT) return [];
  }
  return [...found];
}
