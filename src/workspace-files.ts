/**
 * The one rule for files a pull request controls. An input is read only when it is inside the workspace
 * after resolving links, a regular file, and within its size limit, checked before a byte is read. An
 * output is never written through a symlink. Problems name the path as given, never where a link points.
 */
import fs, { constants, lstatSync, mkdirSync, openSync, closeSync, fstatSync, realpathSync, statSync, writeSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

// node:fs's callback functions, promisified: node:fs/promises costs a few ms to load at start-up (it brings
// readline along), and the one thing only it has, glob, loads when a pattern needs it.
export const realpath = promisify(fs.realpath);
const stat = promisify(fs.stat);
const open = promisify(fs.open);
const fstat = promisify(fs.fstat);
const read = promisify(fs.read);
const close = promisify(fs.close);

/** Why an input cannot be read; `outside` covers a path that leaves the workspace as written or through links. */
export type ReadProblem =
  | { kind: 'outside' }
  | { kind: 'missing' }
  | { kind: 'directory' }
  | { kind: 'not-a-file' }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'unreadable'; code: string };

/** The bytes of a workspace file, or why it cannot be used. */
export type WorkspaceRead = { ok: true; bytes: Buffer } | ({ ok: false } & ReadProblem);

// O_NONBLOCK: opening a FIFO never waits for a writer (the stat before it refuses FIFOs anyway).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Whether `target` is `root` or below it (both absolute). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * Reads `relPath` (relative to `workspace`, or absolute inside it) under the workspace rule, at most
 * `maxBytes` bytes: a device, a FIFO or a file over the limit is refused before any read.
 */
export async function readWorkspaceFile(workspace: string, relPath: string, options: { maxBytes: number }): Promise<WorkspaceRead> {
  const root = path.resolve(workspace);
  const full = path.resolve(root, relPath);
  if (!isInside(root, full)) return { ok: false, kind: 'outside' };
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(full);
  } catch (error) {
    const code = errorCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { ok: false, kind: 'missing' } : { ok: false, kind: 'unreadable', code };
  }
  if (!isInside(realRoot, real)) return { ok: false, kind: 'outside' };
  let fd: number | undefined;
  try {
    const info = await stat(real);
    if (info.isDirectory()) return { ok: false, kind: 'directory' };
    if (!info.isFile()) return { ok: false, kind: 'not-a-file' };
    if (info.size > options.maxBytes) return { ok: false, kind: 'too-large', bytes: info.size };
    fd = await open(real, READ_FLAGS);
    // The file that was opened is the one judged: a swap between stat and open changes nothing.
    const opened = await fstat(fd);
    if (!opened.isFile()) return { ok: false, kind: 'not-a-file' };
    if (opened.size > options.maxBytes) return { ok: false, kind: 'too-large', bytes: opened.size };
    // One byte more than the limit tells a file that grew after the stat.
    const buffer = Buffer.alloc(opened.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await read(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) return { ok: false, kind: 'unreadable', code: 'the file changed while it was read' };
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, kind: 'unreadable', code: errorCode(error) };
  } finally {
    if (fd !== undefined) await close(fd);
  }
}

/**
 * Why `file` (absolute, or relative to `workspace`) may not be written, or undefined when it may. Inside
 * the workspace no part of the path may be a symlink; anywhere, an existing file must be a regular one.
 */
export function outputPathProblem(workspace: string, file: string): string | undefined {
  const root = path.resolve(workspace);
  const full = path.resolve(root, file);
  const parts = isInside(root, full) ? path.relative(root, full).split(path.sep).filter(Boolean) : [];
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const info = lstatOrUndefined(current);
    if (!info) return undefined; // created from here on, by us
    if (info.isSymbolicLink()) {
      return `${path.relative(root, current).split(path.sep).join('/')} is a symlink in the workspace; an output is never written through a link`;
    }
  }
  const info = lstatOrUndefined(full);
  if (info?.isSymbolicLink()) return 'it is a symlink; an output is never written through a link';
  if (info && !info.isFile()) return 'it exists and is not a regular file';
  return undefined;
}

/** Writes `data` to `file` (creating its directories) under {@link outputPathProblem}'s rule; throws an Error saying why not. */
export function writeOutputFile(workspace: string, file: string, data: string): void {
  const full = path.resolve(workspace, file);
  const problem = outputPathProblem(workspace, full);
  if (problem) throw new Error(problem);
  mkdirSync(path.dirname(full), { recursive: true });
  // O_NOFOLLOW: a link that appeared after the check is refused by the kernel, not followed.
  const fd = openSync(full, WRITE_FLAGS, 0o644);
  try {
    if (!fstatSync(fd).isFile()) throw new Error('it is not a regular file');
    const bytes = Buffer.from(data, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/** The `code` of a Node error (`ENOENT`), else its message. */
export function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}

/** Characters that make a path a glob. */
export const GLOB_CHARS = /[*?[{]/;

/** The pattern relative to the workspace, with `/`; undefined when it leaves the workspace. */
export function workspaceRelative(pattern: string, root: string): string | undefined {
  const full = path.resolve(root, pattern);
  if (!isInside(root, full)) return undefined;
  const relative = path.relative(root, full);
  return relative === '' ? '.' : relative.split(path.sep).join('/');
}

/**
 * Files (not directories) a glob matches, relative to the workspace, at most `limit + 1` of them (more than
 * `limit` tells the caller there are too many). It never descends through a symlinked directory: one leading
 * out of the workspace would list outside names, and a match found behind one anyway is only counted, never
 * named (`outside`). `code` when the glob cannot be expanded.
 */
export async function expandGlob(pattern: string, root: string, realRoot: string, limit = 1000): Promise<{ files: string[]; outside: number } | { code: string }> {
  const files: string[] = [];
  let outside = 0;
  const real = (file: string) => {
    try {
      return realpathSync(file);
    } catch {
      return undefined;
    }
  };
  const linkedDirectory = (entry: Dirent) => {
    if (!entry.isSymbolicLink()) return false;
    try {
      return statSync(path.join(entry.parentPath, entry.name)).isDirectory();
    } catch {
      return false;
    }
  };
  try {
    const { glob } = await import('node:fs/promises');
    for await (const entry of glob(pattern, { cwd: root, withFileTypes: true, exclude: linkedDirectory })) {
      if (entry.isDirectory() || linkedDirectory(entry)) continue;
      const parent = real(entry.parentPath);
      if (parent === undefined || !isInside(realRoot, parent)) {
        outside++;
        continue;
      }
      files.push(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
      if (files.length > limit) break;
    }
  } catch (error) {
    return { code: errorCode(error) };
  }
  return { files, outside };
}
