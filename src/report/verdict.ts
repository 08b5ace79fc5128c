/** The gate: sorts and counts findings, groups backends, and decides pass or fail. */
import type { Finding, Severity } from '../types.ts';
import type { BackendResult, BackendStatus, FailOn, Report, ReportFinding, RunResult } from './model.ts';

const SEVERITY_RANK: Record<BackendStatus, number> = { error: 0, warning: 1, notice: 2, pass: 3 };

/** Severity a finding reports with: a policy exception lowers it to `notice`. */
export function effectiveSeverity(finding: Finding): Severity {
  return finding.exception ? 'notice' : finding.severity;
}

/** Code-point string order, independent of the runner's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then by file, line, rule and message; findings without a file go last. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[effectiveSeverity(a)] - SEVERITY_RANK[effectiveSeverity(b)] ||
    compareOptional(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareText(a.rule, b.rule) ||
    compareText(a.message, b.message)
  );
}

function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return compareText(a, b);
}

/** Whether findings with these counts fail the step under `failOn`. */
export function fails(counts: Report['counts'], failOn: FailOn): boolean {
  if (failOn === 'error') return counts.errors > 0;
  if (failOn === 'warning') return counts.errors + counts.warnings > 0;
  return false;
}

/** Builds the report that every renderer reads. */
export function buildReport(run: RunResult): Report {
  const findings = run.findings.map(toReportFinding).sort(compareFindings);
  const counts = { errors: 0, warnings: 0, notices: 0 };
  for (const finding of findings) {
    if (finding.severity === 'error') counts.errors++;
    else if (finding.severity === 'warning') counts.warnings++;
    else counts.notices++;
  }
  return {
    result: fails(counts, run.failOn) ? 'fail' : 'pass',
    failOn: run.failOn,
    serviceAccount: run.serviceAccount,
    specFiles: [...run.specFiles],
    counts,
    backends: groupBackends(run.backends, findings),
    findings,
    ...(run.terraformPlans ? { terraformPlans: [...run.terraformPlans] } : {}),
  };
}

function toReportFinding(finding: Finding): ReportFinding {
  if (!finding.exception) return { ...finding };
  return { ...finding, severity: 'notice', originalSeverity: finding.severity };
}

/** One entry per address (first declaration's file and line), with every operation and the worst status. */
function groupBackends(backends: BackendResult[], findings: ReportFinding[]): BackendResult[] {
  const byAddress = new Map<string, BackendResult>();
  for (const backend of backends) {
    const seen = byAddress.get(backend.address);
    if (!seen) {
      byAddress.set(backend.address, { ...backend, operations: unique(backend.operations) });
      continue;
    }
    seen.operations = unique([...seen.operations, ...backend.operations]);
    seen.resource ??= backend.resource;
    if (seen.kind === 'unknown') seen.kind = backend.kind;
    seen.status = worst(seen.status, backend.status);
  }
  for (const finding of findings) {
    const backend = finding.address === undefined ? undefined : byAddress.get(finding.address);
    if (backend) backend.status = worst(backend.status, finding.severity);
  }
  return [...byAddress.values()].sort(
    (a, b) => compareText(a.file, b.file) || a.line - b.line || compareText(a.address, b.address),
  );
}

function worst(a: BackendStatus, b: BackendStatus): BackendStatus {
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
