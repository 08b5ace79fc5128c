/**
 * The demo's comment and summary rendered as GitHub renders markdown (GFM, by `marked`), checked for
 * the layout's promises: short table cells, each fix in its own fenced block, code lines that fit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marked } from 'marked';
import { COMMAND_MAX_WIDTH } from '../../src/report/fixes.ts';
import { MAX_CELL, mediaOf } from '../../src/report/layout.ts';
import type { ReportFinding } from '../../src/report/model.ts';
import { demoRendered, exampleRendered, manyRendered } from './demo.ts';

/** Visible text of an HTML fragment: tags dropped, entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/** Every `<pre><code>` block of `html`: its language and its text. */
function codeBlocks(html: string): Array<{ lang: string; text: string }> {
  return [...html.matchAll(/<pre><code(?: class="language-([\w-]+)")?>([\s\S]*?)<\/code><\/pre>/g)].map((m) => ({ lang: m[1] ?? '', text: visible(m[2]!) }));
}

function checkLayout(markdown: string, what: string, fixCount: number): void {
  const html = marked.parse(markdown, { gfm: true, async: false });
  // Tables: a few columns, short cells, never a code block inside.
  const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1]!);
  assert.ok(tables.length >= 1, `${what}: a table`);
  for (const table of tables) {
    assert.ok(!table.includes('<pre>'), `${what}: a code block inside a table`);
    const header = /<tr>([\s\S]*?)<\/tr>/.exec(table)![1]!;
    assert.ok((header.match(/<th/g) ?? []).length <= 5, `${what}: ${header}`);
    for (const [, cell] of table.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)) {
      const text = visible(cell!);
      assert.ok([...text].length <= MAX_CELL, `${what}: a cell of ${[...text].length} characters: ${text}`);
    }
  }
  // Each fix in its own fenced block: one shell command per block, lines of at most 100 (most ≤ 80).
  const blocks = codeBlocks(html);
  const sh = blocks.filter((b) => b.lang === 'sh');
  assert.equal(sh.length, fixCount, `${what}: one sh block per gcloud fix`);
  for (const block of sh) {
    const commands = block.text.split('\n').filter((l) => /^gcloud /.test(l));
    assert.equal(commands.length, 1, `${what}: one command per block:\n${block.text}`);
    for (const line of block.text.split('\n')) assert.ok(line.length <= 80, `${what}: ${line.length}: ${line}`);
  }
  for (const block of blocks) for (const line of block.text.split('\n')) assert.ok(line.length <= COMMAND_MAX_WIDTH, `${what}: ${block.lang} line of ${line.length}`);
  // Prose stays out of tables: each finding's explanation is a paragraph of its own.
  assert.ok(!/<td>[^<]{120,}/.test(html), `${what}: long text in a cell`);
}

const gcloudFixes = (findings: ReportFinding[]) => findings.filter((f) => mediaOf(f, undefined)?.gcloud).length;

for (const get of [demoRendered, exampleRendered]) {
  test(`${get.name}: comment and summary render with short cells and one fenced block per gcloud fix`, async () => {
    const r = await get();
    const failing = r.report.findings.filter((f) => f.severity !== 'notice');
    assert.ok(gcloudFixes(failing) >= 3, `${r.name}: a few fixes to show`);
    checkLayout(r.comment, `${r.name} comment`, gcloudFixes(failing));
    checkLayout(r.summary, `${r.name} summary`, gcloudFixes(r.report.findings));
  });
}

test('the example shows Terraform and the spec change as blocks of their own', () => {
  const html = marked.parse(exampleRendered().comment, { gfm: true, async: false });
  const blocks = codeBlocks(html);
  assert.ok(blocks.some((b) => b.lang === 'hcl' && b.text.startsWith('# invoice-pdf is a 2nd-gen function')));
  assert.ok(blocks.some((b) => b.lang === 'diff' && /^-\s+jwt_audience: https:\/\/legacy-hook\.shop\.example\n\+\s+jwt_audience: https:\/\/us-central1-shop-prod\.cloudfunctions\.net\/legacy-hook$/.test(b.text)));
  assert.ok(html.includes('<details><summary>Terraform</summary>'));
});

test('60 findings: each entry folded in <details>, the same short cells and blocks, within the limits', () => {
  const r = manyRendered(12);
  const findings = r.report.findings;
  assert.match(r.comment, /^### ❌ gateway-guard: fail, 48 errors, 12 warnings$/m);
  const failing = findings.filter((f) => f.severity !== 'notice');
  assert.equal((r.comment.match(/^<details><summary>\d+\. (❌|⚠️) /gm) ?? []).length, failing.length, 'one folded entry per failing finding');
  checkLayout(r.comment, 'many comment', gcloudFixes(failing));
  checkLayout(r.summary, 'many summary', gcloudFixes(findings));
  assert.ok(r.comment.length < 65_536);
});
