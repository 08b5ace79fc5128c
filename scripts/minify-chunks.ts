/**
 * `npm run build` step. ncc minifies the entry file of a bundle without compression and leaves the chunks it
 * splits off for `import()` (the Google clients, Octokit) as they are. Here, the two entry files (what every
 * run loads: dist/index.js, dist/lib/index.js) are minified again with terser's compression, which drops the
 * code nothing calls (webpack marks unused exports; most of js-yaml's dumper, for one), so less is parsed at
 * start-up; the chunks are minified without compression, as ncc minifies (their third-party code, the
 * Google auth flows above all, is not all exercised by the tests against dist/). Names are kept everywhere,
 * for stack traces and `instanceof` messages.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { minify } from 'terser';

const dist = path.resolve(import.meta.dirname, '..', 'dist');

async function bundleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await bundleFiles(file)));
    else if (/^(\d+\.)?index\.js$/.test(entry.name)) out.push(file);
  }
  return out;
}

for (const file of await bundleFiles(dist)) {
  const code = await readFile(file, 'utf8');
  const shebang = code.startsWith('#!') ? code.slice(0, code.indexOf('\n') + 1) : '';
  const entry = path.basename(file) === 'index.js';
  const result = await minify(code.slice(shebang.length), {
    module: true,
    compress: entry ? { passes: 1 } : false,
    mangle: { keep_classnames: true, keep_fnames: true },
    keep_classnames: true,
    keep_fnames: true,
  });
  if (result.code === undefined) throw new Error(`terser returned nothing for ${file}`);
  await writeFile(file, shebang + result.code);
}
