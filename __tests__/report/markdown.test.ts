import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeSpan, escapeMarkdown, fitLines, oneLine, truncate } from '../../src/report/markdown.ts';

const ZWSP = '\u200b';

test('escapeMarkdown', async (t) => {
  const cases: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['a | b', 'a &#124; b'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&lt;', '&amp;lt;'],
    ['`code` *bold* _it_ ~strike~', '&#96;code&#96; &#42;bold&#42; &#95;it&#95; &#126;strike&#126;'],
    ['[link](https://evil)', `&#91;link&#93;(https:${ZWSP}//evil)`],
    ['see https://github.com/other/repo/issues/1', `see https:${ZWSP}//github.com/other/repo/issues/1`],
    ['www.evil.example and WWW.Evil.example', `www${ZWSP}.evil.example and WWW${ZWSP}.Evil.example`],
    ['(www.x.io) ftp://files', `(www${ZWSP}.x.io) ftp:${ZWSP}//files`],
    ['back\\slash', 'back&#92;slash'],
    ['$x^2$', '&#36;x^2&#36;'],
    ['<!-- gateway-guard -->', '&lt;!-- gateway-guard --&gt;'],
    ['line1\nline2\r\nline3\rline4', 'line1 line2 line3 line4'],
    ['@org/team and @user', `@${ZWSP}org/team and @${ZWSP}user`],
    ['(@admin)', `(@${ZWSP}admin)`],
    ['gw@proj.iam.gserviceaccount.com', 'gw@proj.iam.gserviceaccount.com'],
    ['a @ b', 'a @ b'],
  ];
  for (const [input, expected] of cases) {
    await t.test(JSON.stringify(input), () => assert.equal(escapeMarkdown(input), expected));
  }
});

test('issue 16: no bare URL or www. host in escaped text can become a link (GitHub autolinks)', () => {
  // GFM extended autolinks: a scheme followed by `://`, or `www.` after a boundary.
  const autolink = /[a-z][a-z0-9+.-]*:\/\/|(?:^|[\s*_~(])www\./i;
  const inputs = [
    'https://github.com/acme/other/issues/7',
    'Backend http://orders.internal/x failed',
    'visit www.example.com now',
    '*www.example.com*',
    '_www.example.com_',
    'HTTPS://EXAMPLE.COM',
    'x-google-backend: grpcs://svc.example:443',
    'line1\nhttps://a.example',
  ];
  for (const input of inputs) assert.doesNotMatch(escapeMarkdown(input).replace(/&#\d+;/g, ' '), autolink, input);
});

test('codeSpan', async (t) => {
  const cases: Array<[string, string, boolean?]> = [
    ['gcloud run deploy', '`gcloud run deploy`'],
    ['a`b', '``a`b``'],
    ['a``b`c', '```a``b`c```'],
    ['`x`', '`` `x` ``'],
    ['x`', '`` x` ``'],
    [' padded ', '`  padded  `'],
    ['a | b', '`a \\| b`'],
    ['a | b', '`a | b`', false],
    ['multi \\\n  --line\nnext', '`multi --line next`'],
    ['', ''],
    ['<b>@team</b>', '`<b>@team</b>`'],
  ];
  for (const [input, expected, table] of cases) {
    await t.test(JSON.stringify(input), () =>
      assert.equal(codeSpan(input, table === undefined ? {} : { table }), expected),
    );
  }
});

test('oneLine joins shell continuations', () => {
  assert.equal(oneLine('gcloud a \\\n    --b \\\r\n  --c\nd'), 'gcloud a --b --c d');
});

test('truncate', async (t) => {
  const cases: Array<[string, number, string]> = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['this is too long', 8, 'this is…'],
    ['😀😀😀😀', 3, '😀😀…'],
    ['abc', 0, ''],
  ];
  for (const [text, max, expected] of cases) {
    await t.test(`${text} / ${max}`, () => assert.equal(truncate(text, max), expected));
  }
});

test('fitLines counts bytes plus a line break per line', () => {
  assert.deepEqual(fitLines(['aaa', 'bb', 'c'], 7), { kept: ['aaa', 'bb'], omitted: 1 });
  assert.deepEqual(fitLines(['é', 'é'], 5), { kept: ['é'], omitted: 1 });
  assert.deepEqual(fitLines(['é', 'é'], 4, (s) => s.length), { kept: ['é', 'é'], omitted: 0 });
  assert.deepEqual(fitLines(['a'], 0), { kept: [], omitted: 1 });
});

test('escapeMarkdown breaks issue references from untrusted text', () => {
  assert.equal(escapeMarkdown('fixes #12 and GH-7'), 'fixes #\u200b12 and GH-\u200b7');
  assert.equal(escapeMarkdown('heading #top'), 'heading #top');
});
