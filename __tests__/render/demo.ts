/**
 * The demo's PR comment and job summary as markdown: the pipeline run in-process on
 * examples/openapi.yaml against the fake Google API (the world of `npm run demo`), and the docs example.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeGoogle } from '../fake-google/server.ts';
import { FIXTURES, ROOT } from '../e2e/harness.ts';
import { runGate } from '../../src/gate.ts';
import { commentMarker, renderComment } from '../../src/report/comment.ts';
import { reportWithFixes } from '../../src/report/fixes.ts';
import type { Report } from '../../src/report/model.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { exampleReport } from '../github/comment-example.ts';

/** A rendered pair. */
export interface Rendered {
  name: string;
  report: Report;
  comment: string;
  summary: string;
}

const SHA = '9f2c4e1b7a3d5f60812c9e4b3a7d1f0e5c2b8a64';
const OPTIONS = { repoUrl: 'https://github.com/acme/shop', headSha: SHA, runUrl: 'https://github.com/acme/shop/actions/runs/9876543210' };

function render(name: string, report: Report): Rendered {
  return { name, report, comment: renderComment(report, { ...OPTIONS, marker: commentMarker(report.specFiles) }), summary: renderSummary(report) };
}

/** `npm run demo`'s run, in-process: examples/openapi.yaml against the demo world. */
export async function demoRendered(): Promise<Rendered> {
  const google = await startFakeGoogle(path.join(FIXTURES, 'worlds/demo.yaml'));
  try {
    const { report } = await runGate({
      specPatterns: ['examples/openapi.yaml'],
      workspace: ROOT,
      serviceAccount: 'gw@gw-host.iam.gserviceaccount.com',
      projects: ['shop-prod'],
      failOn: 'error',
      emulatorHost: google.host,
      concurrency: 4,
      timeoutSeconds: 60,
    });
    const text = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
    return render('demo', reportWithFixes(report, new Map([['examples/openapi.yaml', text]])));
  } finally {
    await google.close();
  }
}

/** The docs example's findings `times` over (each resource renamed), with counts to match: many findings. */
export function manyRendered(times: number): Rendered {
  const base = exampleReport();
  const findings = Array.from({ length: times }, (_, i) =>
    base.findings.map((f) => ({ ...f, resource: f.resource?.replace(/[^/]+$/, (name) => `${name}-${i}`), line: (f.line ?? 1) + i * 100 })),
  ).flat();
  const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
  return render('many', { ...base, findings, counts: { errors: count('error'), warnings: count('warning'), notices: count('notice') } });
}

/** The docs example (docs/comment-example.md), with its summary. */
export function exampleRendered(): Rendered {
  return render('example', exampleReport());
}
