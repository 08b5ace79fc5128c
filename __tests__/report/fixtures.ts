/** Small builders shared by the report tests. */
import type { Finding } from '../../src/types.ts';
import type { BackendResult, RunResult } from '../../src/report/model.ts';

export const SA = 'gw@proj.iam.gserviceaccount.com';
export const ORDERS = 'https://orders-abc123-uc.a.run.app';
export const ORDERS_SERVICE = 'projects/proj/locations/us-central1/services/orders';

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'missing-invoker',
    severity: 'error',
    message: `${SA} lacks run.routes.invoke on ${ORDERS_SERVICE}`,
    file: 'openapi.yaml',
    line: 14,
    address: ORDERS,
    resource: ORDERS_SERVICE,
    ...overrides,
  };
}

export function backend(overrides: Partial<BackendResult> = {}): BackendResult {
  return {
    address: ORDERS,
    kind: 'cloud-run',
    resource: ORDERS_SERVICE,
    operations: ['GET /orders'],
    file: 'openapi.yaml',
    line: 14,
    status: 'pass',
    ...overrides,
  };
}

export function run(overrides: Partial<RunResult> = {}): RunResult {
  return {
    serviceAccount: SA,
    specFiles: ['openapi.yaml'],
    backends: [backend()],
    findings: [],
    failOn: 'error',
    ...overrides,
  };
}
