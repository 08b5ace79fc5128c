/**
 * The npm packages that end up inside dist/: what src/ imports (type-only imports left out), and everything
 * those need, as package-lock.json resolves it. They are devDependencies (the bundle is self-contained, so the
 * published package installs nothing), so `npm audit --omit=dev` would not see them: scripts/audit.ts uses this.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface LockPackage {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Package names imported at run time by the .ts files under `srcDir`. */
export async function importedPackages(srcDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const files = (await readdir(srcDir, { recursive: true })).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const text = await readFile(path.join(srcDir, file), 'utf8');
    const specifiers = [
      ...text.matchAll(/^\s*import\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm),
      ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
      ...text.matchAll(/^\s*export\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm),
    ].map((m) => m[1] ?? '');
    for (const s of specifiers) {
      if (s.startsWith('.') || s.startsWith('node:') || s === '') continue;
      names.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s));
    }
  }
  return names;
}

/** Lockfile paths (`node_modules/a/node_modules/b`) of `roots` and all they depend on, resolved as Node does. */
export function closure(lock: { packages: Record<string, LockPackage> }, roots: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const queue = [...roots].map((name) => resolve('', name)).filter((p): p is string => p !== undefined);
  while (queue.length > 0) {
    const at = queue.pop() ?? '';
    if (found.has(at)) continue;
    found.add(at);
    const pkg = lock.packages[at] ?? {};
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
      const dep = resolve(at, name);
      if (dep) queue.push(dep);
    }
  }
  return found;
}
