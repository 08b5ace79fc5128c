/** The JSON report (`report-file` output): SPEC.md's shape, fixed key order, no timestamps. */
import type { BackendKind } from '../types.ts';
import { mediaOf } from './layout.ts';
import type { Report, ReportFinding } from './model.ts';

/** The finding's fix in each medium it has (`null` for none), fixed key order. */
function fixesJson(f: ReportFinding, kind: BackendKind | undefined): object | null {
  const media = mediaOf(f, kind);
  if (!media) return null;
  return {
    gcloud: media.gcloud ?? null,
    gcloudRevertedBy: media.gcloudRevertedBy
      ? { address: media.gcloudRevertedBy.address, file: media.gcloudRevertedBy.file ?? null, line: media.gcloudRevertedBy.line ?? null }
      : null,
    terraform: media.terraform ?? null,
    spec: media.spec ? { file: media.spec.file, line: media.spec.line, replacement: media.spec.replacement } : null,
  };
}

/** Renders the report as pretty JSON; every key is always present (`null` when unknown). */
export function renderJsonReport(report: Report): string {
  const kinds = new Map(report.backends.map((b) => [b.address, b.kind]));
  const json = {
    result: report.result,
    failOn: report.failOn,
    serviceAccount: report.serviceAccount,
    specFiles: report.specFiles,
    ...(report.terraformPlans ? { terraformPlans: report.terraformPlans } : {}),
    counts: {
      errors: report.counts.errors,
      warnings: report.counts.warnings,
      notices: report.counts.notices,
    },
    backends: report.backends.map((b) => ({
      address: b.address,
      kind: b.kind,
      resource: b.resource ?? null,
      operations: b.operations,
      status: b.status,
      file: b.file,
      line: b.line,
    })),
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      address: f.address ?? null,
      resource: f.resource ?? null,
      file: f.file ?? null,
      line: f.line ?? null,
      message: f.message,
      fix: f.fix ?? null,
      fixes: fixesJson(f, kinds.get(f.address ?? '')),
      ...(f.planned ? { planned: f.planned.map((p) => ({ address: p.address, action: p.action, file: p.file ?? null, line: p.line ?? null })) } : {}),
      exception: f.exception
        ? {
            reason: f.exception.reason,
            expires: f.exception.expires ?? null,
            originalSeverity: f.originalSeverity ?? null,
          }
        : null,
    })),
  };
  return JSON.stringify(json, null, 2) + '\n';
}
