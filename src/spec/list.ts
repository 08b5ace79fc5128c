/**
 * Items of an action input, one per line or comma-separated, trimmed, empties dropped.
 * Commas inside `{...}` stay, so a glob like `specs/{a,b}.yaml` is one item.
 */
export function splitList(input: string): string[] {
  const items: string[] = [];
  let current = '';
  let braces = 0;
  for (const char of input) {
    if (char === '{') braces++;
    else if (char === '}' && braces > 0) braces--;
    if (char === '\n' || (char === ',' && braces === 0)) {
      items.push(current);
      current = '';
      braces = 0;
    } else {
      current += char;
    }
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}
