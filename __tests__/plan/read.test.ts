import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readPlanFiles } from '../../src/plan/read.ts';
import { apiConfig, change, plan } from './x-builder.ts';
import { writeBigPlan } from './x-big-plan.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(HERE, '../fixtures/plans/x-workspace');
const NODE = process.execPath;

async function workspace(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-plan-'));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

/** The findings of reading one file with these contents, as `severity: message`. */
async function problems(content: string | Buffer): Promise<string[]> {
  const dir = await workspace({ 'tfplan.json': content });
  const { plans, findings } = await readPlanFiles(['tfplan.json'], dir);
  assert.ok(findings.every((f) => f.rule === 'invalid-plan' && f.file === 'tfplan.json'));
  if (findings.some((f) => f.severity === 'error')) assert.equal(plans.length, 0, 'an unusable plan is not returned');
  return findings.map((f) => `${f.severity}: ${f.message}`);
}

test('a realistic plan keeps the changes, provider settings and module calls the stages read, and nothing else', async () => {
  const { plans, findings } = await readPlanFiles(['infra/tfplan.json'], FIXTURE);
  assert.deepEqual(findings, []);
  assert.equal(plans.length, 1);
  const [read] = plans;
  assert.equal(read!.file, 'infra/tfplan.json');
  assert.equal(read!.dir, path.join(FIXTURE, 'infra'));
  assert.equal(read!.plan.format_version, '1.2');
  assert.equal(read!.plan.complete, true);
  assert.deepEqual(
    read!.plan.resource_changes?.map((c) => c.address),
    [
      'google_service_account.gateway',
      'module.gateway.google_api_gateway_api_config.shop',
      'module.run["orders"].google_cloud_run_v2_service_iam_member.invoker',
      'module.run["status"].google_cloud_run_v2_service_iam_member.invoker',
    ],
  );
  const member = read!.plan.resource_changes![2]!;
  assert.equal(member.index, undefined, 'the key is the module instance key');
  assert.equal(member.module_address, 'module.run["orders"]');
  assert.deepEqual(member.change.actions, ['create']);
  assert.equal((member.change.after as { member: string }).member, 'serviceAccount:gw@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(read!.plan.configuration?.provider_config?.google?.expressions, { project: { constant_value: 'gw-host' }, region: { constant_value: 'us-central1' } });
  const gateway = read!.plan.configuration?.root_module?.module_calls?.gateway;
  assert.equal(gateway?.source, './modules/gateway');
  assert.deepEqual(gateway?.expressions?.service_account, { references: ['google_service_account.gateway.email', 'google_service_account.gateway'] });
  assert.deepEqual(gateway?.module?.resources?.map((r) => r.address), ['google_api_gateway_api_config.shop'], 'configuration resources of kept types only');
  assert.ok(gateway?.module?.resources?.[0]?.expressions?.gateway_config, 'with their expressions');
  // The secret sits in `variables`, an unrelated resource, the provider's credentials and a module argument.
  const kept = JSON.stringify(plans);
  assert.ok(!kept.includes('PLANTED'), 'no planted secret is kept');
  assert.ok(!kept.includes('secret_manager'), 'unrelated resources are dropped');
});

test('OpenTofu plans (no applyable/complete) read; a plan with complete: false is a warning and is still used', async () => {
  const tofu = plan([change('google_project_iam_member.a', ['create'], { project: 'p', role: 'roles/viewer', member: 'user:a@example.com' })], undefined, { terraform_version: '1.8.5' });
  delete tofu.applyable;
  delete tofu.complete;
  assert.deepEqual(await problems(JSON.stringify(tofu)), []);
  const dir = await workspace({ 'tfplan.json': JSON.stringify(plan([], undefined, { complete: false })) });
  const { plans, findings } = await readPlanFiles(['tfplan.json'], dir);
  assert.equal(plans.length, 1);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'warning');
  assert.match(findings[0]!.message, /incomplete \(`complete: false`, made with -target.*changes outside it were not seen/);
});

test('what is not a plan is a clear invalid-plan error, never a crash', async () => {
  const cases: Array<[string | Buffer, RegExp]> = [
    ['', /the file is empty/],
    ['{"format_version": "1.2", ', /not valid JSON: the text ends where a quoted member name was expected at line 1, column 27/],
    ['{\n  "format_version": "1.2",\n  "resource_changes": [ {"type": tru } ]\n}', /not valid JSON: a value was expected at line 3, column 34/],
    ['{"format_version":"1.2","resource_changes":[]} trailing', /not valid JSON: more text after the JSON value at line 1, column 48/],
    ['[1, 2]', /not a JSON object/],
    ['"terraform"', /not a JSON object/],
    [JSON.stringify({ format_version: '2.0', resource_changes: [] }), /format_version "2\.0" is not 1\.x/],
    [JSON.stringify({ format_version: 1.2, resource_changes: [] }), /format_version missing is not 1\.x/],
    [JSON.stringify({ resource_changes: [] }), /format_version missing is not 1\.x/],
    [JSON.stringify(plan([], undefined, { errored: true })), /the plan errored/],
    [JSON.stringify({ format_version: '1.2', resource_changes: {} }), /`resource_changes` is not a list/],
    [JSON.stringify({ format_version: '1.0', values: { root_module: {} } }), /this is a state, not a plan/],
    [JSON.stringify({ format_version: '1.2' }), /not a plan: it has no `resource_changes`/],
    [JSON.stringify({ format_version: '1.2', resource_changes: [42] }), /resource_changes\[0\] is not an object/],
    [JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'x' }] }), /resource_changes\[0\] has no "type"/],
    [JSON.stringify({ format_version: '1.2', resource_changes: [{ type: 'google_project_iam_member', address: 'google_project_iam_member.a', name: 'a', mode: 'managed', change: { actions: 'create' } }] }), /google_project_iam_member\.a.*change\.actions is not a list/],
    ['{"format_version":"1.2","format_version":"1.2","resource_changes":[]}', /the top level has "format_version" twice/],
    [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /binary plan file .*terraform show -json PLANFILE > tfplan\.json/],
    [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"format_version":"1.2"}', 'utf16le')]), /UTF-16 text/],
    [Buffer.from('{"format_version":"1.2","resource_changes":[{"type":"google_folder_iam_member","address":"\xff"}]}', 'latin1'), /the file is not valid UTF-8 text/],
  ];
  for (const [content, expected] of cases) {
    const found = await problems(content);
    assert.equal(found.length, 1, `${String(content).slice(0, 60)} → ${found.join(' | ')}`);
    assert.match(found[0]!, /^error: Terraform plan tfplan\.json: /);
    assert.match(found[0]!, expected);
  }
  // A UTF-8 byte order mark is allowed.
  assert.deepEqual(await problems(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(plan([])))])), []);
});

test('paths: globs, missing files, directories, and links out of the workspace', async () => {
  const good = JSON.stringify(plan([]));
  const outside = await workspace({ 'secret.json': good });
  const dir = await workspace({ 'plans/a.tfplan.json': good, 'plans/b.tfplan.json': good, 'plans/sub/.keep': '' });
  await symlink(path.join(outside, 'secret.json'), path.join(dir, 'plans/link.json'));
  const { plans, findings } = await readPlanFiles(['plans/*.tfplan.json', 'missing.json', 'plans/sub', '../x.json', 'plans/link.json', 'nothing/*.json'], dir);
  assert.deepEqual(plans.map((p) => p.file), ['plans/a.tfplan.json', 'plans/b.tfplan.json']);
  const messages = findings.map((f) => f.message).sort();
  assert.equal(messages.length, 5);
  assert.match(messages.join('\n'), /Terraform plan \.\.\/x\.json: the path points outside the workspace/);
  assert.match(messages.join('\n'), /missing\.json: the file does not exist/);
  assert.match(messages.join('\n'), /plans\/sub: this is a directory/);
  assert.match(messages.join('\n'), /plans\/link\.json: the path is a symlink that resolves outside the workspace/);
  assert.match(messages.join('\n'), /nothing\/\*\.json: no file matches this glob/);
});

test('a glob never lists files through a symlinked directory that leaves the workspace, nor names them', async () => {
  const good = JSON.stringify(plan([]));
  const outside = await workspace({ 'prod-secrets-tfplan.json': good });
  const dir = await workspace({ 'infra/tfplan.json': good });
  await symlink(outside, path.join(dir, 'infra/elsewhere'));
  // A recursive glob does not descend into the link at all.
  const all = await readPlanFiles(['infra/**/*.json'], dir);
  assert.deepEqual(all.plans.map((p) => p.file), ['infra/tfplan.json']);
  assert.deepEqual(all.findings, []);
  // A glob through the link itself is refused, counting what it reaches without naming it.
  const through = await readPlanFiles(['infra/elsewhere/*.json'], dir);
  assert.deepEqual(through.plans, []);
  assert.equal(through.findings.length, 1);
  assert.match(through.findings[0]?.message ?? '', /reaches 1 file\(s\) through a symlinked directory that leaves the workspace/);
  assert.ok(!JSON.stringify([all, through]).includes('prod-secrets'), 'no outside name is shown');
});

test('hostile plans: deep nesting, huge strings, long names and secrets in unrelated resources', async () => {
  const secret = 'PLANTED-hostile-secret-31337';
  // Nested 100,000 deep inside an unrelated resource: beyond the scanner's bound, a clear error.
  const deep = `{"format_version":"1.2","resource_changes":[{"type":"null_resource","change":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
  const [deepProblem] = await problems(deep);
  assert.match(deepProblem!, /not valid JSON: nested deeper than 4096 levels/);
  // Nested 1,000 deep in an unrelated resource is scanned and dropped; in a kept one it is refused.
  const nested = (type: string) =>
    `{"format_version":"1.2","resource_changes":[{"address":"${type}.x","mode":"managed","type":"${type}","name":"x","change":{"actions":["create"],"before":null,"after":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}}]}`;
  assert.deepEqual(await problems(nested('null_resource')), []);
  assert.match((await problems(nested('google_project_iam_member')))[0]!, /google_project_iam_member\.x.*nested deeper than 64 levels/);
  // A 64 MiB string (the secret repeated) in an unrelated resource, and the secret in the variables.
  const huge = JSON.stringify(
    plan([
      change('google_secret_manager_secret_version.big', ['create'], { secret_data: secret.repeat(Math.ceil((64 * 1024 * 1024) / secret.length)) }),
      change('google_project_iam_member.viewer', ['create'], { project: 'p', role: 'roles/viewer', member: 'user:a@example.com' }),
    ], undefined, { variables: { password: { value: secret } } }),
  );
  const dir = await workspace({ 'tfplan.json': huge });
  const started = performance.now();
  const { plans, findings } = await readPlanFiles(['tfplan.json'], dir);
  assert.ok(performance.now() - started < 20_000);
  assert.deepEqual(findings, []);
  assert.deepEqual(plans[0]!.plan.resource_changes?.map((c) => c.address), ['google_project_iam_member.viewer']);
  assert.ok(!JSON.stringify(plans).includes(secret));
  // An address of 100 KiB in a kept resource.
  assert.match((await problems(JSON.stringify(plan([change('google_project_iam_member.a', ['create'], {})])).replace('"google_project_iam_member.a"', JSON.stringify('x'.repeat(100_000)))))[0]!, /resource_changes\[0\] has a name or address longer than 64 KiB/);
  // Error messages never quote plan text: a syntax error right after a secret names only the position.
  const broken = `{"format_version":"1.2","variables":{"p":{"value":"${secret}"}},"resource_changes":[}`;
  const [brokenProblem] = await problems(broken);
  assert.ok(!brokenProblem!.includes(secret));
  // Environment variables of kept resources (often secrets) are dropped.
  const run = change('google_cloud_run_v2_service.api', ['update'], { name: 'api', ingress: 'INGRESS_TRAFFIC_ALL', template: [{ containers: [{ env: [{ name: 'TOKEN', value: secret }] }] }] });
  const envDir = await workspace({ 'tfplan.json': JSON.stringify(plan([run])) });
  const envRead = await readPlanFiles(['tfplan.json'], envDir);
  assert.equal((envRead.plans[0]!.plan.resource_changes![0]!.change.after as { ingress: string }).ingress, 'INGRESS_TRAFFIC_ALL');
  assert.ok(!JSON.stringify(envRead).includes(secret));
});

test('builder plans round-trip through the reader (api config documents and unknowns kept)', async () => {
  const dir = await workspace({ 'tfplan.json': JSON.stringify(plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: 'swagger: "2.0"\n' }], serviceAccount: 'unknown' })])) });
  const { plans } = await readPlanFiles(['tfplan.json'], dir);
  const [config] = plans[0]!.plan.resource_changes!;
  assert.deepEqual(config!.change.after_unknown, { id: true, name: true, service_config_id: true, openapi_documents: [{ document: [{}] }], gateway_config: [{ backend_config: [{ google_service_account: true }] }] });
});

test('a 100 MB plan is read in a few seconds and well under 1 GiB of memory, leaking nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gg-bigplan-'));
  const secret = 'PLANTED-big-secret-8c2d41';
  const written = await writeBigPlan(path.join(dir, 'tfplan.json'), 100 * 1024 * 1024, secret);
  const child = spawnSync(NODE, [path.join(HERE, 'x-measure-read.ts'), dir, secret, 'tfplan.json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(child.status, 0, child.stderr);
  const measured = JSON.parse(child.stdout) as { ms: number; maxRssMiB: number; kept: number; findings: string[]; leaked: boolean };
  console.log(`100 MB plan: ${measured.ms} ms, peak RSS ${measured.maxRssMiB} MiB, ${measured.kept} of ${written.resources} changes kept`);
  assert.deepEqual(measured.findings, []);
  assert.equal(measured.kept, written.kept);
  assert.equal(measured.leaked, false);
  assert.ok(measured.maxRssMiB < 1024, `peak RSS ${measured.maxRssMiB} MiB`);
  // A few seconds alone; generous here because tests share the machine.
  assert.ok(measured.ms < 30_000, `${measured.ms} ms`);
});

test('a plan of another format version is reported as such, whatever else is wrong with it', async () => {
  const found = await problems(JSON.stringify({ format_version: '2.0', resource_changes: [{ type: 'google_project_iam_member', change: 'new shape' }] }));
  assert.equal(found.length, 1);
  assert.match(found[0]!, /format_version "2\.0" is not 1\.x/);
});

test('older 1.x formats and Go-escaped text (\\u003c, \\u0026) as Terraform writes it, minified on one line', async () => {
  const member = change('google_folder_iam_member.editor["a<b&c"]', ['create'], { folder: 'folders/123', member: 'user:jane@example.com', role: 'roles/editor', condition: [] });
  const old = plan([member], undefined, { format_version: '1.0', terraform_version: '1.1.9' });
  delete old.errored; // before Terraform 1.4
  const text = JSON.stringify(old).replace(/</g, '\\u003c').replace(/&/g, '\\u0026');
  assert.ok(text.includes('\\u003c') && !text.includes('\n'));
  const dir = await workspace({ 'tfplan.json': `${text}\n` });
  const { plans, findings } = await readPlanFiles(['tfplan.json'], dir);
  assert.deepEqual(findings, []);
  assert.equal(plans[0]!.plan.resource_changes![0]!.address, 'google_folder_iam_member.editor["a<b&c"]');
  assert.equal(plans[0]!.plan.resource_changes![0]!.index, 'a<b&c');
});

test('for_each/count expressions are kept; of the root variables only those the provider settings refer to', async () => {
  const { parsePlan } = await import('../../src/plan/read.ts');
  const text = JSON.stringify({
    format_version: '1.2',
    variables: { project: { value: 'shop-prod' }, db_password: { value: 'hunter2-must-not-stay' } },
    resource_changes: [],
    configuration: {
      provider_config: { google: { name: 'google', expressions: { project: { references: ['var.project'] }, credentials: { references: ['var.db_password'] } } } },
      root_module: {
        resources: [
          {
            address: 'google_cloud_run_v2_service_iam_member.invoker',
            mode: 'managed',
            type: 'google_cloud_run_v2_service_iam_member',
            name: 'invoker',
            expressions: { member: { references: ['each.value'] } },
            for_each_expression: { references: ['var.members'] },
          },
          { address: 'google_storage_bucket.b', mode: 'managed', type: 'google_storage_bucket', name: 'b', count_expression: { constant_value: 2 } },
        ],
      },
    },
  });
  const kept = parsePlan(new TextEncoder().encode(text));
  assert.deepEqual(kept.variables, { project: { value: 'shop-prod' } });
  assert.deepEqual(kept.configuration?.root_module?.resources?.map((r) => [r.address, r.for_each_expression]), [
    ['google_cloud_run_v2_service_iam_member.invoker', { references: ['var.members'] }],
  ]);
  assert.ok(!JSON.stringify(kept).includes('hunter2'));
});
