import assert from 'node:assert/strict';
import { it } from 'node:test';
import { splitList } from '../../src/spec/index.ts';

const cases: [string, string[]][] = [
  ['', []],
  ['openapi.yaml', ['openapi.yaml']],
  ['a.yaml, b.yaml,,c.yaml ', ['a.yaml', 'b.yaml', 'c.yaml']],
  ['\n  gateway/*.yaml\r\n\n  shop-prod\n', ['gateway/*.yaml', 'shop-prod']],
  ['specs/{orders,payments}.yaml, other.yaml', ['specs/{orders,payments}.yaml', 'other.yaml']],
  ['shop-prod,\nshop-data', ['shop-prod', 'shop-data']],
];
for (const [input, expected] of cases) {
  it(`splitList(${JSON.stringify(input)})`, () => assert.deepEqual(splitList(input), expected));
}
