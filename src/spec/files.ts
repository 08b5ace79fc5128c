import path from 'node:path';
import type { Backend, Finding, SpecReadResult } from '../types.ts';
import { invalidSpec, quote } from './finding.ts';
import { errorCode, expandGlob, GLOB_CHARS, readWorkspaceFile, realpath, workspaceRelative } from '../workspace-files.ts';
import { parseSpec, type SpecResult } from './openapi.ts';

const MAX_BYTES = 10 * 1024 * 1024;
/** Most spec files one run reads (a config has a handful; a glob matching thousands is a mistake or an attack). */
const MAX_FILES = 1000;

/**
 * Expands spec paths and globs relative to `workspace`, then reads and parses each file.
 * Every problem becomes an `invalid-spec` finding; it never throws for bad input.
 */
export async function readSpecFiles(patterns: string[], workspace: string, beforeParse?: (texts: SpecText[]) => Promise<void>): Promise<SpecReadResult> {
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
    const relative = workspaceRelative(pattern, root);
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
      const glob = await expandGlob(relative, root, realRoot);
      const expanded =
        'code' in glob
          ? `the glob ${quote(pattern)} cannot be expanded (${glob.code})`
          : glob.outside > 0
            ? `the glob ${quote(pattern)} reaches ${glob.outside} file(s) through a symlinked directory that leaves the workspace; they were not read (keep the spec files in the repository)`
            : glob.files;
      if (typeof expanded === 'string') findings.push(invalidSpec(pattern, 1, expanded));
      else if (expanded.length === 0) {
        findings.push(
          invalidSpec(pattern, 1, `no file matches ${quote(pattern)}; check the path and the glob (relative to the workspace)`),
        );
      } else for (const file of expanded) candidates.add(file);
    }
  }

  const sorted = [...candidates].sort();
  if (sorted.length > MAX_FILES) {
    const message = `the spec input matches more than ${MAX_FILES} files, the limit; name the gateway config's OpenAPI files more narrowly`;
    return { files: [], backends: [], findings: [...findings, invalidSpec(patterns[0] ?? '.', 1, message)] };
  }
  // The texts are read, shown to `beforeParse` (the run starts looking up the addresses they name), then
  // parsed, as long as they fit in one file's limit together; past it each is parsed as soon as it is read,
  // so that no more than 20 MiB of text is held at once however many files match.
  const files: string[] = [];
  const outcomes: Array<Finding | SpecText | SpecResult> = [];
  let held = 0;
  for (const file of sorted) {
    const read = await readText(file, root);
    if (typeof read !== 'string') {
      outcomes.push(read);
      continue;
    }
    files.push(file);
    held += read.length;
    outcomes.push(held > MAX_BYTES ? parseSpec(read, file) : { file, text: read });
  }
  const texts = outcomes.filter((o): o is SpecText => 'text' in o);
  if (texts.length > 0) await beforeParse?.(texts);
  const backends: Backend[] = [];
  for (const outcome of outcomes) {
    const result = 'text' in outcome ? parseSpec(outcome.text, outcome.file) : 'rule' in outcome ? { backends: [], findings: [outcome] } : outcome;
    backends.push(...result.backends);
    findings.push(...result.findings);
  }
  return { files, backends, findings };
}

/** A spec file's text, read and checked (inside the workspace, within the limit, UTF-8), not yet parsed. */
export interface SpecText {
  file: string;
  text: string;
}

/** The file's text, or the finding that explains why it cannot be used. */
async function readText(file: string, root: string): Promise<string | Finding> {
  const problem = (message: string) => invalidSpec(file, 1, message);
  const read = await readWorkspaceFile(root, file, { maxBytes: MAX_BYTES });
  if (!read.ok) {
    switch (read.kind) {
      case 'missing':
        return problem('the file does not exist; check the spec input (paths are relative to the workspace)');
      case 'outside':
        return problem('the path is a symlink that resolves outside the workspace; keep the spec files in the repository');
      case 'directory':
        return problem(`this is a directory, not a file; name the spec files, e.g. ${quote(`${file}/*.yaml`)}`);
      case 'not-a-file':
        return problem('this is not a regular file');
      case 'too-large':
        return problem(tooLarge(read.bytes));
      case 'unreadable':
        return problem(`the file cannot be read (${read.code})`);
    }
  }
  const buffer = read.bytes;
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
