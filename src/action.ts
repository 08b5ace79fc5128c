import { pullRequestFromEvent, runContext } from './github/context.ts';
import type { Suggestion } from './github/review.ts';
import { reportWithFixes } from './report/fixes.ts';
import { explanation, type Medium } from './report/layout.ts';
import { runGate } from './gate.ts';
import type { ActionInputs } from './inputs.ts';
import { selectAnnotations } from './report/annotations.ts';
import { renderJsonReport } from './report/json-report.ts';
import { maskMembers } from './report/members.ts';
import { redact, redactDeep } from './report/redact.ts';
import type { Report } from './report/model.ts';
import { renderSummary } from './report/summary.ts';
import { HOMEPAGE, VERSION } from './version.ts';
import * as runner from './workflow-command.ts';
import { readWorkspaceFile, writeOutputFile } from './workspace-files.ts';

/** The action, once its inputs are valid: gate → annotations, summary, outputs, comment, exit code. */
export async function runAction(inputs: ActionInputs): Promise<void> {
  if (inputs.githubToken) runner.setSecret(inputs.githubToken);
  const { report, callCount, notes, outsideRepository, terraformStyle } = await runGate({
    specPatterns: inputs.specPatterns,
    apiConfig: inputs.apiConfig || undefined,
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    serviceAccount: inputs.serviceAccount,
    projects: inputs.projects,
    failOn: inputs.failOn,
    policyFile: inputs.policyFile,
    policyExplicit: inputs.policyFileExplicit,
    emulatorHost: process.env.GATEWAY_GUARD_EMULATOR_HOST?.trim() || undefined,
    concurrency: inputs.concurrency,
    timeoutSeconds: inputs.timeoutSeconds,
    troubleshoot: inputs.troubleshoot,
    assetInventory: inputs.assetInventory,
    missingCredentials: inputs.missingCredentials,
    terraformPlans: inputs.terraformPlans,
    allowedProjects: inputs.allowedProjects,
    showMembers: inputs.showMembers,
    secrets: inputs.githubToken ? [inputs.githubToken] : [],
    credentialsHint: forkHint(),
  });
  for (const note of notes) runner.info(note);
  // The Terraform fixes name plan addresses and files: redacted like the rest of the report.
  const withFixes = redactDeep(reportWithFixes(report, await specTexts(report, inputs), terraformStyle), inputs.githubToken ? [inputs.githubToken] : []);
  // A repository whose plan manages IAM gets the Terraform fix first (gcloud folded under it).
  await publish(withFixes, inputs, new Set(outsideRepository), terraformStyle ? 'terraform' : 'gcloud');
  const verdict = `gateway-guard: ${report.result} — ${report.counts.errors} error(s), ${report.counts.warnings} warning(s), ${callCount} Google API call(s).`;
  runner.info(verdict);
  if (report.result === 'fail') {
    // Not setFailed: its own error annotation would push one of the spec's out of GitHub's 10 per step.
    runner.info(`The gate fails on ${inputs.failOn === 'warning' ? 'warnings and errors' : 'errors'} (input fail-on): see the annotations and the job summary.`);
    process.exitCode = 1;
  }
}

/**
 * The report file and outputs first (the contract), then SARIF, the job summary and the PR comment. If one
 * of those cannot be written, the action says so ahead of the findings' annotations (so GitHub's 10 per
 * level keep it) and the verdict stands; a report or SARIF file that was not written fails the step.
 */
async function publish(full: Report, inputs: ActionInputs, outsideRepository: Set<string>, medium: Medium): Promise<void> {
  // The JSON report names every member; everything shown to readers of the run or the PR counts them.
  const report = inputs.showMembers ? full : maskMembers(full);
  const problems: { error: string[]; warning: string[] } = { error: [], warning: [] };
  const reportFile = runner.reportFilePath();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  try {
    writeOutputFile(workspace, reportFile, renderJsonReport(full));
  } catch (err) {
    problems.error.push(`Could not write the JSON report ${reportFile} (output report-file; RUNNER_TEMP must be a writable directory): ${messageOf(err, inputs)}`);
    process.exitCode = 1;
  }
  runner.setOutput('result', report.result);
  runner.setOutput('errors', String(report.counts.errors));
  runner.setOutput('warnings', String(report.counts.warnings));
  runner.setOutput('report-file', reportFile);

  if (inputs.sarifFile) {
    try {
      // The SARIF renderer (and the rule texts it carries) loads only when a SARIF file is asked for.
      const { renderSarif } = await import('./report/sarif.ts');
      // A committed symlink at the SARIF path must not redirect the write out of the workspace.
      writeOutputFile(workspace, inputs.sarifFile, JSON.stringify(renderSarif(report, { toolVersion: VERSION, informationUri: HOMEPAGE }), null, 2) + '\n');
    } catch (err) {
      problems.error.push(`Could not write the SARIF file ${inputs.sarifFile} (input sarif-file): ${messageOf(err, inputs)}`);
      process.exitCode = 1;
    }
  }
  let summaryWritten = false;
  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      await runner.appendSummary(renderSummary(report, { medium }));
      summaryWritten = true;
    } catch (err) {
      problems.warning.push(`Could not write the job summary (the report file and annotations have the findings): ${messageOf(err, inputs)}`);
    }
  }
  if (inputs.comment) {
    // Whatever goes wrong with the comment (its modules, its rendering, GitHub) is a warning: the verdict,
    // the annotations and the summary stand.
    const warning = await comment(report, inputs, medium).catch((err: unknown) => `gateway-guard could not comment on the pull request: ${messageOf(err, inputs)}`);
    if (warning) problems.warning.push(warning);
  }

  for (const message of problems.error) runner.annotate('error', message, { title: 'gateway-guard' });
  for (const message of problems.warning) runner.annotate('warning', message, { title: 'gateway-guard' });
  const reserved = { error: problems.error.length, warning: problems.warning.length };
  // With api-config the documents come from the API Gateway API, not the repository (and a planned API
  // config's document may not be a workspace file): GitHub could not open such a file, so the place goes in
  // the message instead.
  const moreIn = summaryWritten ? 'the job summary' : 'the JSON report (output report-file)';
  for (const a of selectAnnotations(report.findings, 10, reserved, moreIn)) {
    const inRepository = !inputs.apiConfig && !(a.file && outsideRepository.has(a.file));
    const place = a.file && !inRepository ? `${a.file}${a.line ? `:${a.line}` : ''}: ` : '';
    const props = { title: a.title, ...(a.file && inRepository ? { file: a.file } : {}), ...(a.line && inRepository ? { startLine: a.line } : {}) };
    runner.annotate(a.level, place + a.message, props);
  }
}

/** The texts of the workspace spec files that findings propose to change (for the spec fix); none with api-config. */
async function specTexts(report: Report, inputs: ActionInputs): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  if (inputs.apiConfig) return texts;
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const files = new Set(report.findings.flatMap((f) => (f.specEdit && f.file ? [f.file] : [])));
  for (const file of files) {
    // The spec reader read this file already; one that cannot be read again just has no spec fix.
    const read = await readWorkspaceFile(workspace, file, { maxBytes: 8 * 1024 * 1024 });
    if (read.ok) texts.set(file, read.bytes.toString('utf8'));
  }
  return texts;
}

const messageOf = (err: unknown, inputs: ActionInputs): string => redact(err instanceof Error ? err.message : String(err), [inputs.githubToken]);

/** Why a PR from a fork has no Google credentials, when this run is one. */
function forkHint(): string | undefined {
  const context = runContext();
  const pr = pullRequestFromEvent(context.eventName, context.payload);
  if (!pr?.fromFork || context.eventName !== 'pull_request') return undefined;
  return 'This is a pull request from a fork: GitHub gives such runs no OIDC token and no secrets, so no workflow step can authenticate to Google. See "Pull requests from forks" in the README for the supported setup.';
}

/** The sticky PR comment, on pull_request events. A refusal to comment is a warning (returned); the verdict stands. */
async function comment(report: Report, inputs: ActionInputs, medium: Medium): Promise<string | undefined> {
  const context = runContext();
  const pr = pullRequestFromEvent(context.eventName, context.payload);
  if (!pr) return undefined;
  if (!inputs.githubToken) {
    return 'No github-token: the PR comment was skipped. Pass `github-token: ${{ github.token }}` with `permissions: pull-requests: write`.';
  }
  const { owner, repo } = context;
  // Octokit, its HTTP client and the comment's renderer load only when there is a pull request to comment on.
  const [{ upsertComment }, { commentMarker, renderComment }] = await Promise.all([import('./github/comment.ts'), import('./report/comment.ts')]);
  const repoUrl = `${context.serverUrl}/${owner}/${repo}`;
  const marker = commentMarker(inputs.apiConfig ? [inputs.apiConfig] : inputs.specPatterns.length > 0 ? inputs.specPatterns : inputs.terraformPlans);
  const body = renderComment(report, { marker, repoUrl, headSha: pr.headSha, runUrl: `${repoUrl}/actions/runs/${context.runId}`, medium });
  const result = await upsertComment({ token: inputs.githubToken, apiUrl: context.apiUrl, owner, repo, issueNumber: pr.number, body, markerKey: marker });
  if (result.warning) return redact(result.warning, [inputs.githubToken]);
  runner.info(`PR comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);

  // Suggested changes on the spec lines: not on fork PRs (the head branch is not ours to suggest on).
  if (pr.fromFork) {
    runner.info('Pull request from a fork: no suggested changes on its spec lines (the fixes are in the PR comment).');
    return undefined;
  }
  const suggestions: Suggestion[] = report.findings.flatMap((f) =>
    f.severity !== 'notice' && f.fixes?.spec
      ? [{ key: [f.rule, f.file ?? '', f.address ?? '', f.resource ?? ''].join('\0'), path: f.fixes.spec.file, line: f.fixes.spec.line, replacement: f.fixes.spec.replacement, explanation: `**gateway-guard \`${f.rule}\`**: ${explanation(f)}` }]
      : [],
  );
  const { upsertSuggestions } = await import('./github/review.ts');
  const review = await upsertSuggestions({ token: inputs.githubToken, apiUrl: context.apiUrl, owner, repo, pullNumber: pr.number, headSha: pr.headSha, suggestions });
  if (review.warning) return redact(review.warning, [inputs.githubToken]);
  if (review.created + review.updated + review.outsideDiff > 0) {
    runner.info(`Suggested changes: ${review.created} new, ${review.updated} updated, ${review.outsideDiff} on lines outside the diff (in the PR comment only).`);
  }
  return undefined;
}
