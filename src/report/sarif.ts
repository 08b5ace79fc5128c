/** SARIF 2.1.0 log for GitHub code scanning (`github/codeql-action/upload-sarif`). */
import { RULES } from '../types.ts';
import type { Severity } from '../types.ts';
import type { Report, ReportFinding } from './model.ts';
import { RULE_DOCS } from './rule-docs.ts';

/** Where the tool is documented and which version produced the log. */
export interface SarifOptions {
  toolVersion: string;
  informationUri: string;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  notice: 'note',
};

/** Key of the fingerprint in `partialFingerprints`; bump the version if its inputs ever change. */
export const FINGERPRINT_KEY = 'gatewayGuard/v1';

/** The SARIF log of a report: every rule, and one result per finding. */
export function renderSarif(report: Report, opts: SarifOptions): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'gateway-guard',
            version: opts.toolVersion,
            informationUri: opts.informationUri,
            rules: RULES.map((id) => {
              const doc = RULE_DOCS[id];
              return {
                id,
                name: pascalCase(id),
                shortDescription: { text: doc.title },
                fullDescription: { text: plainText(doc.meaning) },
                help: {
                  text: `${plainText(doc.meaning)}\n\nFix: ${plainText(doc.fix)}`,
                  markdown: `${doc.meaning}\n\n**Fix:** ${doc.fix}`,
                },
                defaultConfiguration: { level: doc.severity },
                properties: { 'security-severity': doc.securitySeverity, tags: ['security'] },
              };
            }),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The GITHUB_WORKSPACE of the run.' } } },
        results: withOccurrences(report.findings).map(([finding, occurrence]) => sarifResult(finding, report.specFiles[0], occurrence)),
      },
    ],
  };
}

function sarifResult(finding: ReportFinding, fallbackFile: string | undefined, occurrence: number): object {
  const lines = [finding.message];
  if (finding.fix) lines.push(`Fix: ${finding.fix}`);
  if (finding.exception) lines.push(`Excepted by policy: ${finding.exception.reason}`);
  // Code scanning needs a location; a finding about the whole run is pinned to the first spec file.
  const file = finding.file ?? fallbackFile;
  const line = finding.file !== undefined && finding.line ? finding.line : 1;
  return {
    ruleId: finding.rule,
    ruleIndex: RULES.indexOf(finding.rule),
    level: SARIF_LEVEL[finding.severity],
    message: { text: lines.join('\n') },
    ...(file === undefined
      ? {}
      : {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: fileUri(file), uriBaseId: '%SRCROOT%' },
                region: { startLine: line },
              },
            },
          ],
        }),
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(finding, occurrence) },
    ...(finding.fixes?.spec ? { fixes: [sarifFix(finding)] } : {}),
    ...(finding.exception
      ? { suppressions: [{ kind: 'external', status: 'accepted', justification: finding.exception.reason }] }
      : {}),
    properties: {
      address: finding.address ?? null,
      resource: finding.resource ?? null,
      ...(finding.originalSeverity ? { originalSeverity: finding.originalSeverity } : {}),
    },
  };
}

/** The spec change as a SARIF `fix`: the whole line replaced (or deleted). */
function sarifFix(finding: ReportFinding): object {
  const spec = finding.fixes!.spec!;
  return {
    description: { text: spec.replacement === '' ? `Delete line ${spec.line}.` : `Replace line ${spec.line}.` },
    artifactChanges: [
      {
        artifactLocation: { uri: fileUri(spec.file), uriBaseId: '%SRCROOT%' },
        replacements: [
          {
            deletedRegion: { startLine: spec.line, startColumn: 1, endLine: spec.line + 1, endColumn: 1 },
            insertedContent: { text: spec.replacement === '' ? '' : `${spec.replacement}\n` },
          },
        ],
      },
    ],
  };
}

/** Identity of a finding across commits: no line numbers, so it survives edits above it. */
export function fingerprint(finding: ReportFinding, occurrence = 0): string {
  const parts = [finding.rule, finding.file ?? '', finding.address ?? '', finding.resource ?? ''];
  // The same problem declared twice in one file (two operations overriding to one backend) stays two alerts.
  if (occurrence > 0) parts.push(String(occurrence));
  return sha256(parts.join('\0'));
}

/** Each finding with how many findings of the same rule, file, address and resource came before it (by line). */
function withOccurrences(findings: ReportFinding[]): Array<[ReportFinding, number]> {
  const seen = new Map<string, number>();
  const byLine = [...findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const occurrence = new Map<ReportFinding, number>();
  for (const f of byLine) {
    const key = [f.rule, f.file ?? '', f.address ?? '', f.resource ?? ''].join('\0');
    const n = seen.get(key) ?? 0;
    occurrence.set(f, n);
    seen.set(key, n + 1);
  }
  return findings.map((f) => [f, occurrence.get(f) ?? 0]);
}

/** A relative path as a URI reference: `/` separators, each segment percent-encoded. */
export function fileUri(file: string): string {
  return file.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

function plainText(markdown: string): string {
  return markdown.replace(/`/g, '');
}

/** Hex SHA-256 of `text`; node:crypto is loaded on first use, not at start-up (it costs a tenth of Node's). */
function sha256(text: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
}
