/**
 * Reads the policy file. Its parser and the validator ajv compiled from the JSON Schema load only when
 * there is a file to read (src/policy/parse.ts, src/generated/policy-validator.ts).
 */
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Finding } from '../types.ts';
import { readWorkspaceFile } from '../workspace-files.ts';
import { emptyPolicy, policyFailure } from './model.ts';
import type { Policy } from './model.ts';

/** Larger policy files are refused (a real one is a few KiB). */
const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * Loads the policy file `file` (relative to `workspace`). A missing file is the empty policy unless the
 * path was given explicitly; a missing explicit file or an invalid one yields `invalid-spec` findings
 * (and the empty policy). Never throws on bad input.
 */
export async function loadPolicy(
  file: string,
  workspace: string,
  explicit: boolean,
): Promise<{ policy: Policy; findings: Finding[] }> {
  const absolute = path.resolve(workspace, file);
  const relative = path.relative(workspace, absolute).split(path.sep).join('/') || file;
  const read = await readWorkspaceFile(workspace, absolute, { maxBytes: MAX_POLICY_BYTES });
  if (!read.ok) {
    switch (read.kind) {
      case 'missing':
        if (!explicit) return { policy: emptyPolicy(), findings: [] };
        return policyFailure(relative, undefined, `Policy file ${relative} (input \`policy\`) does not exist; create it or correct the path (relative to the repository root)`);
      case 'directory':
        return policyFailure(relative, undefined, `Policy file ${relative} (input \`policy\`) is a directory; name the YAML file, e.g. .github/gateway-guard.yml`);
      case 'outside':
        return policyFailure(relative, undefined, `Policy file ${relative} (input \`policy\`) leads outside the workspace (a path or symlink out of the repository); keep the policy file in the repository`);
      case 'not-a-file':
        return policyFailure(relative, undefined, `Policy file ${relative} (input \`policy\`) is not a regular file; commit the policy as a YAML file`);
      case 'too-large':
        return policyFailure(relative, undefined, `Policy file ${relative} is larger than 1 MiB; a policy holds a few exceptions and overrides, check the \`policy\` input`);
      case 'unreadable':
        return policyFailure(relative, undefined, `Policy file ${relative} cannot be read (${read.code.slice(0, 200)}); check the \`policy\` input and the file's permissions`);
    }
  }
  const source = read.bytes.toString('utf8');
  const [{ parsePolicy }, { policy: validate }] = await Promise.all([import('./parse.ts'), import('../generated/policy-validator.ts')]);
  return parsePolicy(source, relative, validate as ValidateFunction);
}

