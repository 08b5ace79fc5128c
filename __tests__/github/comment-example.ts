/**
 * Renders docs/comment-example.md with the real renderer from a realistic fixture (a failing PR of a
 * shop's gateway). Regenerate: ./node_modules/.bin/node __tests__/github/comment-example.ts
 * (comment-example.test.ts fails when the file is stale).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commentMarker, renderComment } from '../../src/report/comment.ts';
import type { BackendResult, RunResult } from '../../src/report/model.ts';
import { buildReport } from '../../src/report/verdict.ts';
import type { Finding } from '../../src/types.ts';

export const EXAMPLE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/comment-example.md');

const SA = 'shop-gateway@shop-prod.iam.gserviceaccount.com';
const SPEC = 'gateway/openapi.yaml';
const SHA = '9f2c4e1b7a3d5f60812c9e4b3a7d1f0e5c2b8a64';
const run = (service: string) => `projects/shop-prod/locations/us-central1/services/${service}`;

const backends: BackendResult[] = [
  { address: 'https://orders-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('orders'), operations: ['GET /orders', 'POST /orders', 'GET /orders/{id}'], file: SPEC, line: 18, status: 'pass' },
  { address: 'https://payments-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('payments'), operations: ['POST /payments'], file: SPEC, line: 41, status: 'pass' },
  { address: 'https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf', kind: 'cloud-functions', resource: 'projects/shop-prod/locations/us-central1/functions/invoice-pdf', operations: ['GET /invoices/{id}/pdf'], file: SPEC, line: 57, status: 'pass' },
  { address: 'https://inventory-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('inventory'), operations: ['GET /stock', 'GET /stock/{sku}'], file: SPEC, line: 66, status: 'pass' },
  { address: 'https://status-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('status'), operations: ['GET /status'], file: SPEC, line: 83, status: 'pass' },
  { address: 'https://catalog-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('catalog'), operations: ['GET /products', 'GET /products/{id}', 'GET /categories', 'GET /search'], file: SPEC, line: 9, status: 'pass' },
];

const findings: Finding[] = [
  {
    rule: 'public-access',
    severity: 'error',
    file: SPEC,
    line: 41,
    address: 'https://payments-7hq2xk3lpa-uc.a.run.app',
    resource: run('payments'),
    message:
      "Anyone can call this backend: allUsers holds roles/run.invoker on projects/shop-prod/locations/us-central1/services/payments, which includes run.routes.invoke. Remove the public grant; the gateway's service account needs its own.",
    fix: 'gcloud run services remove-iam-policy-binding payments --project=shop-prod --region=us-central1 --member=allUsers --role=roles/run.invoker',
  },
  {
    rule: 'missing-invoker',
    severity: 'error',
    file: SPEC,
    line: 41,
    address: 'https://payments-7hq2xk3lpa-uc.a.run.app',
    resource: run('payments'),
    message: `${SA} lacks run.routes.invoke on ${run('payments')} (checked the resource, its project, folders and organization): API Gateway's calls will be refused with 403. Grant roles/run.invoker.`,
    fix: `gcloud run services add-iam-policy-binding payments --project=shop-prod --region=us-central1 --member=serviceAccount:${SA} --role=roles/run.invoker`,
  },
  {
    rule: 'missing-invoker',
    severity: 'error',
    file: SPEC,
    line: 57,
    address: 'https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf',
    resource: 'projects/shop-prod/locations/us-central1/functions/invoice-pdf',
    message: `${SA} lacks run.routes.invoke on the Cloud Run service behind the 2nd-gen function invoice-pdf; roles/cloudfunctions.invoker (granted) does not authorize 2nd-gen calls. Grant roles/run.invoker.`,
    fix: `gcloud functions add-invoker-policy-binding invoice-pdf --project=shop-prod --region=us-central1 --member=serviceAccount:${SA}`,
  },
  {
    rule: 'unreachable-backend',
    severity: 'warning',
    file: SPEC,
    line: 66,
    address: 'https://inventory-7hq2xk3lpa-uc.a.run.app',
    resource: run('inventory'),
    message: `${run('inventory')} accepts only internal traffic (ingress INGRESS_TRAFFIC_INTERNAL_ONLY); API Gateway calls it from outside your network, so its calls will be refused with 404. Allow all ingress, or route the gateway through a load balancer.`,
    fix: 'gcloud run services update inventory --project=shop-prod --region=us-central1 --ingress=all',
  },
  {
    rule: 'public-access',
    severity: 'error',
    file: SPEC,
    line: 83,
    address: 'https://status-7hq2xk3lpa-uc.a.run.app',
    resource: run('status'),
    message: `Anyone can call this backend: allUsers holds roles/run.invoker on ${run('status')}, which includes run.routes.invoke.`,
    exception: { reason: 'Public status page, reviewed in SEC-1042', expires: '2027-03-31' },
  },
];

/** The fixture run. */
export const EXAMPLE_RUN: RunResult = { serviceAccount: SA, specFiles: [SPEC], backends, findings, failOn: 'error' };

/** The file's exact text. */
export function exampleText(): string {
  const comment = renderComment(buildReport(EXAMPLE_RUN), {
    marker: commentMarker(EXAMPLE_RUN.specFiles),
    repoUrl: 'https://github.com/acme/shop',
    headSha: SHA,
    runUrl: 'https://github.com/acme/shop/actions/runs/9876543210',
  });
  return comment;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(EXAMPLE_FILE, exampleText());
  console.log(`wrote ${EXAMPLE_FILE}`);
}
