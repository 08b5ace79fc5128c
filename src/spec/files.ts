import { glob, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Backend, Finding, SpecReadResult } from '../types.ts';
import { invalidSpec, quote } from './finding.ts';
import { parseSpec } from './openapi.ts';

const MAX_BYTES = 10 * 1024 * 1024;
const GLOB_CHARS = /[*?[{]/;

/**
 * Expands spec paths and globs relative to `workspace`, then reads and parses each file.
 * Every problem becomes an `invalid-spec` finding; it never throws for bad input.
 */
export async function readSpecFiles(patterns: string[], workspace: string): Promise<SpecReadResult> {
  const root = path.resolve(workspace);
  const findings: Finding[] = [];
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    const message = `the workspace ${quote(root)} cannot be read (${errorCode(error)})`;
    return { files: [], backends: [], findings: [invalidSpec('.', 1, message)] };
  }

  const candidates = new Set<string>();
  for (const pattern of patterns) {
    const relative = insideWorkspace(pattern, root);
    if (relative === undefined) {
      findings.push(
        invalidSpec(
          pattern,
          1,
          `${quote(pattern)} points outside the workspace; spec paths must be relative to GITHUB_WORKSPACE and stay inside it`,
        ),
      );
    } else if (!GLOB_CHARS.test(relative)) {
      candidates.add(relative);
    } else {
      const expanded = await expand(relative, root);
      if (typeof expanded === 'string') findings.push(invalidSpec(pattern, 1, expanded));
      else if (expanded.length === 0) {
        findings.push(
          invalidSpec(pattern, 1, `no file matches ${quote(pattern)}; check the path and the glob (relative to the workspace)`),
        );
      } else for (const file of expanded) candidates.add(file);
    }
  }

  const files: string[] = [];
  const backends: Backend[] = [];
  const sorted = [...candidates].sort();
  const reads = await Promise.all(sorted.map((file) => readText(file, root, realRoot)));
  sorted.forEach((file, index) => {
    const read = reads[index]!;
    if (typeof read !== 'string') {
      findings.push(read);
      return;
    }
    files.push(file);
    const parsed = parseSpec(read, file);
    backends.push(...parsed.backends);
    findings.push(...parsed.findings);
  });
  return { files, backends, findings };
}

/** The pattern relative to the workspace, with `/`; undefined when it leaves the workspace. */
function insideWorkspace(pattern: string, root: string): string | undefined {
  const relative = path.relative(root, path.resolve(root, pattern));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return relative === '' ? '.' : relative.split(path.sep).join('/');
}

/** Files (not directories) a glob matches, relative to the workspace; a message if it cannot be expanded. */
async function expand(pattern: string, root: string): Promise<string[] | string> {
  const files: string[] = [];
  try {
    for await (const entry of glob(pattern, { cwd: root, withFileTypes: true })) {
      if (entry.isDirectory()) continue;
      files.push(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    }
  } catch (error) {
    return `the glob ${quote(pattern)} cannot be expanded (${errorCode(error)})`;
  }
  return files;
}

/** The file's text, or the finding that explains why it cannot be used. */
async function readText(file: string, root: string, realRoot: string): Promise<string | Finding> {
  const problem = (message: string) => invalidSpec(file, 1, message);
  let real: string;
  try {
    real = await realpath(path.join(root, file));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return problem('the file does not exist; check the spec input (paths are relative to the workspace)');
    }
    return problem(`the file cannot be read (${errorCode(error)})`);
  }
  const relative = path.relative(realRoot, real);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    return problem('the path is a symlink that resolves outside the workspace; keep the spec files in the repository');
  }
  let buffer: Buffer;
  try {
    const info = await stat(real);
    if (info.isDirectory()) {
      return problem(`this is a directory, not a file; name the spec files, e.g. ${quote(`${file}/*.yaml`)}`);
    }
    if (!info.isFile()) return problem('this is not a regular file');
    if (info.size > MAX_BYTES) return problem(tooLarge(info.size));
    buffer = await readFile(real);
  } catch (error) {
    return problem(`the file cannot be read (${errorCode(error)})`);
  }
  if (buffer.length > MAX_BYTES) return problem(tooLarge(buffer.length));
  if (buffer.includes(0)) return problem('this is a binary file, not YAML or JSON text');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return problem('the file is not valid UTF-8 text; save it as UTF-8');
  }
}

function tooLarge(bytes: number): string {
  return `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the 10 MiB limit for a spec file`;
}

function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
