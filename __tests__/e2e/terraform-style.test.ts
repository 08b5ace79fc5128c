/**
 * End-to-end tests of Terraform fixes in the repository's own style (`terraform-plan`): dist/index.js against
 * the fake Google and GitHub APIs, with plans whose IAM resources (changed or not) manage the failing service.
 * The PR comment, the job summary and the JSON report show the fix to make and where.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFakeGitHub } from '../fake-github/server.ts';
import type { World } from '../fake-google/world.ts';
import type { ConfigModule, ResourceChange, TerraformPlan } from '../../src/plan/model.ts';
import { change, plan } from '../plan/plans.ts';
import { PLANTED_TOKEN, runAction, type ActionRun } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const REGION = 'us-central1';
const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const PR = 7;
const ORDERS = `https://orders-${NUMBER}.${REGION}.run.app`;
const PROBE = 'serviceAccount:probe@shop-prod.iam.gserviceaccount.com';

const world = (): World => ({
  projects: [
    { projectId: PROJECT, projectNumber: NUMBER, iamPolicy: { bindings: [] } },
    { projectId: 'gw-host', projectNumber: '210987654321' },
  ],
  serviceAccounts: [{ name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: '112233445566778899001', projectId: 'gw-host' }],
  runServices: [
    {
      name: `projects/${PROJECT}/locations/${REGION}/services/orders`,
      uri: 'https://orders-abc123-uc.a.run.app',
      urls: ['https://orders-abc123-uc.a.run.app', ORDERS],
      ingress: 'INGRESS_TRAFFIC_ALL',
      iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: [PROBE] }] },
    },
  ],
});

const SPEC = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', `  address: ${ORDERS}`, 'paths:', '  /orders:', '    get:', '      responses: { "200": { description: OK } }', ''].join('\n');

/** The root module calls `./modules/run`, whose main.tf holds `block` at line 3. */
const ROOT_MODULE: ConfigModule = { module_calls: { run: { source: './modules/run', module: { resources: [] } } } } as unknown as ConfigModule;
const ROOT_TF = 'module "run" {\n  source = "./modules/run"\n}\n';
const moduleTf = (type: string, name: string) => `# The IAM of the orders service.\n\nresource "${type}" "${name}" {\n  service = "orders"\n}\n`;

/** Runs the action on a pull request with `rc` (unchanged: `no-op`) in the plan of infra/. */
async function gate(rc: ResourceChange, tf: string): Promise<{ run: ActionRun; comment: string }> {
  const gh = await startFakeGitHub({ tokens: { [PLANTED_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', integration: true } } });
  try {
    const p: TerraformPlan = plan([rc], { project: PROJECT, root: ROOT_MODULE });
    const run = await runAction({
      inputs: { spec: 'openapi.yaml', 'service-account': SA, project: PROJECT, 'terraform-plan': 'infra/tfplan.json' },
      files: { 'openapi.yaml': SPEC, 'infra/tfplan.json': JSON.stringify(p), 'infra/main.tf': ROOT_TF, 'infra/modules/run/main.tf': tf },
      world: world(),
      env: { GITHUB_API_URL: gh.url },
      eventName: 'pull_request',
      event: {
        action: 'synchronize',
        number: PR,
        pull_request: { number: PR, head: { sha: SHA, ref: 'f', repo: { full_name: 'acme/shop' } }, base: { sha: '1'.repeat(40), ref: 'main', repo: { full_name: 'acme/shop' } } },
        repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
      },
    });
    const comment = gh.comments.find((c) => c.issueNumber === PR)?.body ?? '';
    assert.ok(comment !== '', `no PR comment\n${run.stdout}\n${run.stderr}`);
    return { run, comment };
  } finally {
    await gh.close();
  }
}

interface Fixes {
  gcloud: string | null;
  gcloudRevertedBy: { address: string; file: string | null; line: number | null } | null;
  terraform: string | null;
}
const fixesOf = (run: ActionRun): Fixes => {
  const f = run.report?.findings.find((x) => x.rule === 'missing-invoker') as { fixes?: Fixes } | undefined;
  assert.ok(f?.fixes, `missing-invoker with fixes in ${JSON.stringify(run.report?.findings)}`);
  return f.fixes;
};

describe('Terraform fixes in the style of the plan', { concurrency: 2 }, () => {
  test('an authoritative v1 binding for roles/run.invoker: edit that resource; gcloud is marked as reverted by the next apply', async () => {
    const address = 'module.run.google_cloud_run_service_iam_binding.invokers';
    const values = { project: PROJECT, location: REGION, service: 'orders', role: 'roles/run.invoker', members: [PROBE], condition: [] };
    const { run, comment } = await gate(change(address, ['no-op'], values, values), moduleTf('google_cloud_run_service_iam_binding', 'invokers'));
    assert.equal(run.code, 1);
    const fixes = fixesOf(run);
    assert.deepEqual(fixes.gcloudRevertedBy, { address, file: 'infra/modules/run/main.tf', line: 3 });
    assert.match(fixes.terraform!, /^# module\.run\.google_cloud_run_service_iam_binding\.invokers \(infra\/modules\/run\/main\.tf:3\)\n# manages "roles\/run\.invoker" authoritatively/);
    assert.match(fixes.terraform!, /members = \[\n {4}# …the members it has,\n {4}"serviceAccount:gw@gw-host\.iam\.gserviceaccount\.com",/);
    assert.ok(!fixes.terraform!.includes('resource "'), 'no member resource beside the binding');
    assert.match(fixes.gcloud!, /^gcloud run services add-iam-policy-binding orders/);
    const reverted = '_The next `terraform apply` of `module.run.google_cloud_run_service_iam_binding.invokers` (`infra/modules/run/main.tf:3`) would revert this command._';
    for (const [name, md] of [['comment', comment], ['summary', run.summary]] as const) {
      // Terraform leads, open; gcloud folded under it with the warning first.
      const hcl = md.indexOf('```hcl\n# module.run.google_cloud_run_service_iam_binding.invokers (infra/modules/run/main.tf:3)');
      const folded = md.indexOf('<details><summary>gcloud</summary>');
      assert.ok(hcl > 0 && folded > hcl, `${name}: Terraform first, gcloud folded\n${md}`);
      assert.ok(md.indexOf(reverted) > folded && md.indexOf(reverted) < md.indexOf('```sh\ngcloud run services add-iam-policy-binding orders'), `${name}: the revert warning heads the gcloud block\n${md}`);
    }
  });

  test('a v1 _iam_member in a module: the fix is a google_cloud_run_service_iam_member beside it, in that module', async () => {
    const address = 'module.run.google_cloud_run_service_iam_member.probe';
    const values = { project: PROJECT, location: REGION, service: 'orders', role: 'roles/run.invoker', member: PROBE, condition: [] };
    const { run, comment } = await gate(change(address, ['no-op'], values, values), moduleTf('google_cloud_run_service_iam_member', 'probe'));
    const fixes = fixesOf(run);
    assert.equal(fixes.gcloudRevertedBy, null);
    assert.match(
      fixes.terraform!,
      /^# Beside module\.run\.google_cloud_run_service_iam_member\.probe \(infra\/modules\/run\/main\.tf:3\), in module\.run:\nresource "google_cloud_run_service_iam_member" "orders_gateway_invoker" \{\n {2}project {2}= "shop-prod"\n {2}location = "us-central1"\n {2}service {2}= "orders"\n {2}role {5}= "roles\/run\.invoker"\n {2}member {3}= "serviceAccount:gw@gw-host\.iam\.gserviceaccount\.com"\n\}$/,
    );
    assert.ok(comment.includes('```hcl\n# Beside module.run.google_cloud_run_service_iam_member.probe'), comment);
    assert.ok(!comment.includes('would revert this command'), comment);
  });
});
