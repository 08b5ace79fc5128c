/**
 * `npm audit` of what ships: the packages bundled into dist/ (scripts/bundled-packages.ts). They are
 * devDependencies, as the published package installs nothing, so `--omit=dev` would audit nothing. Fails on high
 * or critical advisories in them; lists the others. When the registry's audit endpoint cannot be reached (some
 * mirrors answer 405), it says so plainly and does not fail the build.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closure, importedPackages } from './bundled-packages.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as Parameters<typeof closure>[0];
const shipped = closure(lock, await importedPackages(path.join(root, 'src')));
console.log(`npm audit: ${shipped.size} packages are bundled into dist/.`);

const run = spawnSync('npm', ['audit', '--json'], { encoding: 'utf8', cwd: root });
let result: { vulnerabilities?: Record<string, { severity: string; nodes?: string[] }>; statusCode?: number; message?: string };
try {
  result = JSON.parse(run.stdout) as typeof result;
} catch {
  console.log(`npm audit gave no JSON (exit ${run.status}); audit skipped: ${run.stderr.split('\n')[0] ?? ''}`);
  process.exit(0);
}
if (!result.vulnerabilities) {
  console.log(`npm audit could not reach the advisory database (${result.statusCode ?? ''} ${result.message ?? 'unknown error'}); audit skipped.`);
  process.exit(0);
}
const serious = (v: { severity: string }): boolean => v.severity === 'high' || v.severity === 'critical';
const inBundle = (v: { nodes?: string[] }): boolean => (v.nodes ?? []).some((n) => shipped.has(n));
const blocking = Object.entries(result.vulnerabilities).filter(([, v]) => serious(v) && inBundle(v));
for (const [name, v] of Object.entries(result.vulnerabilities)) {
  console.log(`${v.severity}: ${name}${inBundle(v) ? ' (bundled into dist/)' : ' (development only)'}`);
}
console.log(`npm audit: ${blocking.length} high or critical advisories in what dist/ bundles.`);
process.exit(blocking.length > 0 ? 1 : 0);
