import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EXAMPLE_FILE, exampleText } from './comment-example.ts';

test('docs/comment-example.md is what the renderer produces today', async () => {
  assert.equal(await readFile(EXAMPLE_FILE, 'utf8'), exampleText(), 'regenerate: ./node_modules/.bin/node __tests__/github/comment-example.ts');
});
