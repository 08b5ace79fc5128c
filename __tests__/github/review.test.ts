import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commentableLines, suggestionBody, suggestionMarker } from '../../src/github/review.ts';

test('commentableLines: added and context lines of every hunk, on the new side', () => {
  const patch = [
    '@@ -1,4 +1,4 @@',
    ' swagger: "2.0"',
    '-info: { title: a }',
    '+info: { title: b }',
    ' paths:',
    '\\ No newline at end of file',
    '@@ -20,2 +20,3 @@ paths:',
    '       x-google-backend:',
    '+        jwt_audience: x',
    '         address: y',
  ].join('\n');
  assert.deepEqual([...commentableLines(patch)].sort((a, b) => a - b), [1, 2, 3, 20, 21, 22]);
  assert.equal(commentableLines('').size, 0);
  assert.equal(commentableLines('Binary files differ').size, 0);
});

test('suggestionBody: marker first, a fence nothing inside can close, empty block to delete', () => {
  const s = { key: 'auth-disabled\0openapi.yaml', path: 'openapi.yaml', line: 3, replacement: '', explanation: 'Remove it.' };
  assert.equal(suggestionBody(s), `${suggestionMarker(s.key)}\nRemove it.\n\n\`\`\`suggestion\n\`\`\`\n`);
  assert.match(suggestionMarker('a'), /^<!-- gateway-guard:suggestion=[0-9a-f]{12} -->$/);
  assert.notEqual(suggestionMarker('a'), suggestionMarker('b'));
  const ticks = suggestionBody({ ...s, replacement: '  jwt_audience: "```"' });
  assert.match(ticks, /\n````suggestion\n {2}jwt_audience: "```"\n````\n$/);
});
