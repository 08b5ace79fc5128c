/**
 * `npm run build` step: ncc minifies the entry file of a bundle without compression and leaves the chunks
 * it splits off for `import()` (the Google clients, Octokit) as they are. Minify every file of dist/ with
 * terser's compression (ES module, names kept for stack traces and `instanceof` messages): code that nothing
 * calls (webpack marks unused exports; most of js-yaml's dumper, for one) is dropped, so less is parsed at
 * start-up.
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
  const result = await minify(code.slice(shebang.length), {
    module: true,
    compress: { passes: 1 },
    mangle: { keep_classnames: true, keep_fnames: true },
    keep_classnames: true,
    keep_fnames: true,
  });
  if (result.code === undefined) throw new Error(`terser returned nothing for ${file}`);
  await writeFile(file, shebang + result.code);
}
