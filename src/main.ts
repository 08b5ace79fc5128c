import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { GoogleCloud } from './gcp/google-cloud.ts';
import { explainFailure } from './gcp/errors.ts';
import { InputError, parseInputs, type ActionInputs } from './inputs.ts';
import { checkBackends } from './pipeline.ts';
import { selectAnnotations } from './report/annotations.ts';
import { renderJsonReport } from './report/json-report.ts';
import type { Report } from './report/model.ts';
import { renderSarif } from './report/sarif.ts';
import { renderSummary } from './report/summary.ts';
import { buildReport } from './report/verdict.ts';
import { readSpecFiles } from './spec/index.ts';

const VERSION = '0.1.0';
const HOMEPAGE = 'https://github.com/gateway-guard/gateway-guard';

/** Entry point: inputs → pipeline → report → outputs and exit code. */
async function main(): Promise<void> {
  let inputs: ActionInputs;
  try {
    inputs = parseInputs((name) => core.getInput(name));
  } catch (err) {
    if (err instanceof InputError) return core.setFailed(err.message);
    throw err;
  }
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const deadline = Date.now() + inputs.timeoutSeconds * 1000;
  const emulatorHost = process.env.GATEWAY_GUARD_EMULATOR_HOST?.trim() || undefined;
  const google = new GoogleCloud({ emulatorHost, concurrency: inputs.concurrency, deadline });

  const spec = await readSpecFiles(inputs.specPatterns, workspace);
  const account = await resolveAccount(google, inputs.serviceAccount);
  const outcome = account.email
    ? await checkBackends(spec.backends, { google, accountFor: () => account.email as string, projects: inputs.projects, now: new Date() })
    : { backends: [], findings: [] };
  const report = buildReport({
    serviceAccount: account.email ?? inputs.serviceAccount,
    specFiles: spec.files,
    backends: outcome.backends,
    findings: [...spec.findings, ...account.findings, ...outcome.findings],
    failOn: inputs.failOn,
  });
  await publish(report, inputs);
  core.info(`gateway-guard: ${report.result} — ${report.counts.errors} error(s), ${report.counts.warnings} warning(s), ${google.callCount} Google API call(s).`);
  if (report.result === 'fail') {
    core.setFailed(`gateway-guard: ${report.counts.errors} error(s) and ${report.counts.warnings} warning(s) block this gateway config (fail-on: ${inputs.failOn}). See the annotations and the job summary.`);
  }
}

/** The gateway service account's email: as given, or read from IAM when given as a resource name. */
async function resolveAccount(google: GoogleCloud, given: string): Promise<{ email?: string; findings: Report['findings'] }> {
  if (given.includes('@') && !given.startsWith('projects/')) return { email: given, findings: [] };
  try {
    return { email: await google.serviceAccountEmail(given), findings: [] };
  } catch (err) {
    return {
      findings: [
        {
          rule: 'iam-unreadable',
          severity: 'error',
          message: `Could not resolve the gateway service account ${given} to its email: ${explainFailure(err, 'iam.serviceAccounts.get')}`,
        },
      ],
    };
  }
}

async function publish(report: Report, inputs: ActionInputs): Promise<void> {
  for (const a of selectAnnotations(report.findings)) {
    const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}) };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  const reportFile = path.join(process.env.RUNNER_TEMP || tmpdir(), 'gateway-guard', `report-${process.env.GITHUB_ACTION || 'local'}.json`);
  await mkdir(path.dirname(reportFile), { recursive: true });
  await writeFile(reportFile, renderJsonReport(report));
  if (inputs.sarifFile) {
    const sarifPath = path.resolve(process.env.GITHUB_WORKSPACE || process.cwd(), inputs.sarifFile);
    await mkdir(path.dirname(sarifPath), { recursive: true });
    await writeFile(sarifPath, JSON.stringify(renderSarif(report, { toolVersion: VERSION, informationUri: HOMEPAGE }), null, 2) + '\n');
  }
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderSummary(report), true).write();
  core.setOutput('result', report.result);
  core.setOutput('errors', String(report.counts.errors));
  core.setOutput('warnings', String(report.counts.warnings));
  core.setOutput('report-file', reportFile);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  core.setFailed(`gateway-guard stopped on an unexpected error: ${message}`);
});
