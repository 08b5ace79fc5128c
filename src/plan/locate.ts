/**
 * Finds the `resource "TYPE" "NAME"` block of a planned resource in the workspace, so a finding can point at
 * the line a reviewer sees in the pull request's Terraform diff. The plan file's directory is the root
 * module; local module sources (`./…`, `../…`) are followed, from the plan's `configuration` or else the
 * `module` blocks of the `.tf` files. Every file and directory is resolved and must stay inside the
 * workspace; the work is bounded (files per directory, bytes per file and per call, module depth).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../workspace-files.ts';
import { parseAddress } from './address.ts';
import type { ConfigModule, PlanFile } from './model.ts';

const MAX_FILES_PER_DIR = 500;
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_MODULE_DEPTH = 32;

/** Where a block is: a workspace-relative file (with `/`) and a 1-based line. */
export interface BlockPlace {
  file: string;
  line: number;
}

/**
 * The `.tf` place of each address whose block is found (addresses not found are absent). Pass all addresses of
 * a plan in one call: each module directory is read once per call. Never throws.
 */
export async function locateResources(plan: PlanFile, addresses: string[], workspace: string): Promise<Map<string, BlockPlace>> {
  const found = new Map<string, BlockPlace>();
  const locator = await Locator.create(plan, workspace);
  if (!locator) return found;
  for (const address of new Set(addresses)) {
    const parsed = parseAddress(address);
    if (!parsed) continue;
    const dir = await locator.moduleDir(parsed.modules.map((m) => m.name));
    if (!dir) continue;
    const place = await locator.block(dir, parsed.mode === 'data' ? 'data' : 'resource', parsed.type, parsed.name);
    if (place) found.set(address, place);
  }
  return found;
}

/** The real directory of a module (by the names of its module calls from the root), inside the workspace. */
export async function moduleDirectory(plan: PlanFile, modules: string[], workspace: string): Promise<string | undefined> {
  const locator = await Locator.create(plan, workspace);
  return locator?.moduleDir(modules);
}

interface TfFile {
  rel: string;
  json: boolean;
  lines: string[];
  /** HCL files: the line of each block header (`["resource", TYPE, NAME]`), read once. */
  blocks?: Map<string, number>;
  /** `.tf.json` files: per `"TYPE"`, the line of each key after it. */
  jsonKeys?: Map<string, Map<string, number>>;
}

class Locator {
  private readonly files = new Map<string, Promise<TfFile[]>>();
  private readonly dirs = new Map<string, Promise<string | undefined>>();
  private readonly blocks = new Map<string, Promise<BlockPlace | undefined>>();
  private bytes = 0;
  private readonly plan: PlanFile;
  private readonly root: string;

  private constructor(plan: PlanFile, root: string) {
    this.plan = plan;
    this.root = root;
  }

  static async create(plan: PlanFile, workspace: string): Promise<Locator | undefined> {
    try {
      const root = await realpath(path.resolve(workspace));
      const dir = await realpath(plan.dir);
      return isInside(root, dir) ? new Locator({ ...plan, dir }, root) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The directory of the module reached through `calls`, or undefined (remote source, outside, missing). */
  moduleDir(calls: string[]): Promise<string | undefined> {
    if (calls.length > MAX_MODULE_DEPTH) return Promise.resolve(undefined);
    const key = JSON.stringify(calls);
    let dir = this.dirs.get(key);
    if (!dir) {
      dir = this.resolveDir(calls);
      this.dirs.set(key, dir);
    }
    return dir;
  }

  private async resolveDir(calls: string[]): Promise<string | undefined> {
    if (calls.length === 0) return this.plan.dir;
    const parent = await this.moduleDir(calls.slice(0, -1));
    if (!parent) return undefined;
    const name = calls[calls.length - 1]!;
    const source = configModule(this.plan.plan.configuration?.root_module, calls.slice(0, -1))?.module_calls?.[name]?.source ?? (await this.sourceFromText(parent, name));
    if (!source || !/^\.\.?[/\\]/.test(source)) return undefined;
    try {
      const dir = await realpath(path.resolve(parent, source));
      return isInside(this.root, dir) && (await stat(dir)).isDirectory() ? dir : undefined;
    } catch {
      return undefined;
    }
  }

  /** `source = "…"` of `module "NAME" {` in the directory's `.tf` files. */
  private async sourceFromText(dir: string, name: string): Promise<string | undefined> {
    const header = new RegExp(`^\\s*module\\s+(?:"${escape(name)}"|${escape(name)})\\s*\\{`);
    for (const file of await this.tfFiles(dir)) {
      if (file.json) continue;
      const start = file.lines.findIndex((line) => header.test(line));
      if (start < 0) continue;
      for (let i = start + 1; i < file.lines.length && !/^\}/.test(file.lines[i]!); i++) {
        const m = /^\s*source\s*=\s*"([^"]*)"/.exec(file.lines[i]!);
        if (m) return m[1];
      }
    }
    return undefined;
  }

  /**
   * The first `KIND "TYPE" "NAME" {` block in the directory's files (`.tf`, then `.tf.json`); looked up once per
   * block, whatever the number of its `count`/`for_each` instances (else time grows with bytes × instances).
   */
  block(dir: string, kind: 'resource' | 'data', type: string, name: string): Promise<BlockPlace | undefined> {
    const key = JSON.stringify([dir, kind, type, name]);
    let place = this.blocks.get(key);
    if (!place) {
      place = this.findBlock(dir, kind, type, name);
      this.blocks.set(key, place);
    }
    return place;
  }

  private async findBlock(dir: string, kind: 'resource' | 'data', type: string, name: string): Promise<BlockPlace | undefined> {
    for (const file of await this.tfFiles(dir)) {
      const line = file.json ? jsonBlockLine(file, type, name) : (file.blocks ??= hclBlocks(file.lines)).get(JSON.stringify([kind, type, name]));
      if (line !== undefined) return { file: file.rel, line };
    }
    return undefined;
  }

  private tfFiles(dir: string): Promise<TfFile[]> {
    let files = this.files.get(dir);
    if (!files) {
      files = this.readTfFiles(dir);
      this.files.set(dir, files);
    }
    return files;
  }

  private async readTfFiles(dir: string): Promise<TfFile[]> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.tf') || n.endsWith('.tf.json')).sort();
    } catch {
      return [];
    }
    const files: TfFile[] = [];
    for (const name of names.slice(0, MAX_FILES_PER_DIR)) {
      try {
        const real = await realpath(path.join(dir, name));
        if (!isInside(this.root, real)) continue;
        const info = await stat(real);
        if (!info.isFile() || info.size > MAX_FILE_BYTES || this.bytes + info.size > MAX_TOTAL_BYTES) continue;
        this.bytes += info.size;
        const text = await readFile(real, 'utf8');
        // The place shown is the file as it sits in the module directory (a link keeps its own name).
        const rel = path.relative(this.root, path.join(dir, name)).split(path.sep).join('/');
        files.push({ rel, json: name.endsWith('.json'), lines: text.split(/\r?\n/) });
      } catch {
        // unreadable: not a place to point at
      }
    }
    // `.tf` before `.tf.json`, each sorted by name.
    return [...files.filter((f) => !f.json), ...files.filter((f) => f.json)];
  }
}

const HEADER = /^\s*(resource|data)\s+(?:"([^"]*)"|([A-Za-z_][\w-]*))\s+(?:"([^"]*)"|([A-Za-z_][\w-]*))\s*\{/;

/** The line of every block header (the first of each `KIND TYPE NAME`), skipping `/* … *\/` comments: one pass. */
function hclBlocks(lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (inComment) {
      const close = line.indexOf('*/');
      if (close < 0) continue;
      line = line.slice(close + 2);
      inComment = false;
    }
    const m = HEADER.exec(line);
    if (m) {
      const key = JSON.stringify([m[1], m[2] ?? m[3], m[4] ?? m[5]]);
      if (!out.has(key)) out.set(key, i + 1);
    }
    const open = line.lastIndexOf('/*');
    if (open >= 0 && line.indexOf('*/', open) < 0 && !/^\s*(#|\/\/)/.test(line)) inComment = true;
  }
  return out;
}

/**
 * In a `.tf.json` file: the line of `"NAME":` after the line of `"TYPE":`. The keys after a type's line are
 * indexed in one pass per file and type (else time grows with bytes × blocks).
 */
function jsonBlockLine(file: TfFile, type: string, name: string): number | undefined {
  const typeKey = JSON.stringify(type);
  file.jsonKeys ??= new Map();
  let keys = file.jsonKeys.get(typeKey);
  if (!keys) {
    keys = new Map();
    file.jsonKeys.set(typeKey, keys);
    const start = file.lines.findIndex((line) => line.includes(typeKey));
    for (let i = Math.max(start, 0); start >= 0 && i < file.lines.length; i++) {
      const line = file.lines[i]!;
      const text = i === start ? line.slice(line.indexOf(typeKey) + typeKey.length) : line;
      for (const key of jsonKeysOf(text)) if (!keys.has(key)) keys.set(key, i + 1);
    }
  }
  return keys.get(JSON.stringify(name));
}

/** The object keys (`"…"` followed by `:`, quotes kept) of one line of JSON, in one linear pass. */
function jsonKeysOf(line: string): string[] {
  const keys: string[] = [];
  for (let i = line.indexOf('"'); i >= 0 && i < line.length; i = line.indexOf('"', i)) {
    let end = i + 1;
    while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
    if (end >= line.length) break;
    let after = end + 1;
    while (line[after] === ' ' || line[after] === '\t') after++;
    if (line[after] === ':') keys.push(line.slice(i, end + 1));
    i = end + 1;
  }
  return keys;
}

function configModule(root: ConfigModule | undefined, calls: string[]): ConfigModule | undefined {
  let module = root;
  for (const name of calls) module = module?.module_calls?.[name]?.module;
  return module;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
