/**
 * `npm run build` step: ncc minifies the entry file of a bundle but not the chunks it splits off for
 * `import()` (the Google clients, Octokit): minify those the way ncc minifies the entry (terser, ES module,
 * names kept for stack traces and `instanceof` messages, no compression passes).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { minify } from 'terser';

const dist = path.resolve(import.meta.dirname, '..', 'dist');

async function chunks(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await chunks(file)));
    else if (/^\d+\.index\.js$/.test(entry.name)) out.push(file);
  }
  return out;
}

for (const file of await chunks(dist)) {
  const code = await readFile(file, 'utf8');
  const result = await minify(code, { module: true, compress: false, mangle: { keep_classnames: true, keep_fnames: true } });
  if (result.code === undefined) throw new Error(`terser returned nothing for ${file}`);
  await writeFile(file, result.code);
}
