/**
 * Version agreement: package.json, package-lock.json, src/version.ts, the bundle's `--version`, the `# vX.Y.Z`
 * comments of the pinned examples in README.md and docs/, and (for a release) the tag and its CHANGELOG.md entry.
 *   node scripts/check-version.ts [--tag vX.Y.Z]
 * Run by the version test on every CI run and by the release workflow with the release's tag.
 * Exit status: 0 all agree, 1 a disagreement (each printed), 2 usage error.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the version is compared across; `tag` only for a release. */
export interface VersionSources {
  packageJson: string;
  packageLock: string;
  versionTs: string;
  /** stdout of `node dist/index.js --version` */
  bundleVersion: string;
  /** markdown files by path */
  docs: Record<string, string>;
  changelog: string;
  tag?: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

/** Every disagreement between the sources, as a sentence naming the file to fix; empty when they agree. */
export function versionProblems(s: VersionSources): string[] {
  const problems: string[] = [];
  const pkg = JSON.parse(s.packageJson) as { version?: string };
  const version = pkg.version ?? '';
  if (!SEMVER.test(version)) return [`package.json: version "${version}" is not a semantic version (X.Y.Z)`];
  const lock = JSON.parse(s.packageLock) as { version?: string; packages?: Record<string, { version?: string }> };
  const differs = (where: string, found: string | undefined): void => {
    if (found !== version) problems.push(`${where} says ${found === undefined ? 'nothing' : `"${found}"`}, package.json says "${version}"`);
  };
  differs('package-lock.json (version)', lock.version);
  differs('package-lock.json (packages[""].version)', lock.packages?.['']?.version);
  differs('src/version.ts (VERSION)', /export const VERSION = '([^']*)'/.exec(s.versionTs)?.[1]);
  differs('dist/index.js --version (rebuild with npm run build)', s.bundleVersion.trim());
  for (const [file, text] of Object.entries(s.docs)) {
    text.split('\n').forEach((line, i) => {
      const m = /gateway-guard@(?:<[^>]*>|\S+)\s+#\s*v(\d[\w.+-]*)/.exec(line);
      if (m && !line.includes('gateway-guard@v')) differs(`${file}:${i + 1} (pin comment)`, m[1]);
    });
  }
  if (s.tag !== undefined) {
    if (!/^v/.test(s.tag) || !SEMVER.test(s.tag.slice(1))) problems.push(`tag "${s.tag}" is not vX.Y.Z`);
    else if (s.tag !== `v${version}`) problems.push(`tag "${s.tag}" does not match package.json's version "${version}" (expected v${version})`);
    const escaped = version.replace(/[.+-]/g, (c) => `\\${c}`);
    if (!new RegExp(`^## \\[${escaped}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm').test(s.changelog)) {
      problems.push(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section for the release`);
    }
  }
  return problems;
}

/** Reads the sources of the repository at `root` (the bundle is run with this process's Node). */
export async function readVersionSources(root: string, tag?: string): Promise<VersionSources> {
  const read = (f: string): Promise<string> => readFile(path.join(root, f), 'utf8');
  const docs: Record<string, string> = { 'README.md': await read('README.md') };
  for (const f of await readdir(path.join(root, 'docs'), { recursive: true })) if (f.endsWith('.md')) docs[`docs/${f}`] = await read(`docs/${f}`);
  let bundleVersion: string;
  try {
    bundleVersion = execFileSync(process.execPath, [path.join(root, 'dist/index.js'), '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  } catch (err) {
    bundleVersion = `(failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  return {
    packageJson: await read('package.json'),
    packageLock: await read('package-lock.json'),
    versionTs: await read('src/version.ts'),
    bundleVersion,
    docs,
    changelog: await read('CHANGELOG.md'),
    ...(tag !== undefined ? { tag } : {}),
  };
}

async function main(args: string[]): Promise<number> {
  const tagAt = args.indexOf('--tag');
  const tag = tagAt >= 0 ? args[tagAt + 1] : undefined;
  if ((tagAt >= 0 && (tag === undefined || tag === '')) || args.length !== (tagAt >= 0 ? 2 : 0)) {
    console.error('usage: node scripts/check-version.ts [--tag vX.Y.Z]');
    return 2;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = versionProblems(await readVersionSources(root, tag));
  for (const p of problems) console.error(`version: ${p}`);
  const version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  if (problems.length === 0) console.log(`version ${version}: package.json, lockfile, src/version.ts, dist/, docs${tag ? `, tag ${tag} and CHANGELOG.md` : ''} agree.`);
  return problems.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
