import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { pullRequestFromEvent, upsertComment } from './github/comment.ts';
import { commentMarker, renderComment } from './report/comment.ts';
import { runGate } from './gate.ts';
import type { ActionInputs } from './inputs.ts';
import { selectAnnotations } from './report/annotations.ts';
import { renderJsonReport } from './report/json-report.ts';
import { maskMembers } from './report/members.ts';
import { redact } from './report/redact.ts';
import type { Report } from './report/model.ts';
import { renderSarif } from './report/sarif.ts';
import { renderSummary } from './report/summary.ts';
import { HOMEPAGE, VERSION } from './version.ts';
import { reportFilePath } from './workflow-command.ts';

/** The action, once its inputs are valid: gate → annotations, summary, outputs, comment, exit code. */
export async function runAction(inputs: ActionInputs): Promise<void> {
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const { report, callCount, notes } = await runGate({
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
  for (const note of notes) core.info(note);
  await publish(report, inputs);
  const verdict = `gateway-guard: ${report.result} — ${report.counts.errors} error(s), ${report.counts.warnings} warning(s), ${callCount} Google API call(s).`;
  core.info(verdict);
  if (report.result === 'fail') {
    // Not setFailed: its own error annotation would push one of the spec's out of GitHub's 10 per step.
    core.info(`The gate fails on ${inputs.failOn === 'warning' ? 'warnings and errors' : 'errors'} (input fail-on): see the annotations and the job summary.`);
    process.exitCode = 1;
  }
}

/**
 * The report file and outputs first (the contract), then SARIF, the job summary and the PR comment. If one
 * of those cannot be written, the action says so ahead of the findings' annotations (so GitHub's 10 per
 * level keep it) and the verdict stands; a report or SARIF file that was not written fails the step.
 */
async function publish(full: Report, inputs: ActionInputs): Promise<void> {
  // The JSON report names every member; everything shown to readers of the run or the PR counts them.
  const report = inputs.showMembers ? full : maskMembers(full);
  const problems: { error: string[]; warning: string[] } = { error: [], warning: [] };
  const reportFile = reportFilePath();
  try {
    await mkdir(path.dirname(reportFile), { recursive: true });
    await writeFile(reportFile, renderJsonReport(full));
  } catch (err) {
    problems.error.push(`Could not write the JSON report ${reportFile} (output report-file; RUNNER_TEMP must be a writable directory): ${messageOf(err, inputs)}`);
    process.exitCode = 1;
  }
  core.setOutput('result', report.result);
  core.setOutput('errors', String(report.counts.errors));
  core.setOutput('warnings', String(report.counts.warnings));
  core.setOutput('report-file', reportFile);

  if (inputs.sarifFile) {
    const sarifPath = path.resolve(process.env.GITHUB_WORKSPACE || process.cwd(), inputs.sarifFile);
    try {
      await mkdir(path.dirname(sarifPath), { recursive: true });
      await writeFile(sarifPath, JSON.stringify(renderSarif(report, { toolVersion: VERSION, informationUri: HOMEPAGE }), null, 2) + '\n');
    } catch (err) {
      problems.error.push(`Could not write the SARIF file ${inputs.sarifFile} (input sarif-file): ${messageOf(err, inputs)}`);
      process.exitCode = 1;
    }
  }
  let summaryWritten = false;
  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(renderSummary(report), true).write();
      summaryWritten = true;
    } catch (err) {
      problems.warning.push(`Could not write the job summary (the report file and annotations have the findings): ${messageOf(err, inputs)}`);
    }
  }
  if (inputs.comment) {
    const warning = await comment(report, inputs);
    if (warning) problems.warning.push(warning);
  }

  for (const message of problems.error) core.error(message, { title: 'gateway-guard' });
  for (const message of problems.warning) core.warning(message, { title: 'gateway-guard' });
  const reserved = { error: problems.error.length, warning: problems.warning.length };
  // With api-config the documents come from the API Gateway API, not the repository: GitHub could not open
  // such a file, so the place goes in the message instead.
  const inRepository = !inputs.apiConfig;
  const moreIn = summaryWritten ? 'the job summary' : 'the JSON report (output report-file)';
  for (const a of selectAnnotations(report.findings, 10, reserved, moreIn)) {
    const place = a.file && !inRepository ? `${a.file}${a.line ? `:${a.line}` : ''}: ` : '';
    const props = { title: a.title, ...(a.file && inRepository ? { file: a.file } : {}), ...(a.line && inRepository ? { startLine: a.line } : {}) };
    if (a.level === 'error') core.error(place + a.message, props);
    else if (a.level === 'warning') core.warning(place + a.message, props);
    else core.notice(place + a.message, props);
  }
}

const messageOf = (err: unknown, inputs: ActionInputs): string => redact(err instanceof Error ? err.message : String(err), [inputs.githubToken]);

/** Why a PR from a fork has no Google credentials, when this run is one. */
function forkHint(): string | undefined {
  const pr = pullRequestFromEvent(context.eventName, context.payload);
  if (!pr?.fromFork || context.eventName !== 'pull_request') return undefined;
  return 'This is a pull request from a fork: GitHub gives such runs no OIDC token and no secrets, so no workflow step can authenticate to Google. See "Pull requests from forks" in the README for the supported setup.';
}

/** The sticky PR comment, on pull_request events. A refusal to comment is a warning (returned); the verdict stands. */
async function comment(report: Report, inputs: ActionInputs): Promise<string | undefined> {
  const pr = pullRequestFromEvent(context.eventName, context.payload);
  if (!pr) return undefined;
  if (!inputs.githubToken) {
    return 'No github-token: the PR comment was skipped. Pass `github-token: ${{ github.token }}` with `permissions: pull-requests: write`.';
  }
  const { owner, repo } = context.repo;
  const repoUrl = `${context.serverUrl}/${owner}/${repo}`;
  const marker = commentMarker(inputs.apiConfig ? [inputs.apiConfig] : inputs.specPatterns);
  const body = renderComment(report, { marker, repoUrl, headSha: pr.headSha, runUrl: `${repoUrl}/actions/runs/${context.runId}` });
  const result = await upsertComment({ token: inputs.githubToken, apiUrl: context.apiUrl, owner, repo, issueNumber: pr.number, body, markerKey: marker });
  if (result.warning) return redact(result.warning, [inputs.githubToken]);
  core.info(`PR comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
  return undefined;
}
