/** Input and output model of the report renderers. */
import type { BackendKind, Finding, Severity } from '../types.ts';

/** Status of a backend: `pass`, or the worst severity among its findings. */
export type BackendStatus = 'pass' | Severity;

/** Lowest severity that fails the step (`fail-on` input). */
export type FailOn = 'error' | 'warning' | 'never';

/** One backend as checked: a resolved declaration from a spec file. */
export interface BackendResult {
  address: string;
  kind: BackendKind;
  resource?: string;
  operations: string[];
  file: string;
  line: number;
  status: BackendStatus;
}

/** Everything the pipeline produced, before any rendering. */
export interface RunResult {
  serviceAccount: string;
  specFiles: string[];
  backends: BackendResult[];
  findings: Finding[];
  failOn: FailOn;
  /** Terraform/OpenTofu plans read (terraform-plan), relative to the workspace. */
  terraformPlans?: string[];
}

/** A finding as reported: `severity` is already lowered to `notice` when a policy exception covers it. */
export interface ReportFinding extends Finding {
  /** Severity before a policy exception lowered it (set only on excepted findings). */
  originalSeverity?: Severity;
}

/** The verdict and everything the renderers show, in display order. */
export interface Report {
  result: 'pass' | 'fail';
  failOn: FailOn;
  serviceAccount: string;
  specFiles: string[];
  counts: { errors: number; warnings: number; notices: number };
  backends: BackendResult[];
  findings: ReportFinding[];
  /** Terraform/OpenTofu plans read (terraform-plan), relative to the workspace. */
  terraformPlans?: string[];
}
