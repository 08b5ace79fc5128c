/** The `gateway-guard` command: arguments → the same gate as the action → text, JSON or SARIF; exit 0/1/2. */
import { stat } from 'node:fs/promises';
import { maskMembers } from '../report/members.ts';
import path from 'node:path';
import { runGate, type GateOptions, type GateResult } from '../gate.ts';
import { reportWithFixes } from '../report/fixes.ts';
import { renderJsonReport } from '../report/json-report.ts';
import { renderSarif } from '../report/sarif.ts';
import { HOMEPAGE, VERSION } from '../version.ts';
import { parseCommandLine, UsageError, type CheckCommand } from './args.ts';
import { HELP } from './help.ts';
import { clean, renderText, shouldColor } from './text.ts';

/** Exit statuses: the gate passed, the gate failed, the command could not run as asked. */
export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;

/** Where the CLI reads and writes; process.* in production, fakes in tests. */
export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** What the CLI calls out to (replaceable in tests). */
export interface CliDeps {
  runGate: (options: GateOptions) => Promise<GateResult>;
  /** Why Application Default Credentials cannot be used, or undefined when they can. */
  credentialsProblem: () => Promise<string | undefined>;
}

/** An input the command cannot use (missing file, no credentials): exit 2, like a usage error. */
class InputProblem extends Error {}

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps = { runGate, credentialsProblem: adcProblem }): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    if (command.command === 'help') {
      io.stdout.write(HELP);
      return EXIT.pass;
    }
    if (command.command === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.pass;
    }
    return await check(command, io, deps);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gateway-guard: ${oneLine(err.message)} (see gateway-guard --help)\n`);
      return EXIT.usage;
    }
    if (err instanceof InputProblem) {
      io.stderr.write(`gateway-guard: ${oneLine(err.message)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`gateway-guard: stopped on an unexpected error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.usage;
  }
}

async function check(command: CheckCommand, io: CliIo, deps: CliDeps): Promise<number> {
  await checkSpecPaths(command.specs, io.cwd);
  const emulatorHost = io.env.GATEWAY_GUARD_EMULATOR_HOST?.trim() || undefined;
  if (!emulatorHost) {
    const problem = await deps.credentialsProblem();
    if (problem) {
      throw new InputProblem(
        `no usable Google credentials (${problem}); run \`gcloud auth application-default login\`, or set GOOGLE_APPLICATION_CREDENTIALS`,
      );
    }
  }
  const options: GateOptions = {
    specPatterns: command.specs,
    workspace: io.cwd,
    serviceAccount: command.serviceAccount,
    projects: command.projects,
    policyFile: command.policyFile,
    policyExplicit: command.policyExplicit,
    failOn: command.failOn,
    concurrency: command.concurrency,
    timeoutSeconds: command.timeoutSeconds,
    troubleshoot: command.troubleshoot,
    assetInventory: command.assetInventory,
    terraformPlans: command.terraformPlans,
    allowedProjects: command.allowedProjects,
    showMembers: command.showMembers,
    ...(emulatorHost ? { emulatorHost } : {}),
    ...(command.apiConfig ? { apiConfig: command.apiConfig } : {}),
  };
  const result = await deps.runGate(options);
  for (const note of (result as GateResult & { notes?: string[] }).notes ?? []) io.stderr.write(`gateway-guard: note: ${oneLine(note)}\n`);

  // With a plan that manages IAM, the Terraform fixes follow its style (as in the action).
  const full = result.terraformStyle ? reportWithFixes(result.report, new Map(), result.terraformStyle) : result.report;
  // Text and SARIF count group/user/domain members unless --show-members; the JSON report names them.
  const report = command.showMembers ? full : maskMembers(full);
  if (command.format === 'json') io.stdout.write(renderJsonReport(full));
  else if (command.format === 'sarif') {
    io.stdout.write(JSON.stringify(renderSarif(report, { toolVersion: VERSION, informationUri: HOMEPAGE }), null, 2) + '\n');
  } else {
    const color = shouldColor(command.color, io.env, io.stdout.isTTY === true);
    io.stdout.write(renderText(report, { color, callCount: result.callCount }));
  }
  return report.result === 'fail' ? EXIT.fail : EXIT.pass;
}

/** Spec paths must stay inside the current directory; a plain path (not a glob) must be an existing file. */
async function checkSpecPaths(specs: string[], cwd: string): Promise<void> {
  const root = path.resolve(cwd);
  for (const spec of specs) {
    const full = path.resolve(root, spec);
    const relative = path.relative(root, full);
    if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
      throw new UsageError(`SPEC ${JSON.stringify(spec)} is outside the current directory; run gateway-guard from a directory that contains the spec (e.g. the repository root)`);
    }
    if (/[*?[{]/.test(spec)) continue;
    let isFile: boolean;
    try {
      isFile = (await stat(full)).isFile();
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new InputProblem(code === 'ENOENT' ? `SPEC ${JSON.stringify(spec)}: no such file` : `SPEC ${JSON.stringify(spec)} cannot be read (${code ?? String(err)})`);
    }
    if (!isFile) throw new InputProblem(`SPEC ${JSON.stringify(spec)} is not a file; give the OpenAPI file(s), or a glob such as 'specs/*.yaml'`);
  }
}

/** Loads Application Default Credentials without calling any API. */
async function adcProblem(): Promise<string | undefined> {
  const { clientOptions, credentialsProblem } = await import('../online.ts');
  return credentialsProblem(clientOptions(undefined));
}

/** One line of stderr, its untrusted parts unable to start a line of their own (see clean). */
function oneLine(text: string): string {
  return clean(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).join(' '));
}
