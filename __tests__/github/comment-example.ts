/**
 * Renders docs/comment-example.md with the real renderer from a realistic fixture (a failing PR of a
 * shop's gateway). Regenerate: ./node_modules/.bin/node __tests__/github/comment-example.ts
 * (comment-example.test.ts fails when the file is stale).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commentMarker, renderComment } from '../../src/report/comment.ts';
import { reportWithFixes } from '../../src/report/fixes.ts';
import type { BackendResult, Report, RunResult } from '../../src/report/model.ts';
import { buildReport } from '../../src/report/verdict.ts';
import type { Finding } from '../../src/types.ts';

export const EXAMPLE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/comment-example.md');

const SA = 'shop-gateway@shop-prod.iam.gserviceaccount.com';
const SPEC = 'gateway/openapi.yaml';
const SHA = '9f2c4e1b7a3d5f60812c9e4b3a7d1f0e5c2b8a64';
const run = (service: string) => `projects/shop-prod/locations/us-central1/services/${service}`;

/** The PR's spec (excerpt): each backend's line is found in it, and the spec fixes are made from it. */
export const EXAMPLE_SPEC = [
  'swagger: "2.0"',
  'info: { title: shop, version: "1.0" }',
  'x-google-backend:',
  '  address: https://catalog-7hq2xk3lpa-uc.a.run.app',
  'paths:',
  '  /orders:',
  '    get:',
  '      x-google-backend:',
  '        address: https://orders-7hq2xk3lpa-uc.a.run.app',
  '      responses: { "200": { description: OK } }',
  '  /payments:',
  '    post:',
  '      x-google-backend:',
  '        address: https://payments-7hq2xk3lpa-uc.a.run.app',
  '      responses: { "201": { description: Created } }',
  '  /invoices/{id}/pdf:',
  '    get:',
  '      x-google-backend:',
  '        address: https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf',
  '      responses: { "200": { description: OK } }',
  '  /stock:',
  '    get:',
  '      x-google-backend:',
  '        address: https://inventory-7hq2xk3lpa-uc.a.run.app',
  '      responses: { "200": { description: OK } }',
  '  /hooks/legacy:',
  '    post:',
  '      x-google-backend:',
  '        address: https://us-central1-shop-prod.cloudfunctions.net/legacy-hook',
  '        jwt_audience: https://legacy-hook.shop.example',
  '      responses: { "204": { description: Accepted } }',
  '  /status:',
  '    get:',
  '      x-google-backend:',
  '        address: https://status-7hq2xk3lpa-uc.a.run.app',
  '      responses: { "200": { description: OK } }',
  '',
].join('\n');

/** The line of the `x-google-backend` key above `address`. */
const lineOf = (address: string) => EXAMPLE_SPEC.split('\n').indexOf(`        address: ${address}`);

const backends: BackendResult[] = [
  { address: 'https://orders-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('orders'), operations: ['GET /orders', 'POST /orders', 'GET /orders/{id}'], file: SPEC, line: lineOf('https://orders-7hq2xk3lpa-uc.a.run.app'), status: 'pass' },
  { address: 'https://payments-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('payments'), operations: ['POST /payments'], file: SPEC, line: lineOf('https://payments-7hq2xk3lpa-uc.a.run.app'), status: 'pass' },
  { address: 'https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf', kind: 'cloud-functions', resource: 'projects/shop-prod/locations/us-central1/functions/invoice-pdf', operations: ['GET /invoices/{id}/pdf'], file: SPEC, line: lineOf('https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf'), status: 'pass' },
  { address: 'https://inventory-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('inventory'), operations: ['GET /stock', 'GET /stock/{sku}'], file: SPEC, line: lineOf('https://inventory-7hq2xk3lpa-uc.a.run.app'), status: 'pass' },
  { address: 'https://status-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('status'), operations: ['GET /status'], file: SPEC, line: lineOf('https://status-7hq2xk3lpa-uc.a.run.app'), status: 'pass' },
  { address: 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook', kind: 'cloud-functions', resource: 'projects/shop-prod/locations/us-central1/functions/legacy-hook', operations: ['POST /hooks/legacy'], file: SPEC, line: lineOf('https://us-central1-shop-prod.cloudfunctions.net/legacy-hook'), status: 'pass' },
  { address: 'https://catalog-7hq2xk3lpa-uc.a.run.app', kind: 'cloud-run', resource: run('catalog'), operations: ['GET /products', 'GET /products/{id}', 'GET /categories', 'GET /search'], file: SPEC, line: 3, status: 'pass' },
];

const findings: Finding[] = [
  {
    rule: 'public-access',
    severity: 'error',
    file: SPEC,
    line: lineOf('https://payments-7hq2xk3lpa-uc.a.run.app'),
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
    line: lineOf('https://payments-7hq2xk3lpa-uc.a.run.app'),
    address: 'https://payments-7hq2xk3lpa-uc.a.run.app',
    resource: run('payments'),
    message: `${SA} lacks run.routes.invoke on ${run('payments')} (checked the resource, its project, folders and organization): API Gateway's calls will be refused with 403. Grant roles/run.invoker.`,
    permission: 'run.routes.invoke',
    account: SA,
    fix: `gcloud run services add-iam-policy-binding payments --project=shop-prod --region=us-central1 --member=serviceAccount:${SA} --role=roles/run.invoker`,
  },
  {
    rule: 'missing-invoker',
    severity: 'error',
    file: SPEC,
    line: lineOf('https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf'),
    address: 'https://us-central1-shop-prod.cloudfunctions.net/invoice-pdf',
    resource: 'projects/shop-prod/locations/us-central1/functions/invoice-pdf',
    message: `${SA} lacks run.routes.invoke on the Cloud Run service behind the 2nd-gen function invoice-pdf; roles/cloudfunctions.invoker (granted) does not authorize 2nd-gen calls. Grant roles/run.invoker.`,
    permission: 'run.routes.invoke',
    account: SA,
    grantOn: 'projects/shop-prod/locations/us-central1/services/invoice-pdf',
    fix: `gcloud functions add-invoker-policy-binding invoice-pdf --project=shop-prod --region=us-central1 --member=serviceAccount:${SA}`,
  },
  {
    rule: 'unreachable-backend',
    severity: 'warning',
    file: SPEC,
    line: lineOf('https://inventory-7hq2xk3lpa-uc.a.run.app'),
    address: 'https://inventory-7hq2xk3lpa-uc.a.run.app',
    resource: run('inventory'),
    message: `${run('inventory')} accepts only internal traffic (ingress INGRESS_TRAFFIC_INTERNAL_ONLY); API Gateway calls it from outside your network, so its calls will be refused with 404. Allow all ingress, or route the gateway through a load balancer.`,
    fix: 'gcloud run services update inventory --project=shop-prod --region=us-central1 --ingress=all',
  },
  {
    rule: 'audience-mismatch',
    severity: 'error',
    file: SPEC,
    line: lineOf('https://us-central1-shop-prod.cloudfunctions.net/legacy-hook'),
    address: 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook',
    resource: 'projects/shop-prod/locations/us-central1/functions/legacy-hook',
    message:
      'The gateway will mint identity tokens for audience https://legacy-hook.shop.example, but a 1st-gen function accepts only its URL https://us-central1-shop-prod.cloudfunctions.net/legacy-hook. Set jwt_audience: https://us-central1-shop-prod.cloudfunctions.net/legacy-hook.',
    specEdit: { field: 'jwtAudience', value: 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook' },
  },
  {
    rule: 'public-access',
    severity: 'error',
    file: SPEC,
    line: lineOf('https://status-7hq2xk3lpa-uc.a.run.app'),
    address: 'https://status-7hq2xk3lpa-uc.a.run.app',
    resource: run('status'),
    message: `Anyone can call this backend: allUsers holds roles/run.invoker on ${run('status')}, which includes run.routes.invoke.`,
    exception: { reason: 'Public status page, reviewed in SEC-1042', expires: '2027-03-31' },
  },
];

/** The fixture run. */
export const EXAMPLE_RUN: RunResult = { serviceAccount: SA, specFiles: [SPEC], backends, findings, failOn: 'error' };

/** The fixture's report, with its fixes made from the fixture spec. */
export function exampleReport(): Report {
  return reportWithFixes(buildReport(EXAMPLE_RUN), new Map([[SPEC, EXAMPLE_SPEC]]));
}

/** The file's exact text. */
export function exampleText(): string {
  const comment = renderComment(exampleReport(), {
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
