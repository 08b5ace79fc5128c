import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAddress } from '../../src/plan/address.ts';
import { locateResources } from '../../src/plan/locate.ts';
import type { PlanFile } from '../../src/plan/model.ts';
import { readPlanFiles } from '../../src/plan/read.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plans/x-workspace');

async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-locate-'));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function fixturePlan(workspace: string): Promise<PlanFile> {
  const { plans } = await readPlanFiles(['infra/tfplan.json'], workspace);
  return plans[0]!;
}

test('addresses parse with modules, keys and data sources', () => {
  assert.deepEqual(parseAddress('module.api["eu.west"].module.run[0].google_cloud_run_v2_service.svc["a\\"b"]'), {
    modules: [{ name: 'api', key: 'eu.west' }, { name: 'run', key: 0 }],
    mode: 'managed',
    type: 'google_cloud_run_v2_service',
    name: 'svc',
    key: 'a"b',
  });
  assert.deepEqual(parseAddress('data.google_project.p'), { modules: [], mode: 'data', type: 'google_project', name: 'p' });
  for (const bad of ['', 'google_x', 'module.a', 'module.a.google_x.y.z', 'google_x.y[', 'google_x.y["a"', 'module..google_x.y']) {
    assert.equal(parseAddress(bad), undefined, bad);
  }
});

test('blocks are found in the root module and in local modules (from the plan configuration), keys ignored', async () => {
  const plan = await fixturePlan(FIXTURE);
  const found = await locateResources(
    plan,
    [
      'google_service_account.gateway',
      'module.gateway.google_api_gateway_api_config.shop',
      'module.run["orders"].google_cloud_run_v2_service_iam_member.invoker',
      'module.run["status"].google_cloud_run_v2_service_iam_member.invoker',
      // Only inside a /* */ comment in the root module: not a block.
      'google_api_gateway_api_config.shop',
      'google_storage_bucket.nowhere',
      'not an address',
    ],
    FIXTURE,
  );
  assert.deepEqual(Object.fromEntries(found), {
    'google_service_account.gateway': { file: 'infra/main.tf', line: 22 },
    'module.gateway.google_api_gateway_api_config.shop': { file: 'infra/modules/gateway/main.tf', line: 4 },
    'module.run["orders"].google_cloud_run_v2_service_iam_member.invoker': { file: 'infra/modules/run/main.tf', line: 4 },
    'module.run["status"].google_cloud_run_v2_service_iam_member.invoker': { file: 'infra/modules/run/main.tf', line: 4 },
  });
});

test('without module calls in the plan, sources come from the .tf text; nested modules, .tf.json and data blocks', async () => {
  const dir = await copyFixture();
  await mkdir(path.join(dir, 'infra/modules/gateway/iam'), { recursive: true });
  await writeFile(path.join(dir, 'infra/modules/gateway/extra.tf'), 'module "iam" {\n  source = "./iam"\n}\n\ndata "google_project" "host" {}\n');
  await writeFile(path.join(dir, 'infra/modules/gateway/iam/iam.tf.json'), JSON.stringify({ resource: { google_project_iam_member: { viewer: { project: 'p', role: 'roles/viewer', member: 'user:a@example.com' } } } }, null, 2));
  await writeFile(path.join(dir, 'infra/modules/gateway/iam/unquoted.tf'), '\nresource google_folder_iam_member reader {\n}\n');
  const plan = await fixturePlan(dir);
  delete plan.plan.configuration;
  const found = await locateResources(
    plan,
    [
      'module.gateway.google_api_gateway_api_config.shop',
      'module.gateway.data.google_project.host',
      'module.gateway.module.iam.google_project_iam_member.viewer',
      'module.gateway.module.iam.google_folder_iam_member.reader',
    ],
    dir,
  );
  assert.deepEqual(Object.fromEntries(found), {
    'module.gateway.google_api_gateway_api_config.shop': { file: 'infra/modules/gateway/main.tf', line: 4 },
    'module.gateway.data.google_project.host': { file: 'infra/modules/gateway/extra.tf', line: 5 },
    'module.gateway.module.iam.google_project_iam_member.viewer': { file: 'infra/modules/gateway/iam/iam.tf.json', line: 4 },
    'module.gateway.module.iam.google_folder_iam_member.reader': { file: 'infra/modules/gateway/iam/unquoted.tf', line: 2 },
  });
});

test('remote sources, sources and files outside the workspace are not followed', async () => {
  const dir = await copyFixture();
  const outside = await mkdtemp(path.join(tmpdir(), 'gg-outside-'));
  await writeFile(path.join(outside, 'main.tf'), 'resource "google_project_iam_member" "x" {\n}\n');
  await writeFile(
    path.join(dir, 'infra/more.tf'),
    ['module "remote" {', '  source = "terraform-google-modules/iam/google"', '}', 'module "escape" {', `  source = "${path.relative(path.join(dir, 'infra'), outside)}"`, '}', 'module "linked" {', '  source = "./linked"', '}'].join('\n'),
  );
  await symlink(outside, path.join(dir, 'infra/linked'));
  await symlink(path.join(outside, 'main.tf'), path.join(dir, 'infra/modules/run/outside.tf'));
  const plan = await fixturePlan(dir);
  delete plan.plan.configuration;
  const found = await locateResources(
    plan,
    ['module.remote.google_project_iam_member.x', 'module.escape.google_project_iam_member.x', 'module.linked.google_project_iam_member.x', 'module.run[0].google_project_iam_member.x'],
    dir,
  );
  assert.equal(found.size, 0, JSON.stringify(Object.fromEntries(found)));
});
