import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_MAX_WIDTH, fixMedia, hclString, specLineFix, terraformFix, wrapCommand } from '../../src/report/fixes.ts';
import type { Finding } from '../../src/types.ts';

const SA = 'shop-gateway@shop-prod.iam.gserviceaccount.com';

/** The words a POSIX shell passes to gcloud for `script` (gcloud replaced by a function printing them). */
const shellArgs = (script: string) => execFileSync('sh', ['-c', `gcloud() { printf '%s\\n' "$@"; echo --; }\n${script}`], { encoding: 'utf8' });

test('wrapCommand: lines of at most 80 characters ending in ` \\`, the same words once joined', () => {
  const commands = [
    `gcloud run services add-iam-policy-binding payments --project=shop-prod --region=us-central1 --member=serviceAccount:${SA} --role=roles/run.invoker`,
    `gcloud iam roles create apiGatewayAppEngineCaller --project=shop-prod --title="API Gateway App Engine caller" --permissions=appengine.applications.update,clientauthconfig.clients.create,clientauthconfig.clients.getWithSecret && gcloud projects add-iam-policy-binding shop-prod --member=serviceAccount:${SA} --role=projects/shop-prod/roles/apiGatewayAppEngineCaller`,
    'gcloud run services update inventory --project=shop-prod --region=us-central1 --ingress=all',
    "gcloud run services remove-iam-policy-binding x --member='user:o'\\''brien@example.com' --role=roles/run.invoker",
  ];
  for (const command of commands) {
    const wrapped = wrapCommand(command);
    const lines = wrapped.split('\n');
    for (const [i, line] of lines.entries()) {
      assert.ok(line.length <= 80, `${line.length}: ${line}`);
      assert.ok(line.length <= COMMAND_MAX_WIDTH, line);
      if (i < lines.length - 1) assert.ok(line.endsWith('\\'), line);
      else assert.ok(!line.endsWith('\\'), line);
    }
    // The shell sees the same words (`--flag=value` split into `--flag value` is the same to gcloud).
    assert.equal(shellArgs(wrapped).replace(/^(--permissions)\n/m, '$1='), shellArgs(command));
  }
  // `&&` ends a line: the second command starts on its own.
  assert.match(wrapCommand(commands[1]!), /&& \\\n {4}gcloud projects add-iam-policy-binding/);
  // Quoted words are never split.
  assert.ok(wrapCommand(commands[1]!).includes('--title="API Gateway App Engine caller"'));
  // Already wrapped input is re-wrapped, not doubled.
  assert.equal(wrapCommand('gcloud a \\\n  --b=c'), 'gcloud a --b=c');
});

const base: Finding = {
  rule: 'missing-invoker',
  severity: 'error',
  message: 'lacks',
  account: SA,
  fix: 'gcloud …',
  permission: 'run.routes.invoke',
  resource: 'projects/shop-prod/locations/us-central1/services/payments',
};

test('terraformFix: the member resource to add, per kind', () => {
  assert.equal(
    terraformFix(base),
    [
      'resource "google_cloud_run_v2_service_iam_member" "payments_gateway_invoker" {',
      '  project  = "shop-prod"',
      '  location = "us-central1"',
      '  name     = "payments"',
      '  role     = "roles/run.invoker"',
      `  member   = "serviceAccount:${SA}"`,
      '}',
    ].join('\n'),
  );
  // 2nd gen: the Cloud Run service's IAM, never google_cloudfunctions2_function_iam_member.
  const gen2 = terraformFix({
    ...base,
    resource: 'projects/shop-prod/locations/europe-west1/functions/Resize_Images',
    grantOn: 'projects/shop-prod/locations/europe-west1/services/resize-images',
  })!;
  assert.match(gen2, /^resource "google_cloud_run_v2_service_iam_member" "resize_images_gateway_invoker" \{$/m);
  assert.match(gen2, /^ {2}name {5}= "resize-images"$/m);
  assert.match(gen2, /^ {2}location = "europe-west1"$/m);
  assert.doesNotMatch(gen2, /^resource "google_cloudfunctions2_function_iam_member"/m);
  assert.match(gen2, /^# Resize_Images is a 2nd-gen function/m);
  // 1st gen.
  const gen1 = terraformFix({ ...base, permission: 'cloudfunctions.functions.invoke', resource: 'projects/p/locations/us-east1/functions/legacy-hook' })!;
  assert.match(gen1, /^resource "google_cloudfunctions_function_iam_member" "legacy_hook_gateway_invoker" \{\n {2}project {8}= "p"\n {2}region {9}= "us-east1"\n {2}cloud_function = "legacy-hook"\n {2}role {11}= "roles\/cloudfunctions\.invoker"\n/);
  // IAP: the app (default service) or one service.
  const iap = { ...base, rule: 'missing-iap-access' as const, permission: 'iap.webServiceVersions.accessViaIAP' };
  assert.match(terraformFix({ ...iap, resource: 'apps/shop-prod/services/default' })!, /^resource "google_iap_web_type_app_engine_iam_member" "shop_prod_gateway_iap" \{\n {2}project = "shop-prod"\n {2}app_id {2}= "shop-prod"\n {2}role {4}= "roles\/iap\.httpsResourceAccessor"/);
  assert.match(terraformFix({ ...iap, resource: 'apps/shop-prod/services/admin' })!, /^resource "google_iap_app_engine_service_iam_member" "admin_gateway_iap" \{[\s\S]*service = "admin"/);
  // App Engine's three permissions: a custom role and the project member.
  const custom = terraformFix({ ...base, rule: 'missing-app-engine-permissions', permission: undefined, resource: 'projects/shop-prod' })!;
  assert.match(custom, /resource "google_project_iam_custom_role" "api_gateway_app_engine_caller"[\s\S]*"clientauthconfig\.clients\.getWithSecret",[\s\S]*resource "google_project_iam_member" "gateway_app_engine_caller" \{\n {2}project = "shop-prod"\n {2}role {4}= google_project_iam_custom_role\.api_gateway_app_engine_caller\.name\n/);
  // The plan hook: the v1 family, or an authoritative binding to edit instead.
  assert.match(terraformFix(base, { runFamily: 'v1' })!, /^resource "google_cloud_run_service_iam_member" "payments_gateway_invoker" \{[\s\S]*\n {2}service {2}= "payments"/m);
  const binding = terraformFix(base, { authoritative: { address: 'module.run.google_cloud_run_v2_service_iam_binding.invokers', file: 'infra/run.tf', line: 12, form: 'binding' } })!;
  assert.match(binding, /^# module\.run\.google_cloud_run_v2_service_iam_binding\.invokers \(infra\/run\.tf:12\)\n# manages "roles\/run\.invoker" authoritatively/);
  assert.match(binding, /\n {2}members = \[\n {4}# …the members it has,\n {4}"serviceAccount:shop-gateway@shop-prod\.iam\.gserviceaccount\.com",\n {2}\]$/);
  assert.ok(!binding.includes('resource "'), 'no new member resource beside an authoritative binding');
  const policy = terraformFix(base, { authoritative: { address: 'google_cloud_run_v2_service_iam_policy.orders', form: 'policy' } })!;
  assert.match(policy, /^# google_cloud_run_v2_service_iam_policy\.orders\n# replaces this allow policy as a whole[\s\S]*binding \{\n {4}role {4}= "roles\/run\.invoker"\n {4}members = \["serviceAccount:shop-gateway@/);
  // Beside the module's other IAM resources; a hostile address stays on its comment line.
  assert.match(terraformFix(base, { runFamily: 'v1', module: 'module.run', near: { address: 'module.run.google_cloud_run_service_iam_member.viewers', file: 'infra/run/main.tf', line: 4 } })!, /^# Beside module\.run\.google_cloud_run_service_iam_member\.viewers \(infra\/run\/main\.tf:4\), in module\.run:\nresource "google_cloud_run_service_iam_member"/);
  assert.equal(terraformFix(base, { near: { address: 'a\nresource "evil" "x" {}' } })!.split('\n').filter((l) => l.startsWith('resource ')).length, 1);
  // Nothing without a grant to add: public access, a deny rule (no fix), no account.
  assert.equal(terraformFix({ ...base, rule: 'public-access' }), undefined);
  assert.equal(terraformFix({ ...base, fix: undefined }), undefined);
  assert.equal(terraformFix({ ...base, account: undefined }), undefined);
});

test('hclString escapes quotes, backslashes and template sequences', () => {
  assert.equal(hclString('a"b\\c ${x} %{y}\nz'), '"a\\"b\\\\c $${x} %%{y}\\nz"');
  const hostile = terraformFix({ ...base, account: 'x"} resource "evil" "e" {${file("/etc/passwd")}' })!;
  assert.equal(hostile.split('\n').filter((l) => l.startsWith('resource ')).length, 1);
  assert.ok(hostile.includes('$${file('));
});

test('specLineFix: the line to change, in Swagger 2.0 and OpenAPI 3 block style; nothing for JSON or flow style', () => {
  const oas2 = ['paths:', '  /a:', '    get:', '      x-google-backend:', '        address: https://a.run.app', '        jwt_audience: https://wrong', '        disable_auth: true  # temporary', '      responses: {}'].join('\n');
  assert.deepEqual(specLineFix(oas2, 4, { field: 'jwtAudience', value: 'https://a.run.app' }), { line: 6, original: '        jwt_audience: https://wrong', replacement: '        jwt_audience: https://a.run.app' });
  assert.deepEqual(specLineFix(oas2, 4, { field: 'disableAuth' }), { line: 7, original: '        disable_auth: true  # temporary', replacement: '' });
  // No jwt_audience yet: the address line, then the new field.
  const bare = ['x-google-backend:', '  address: https://a.run.app/v1', 'paths: {}'].join('\n');
  assert.deepEqual(specLineFix(bare, 1, { field: 'jwtAudience', value: 'https://a.run.app' }), { line: 2, original: '  address: https://a.run.app/v1', replacement: '  address: https://a.run.app/v1\n  jwt_audience: https://a.run.app' });
  // OpenAPI 3: camelCase, the declaration located by its address line.
  const oas3 = ['openapi: 3.0.4', 'x-google-api-management:', '  backends:', '    orders:', '      address: https://a.run.app', '      deadline: 10', '      disableAuth: true', 'paths: {}'].join('\n');
  assert.deepEqual(specLineFix(oas3, 5, { field: 'jwtAudience', value: '123-abc.apps.googleusercontent.com' }), { line: 5, original: '      address: https://a.run.app', replacement: '      address: https://a.run.app\n      jwtAudience: 123-abc.apps.googleusercontent.com' });
  assert.deepEqual(specLineFix(oas3, 5, { field: 'disableAuth' }), { line: 7, original: '      disableAuth: true', replacement: '' });
  // A value YAML would misread is quoted.
  assert.equal(specLineFix(bare, 1, { field: 'jwtAudience', value: 'a: #b' })!.replacement.split('\n')[1], '  jwt_audience: "a: #b"');
  // Flow style, JSON, a line out of range: no spec fix (the other media stay).
  assert.equal(specLineFix('x-google-backend: { address: https://a, disable_auth: true }', 1, { field: 'disableAuth' }), undefined);
  assert.equal(specLineFix('{"x-google-backend": {"address": "https://a"}}', 1, { field: 'jwtAudience', value: 'x' }, 'spec.json'), undefined);
  assert.equal(specLineFix(bare, 99, { field: 'disableAuth' }), undefined);
  // A field not written and nothing to set: nothing.
  assert.equal(specLineFix(bare, 1, { field: 'disableAuth' }), undefined);
});

test('fixMedia with a plan style: Terraform leads, and the gcloud fix is marked as one the next apply reverts', async () => {
  const { fixLines } = await import('../../src/report/layout.ts');
  const authoritative = { address: 'google_cloud_run_v2_service_iam_binding.invokers', file: 'run.tf', line: 3 };
  const media = fixMedia(base, { terraform: { authoritative } })!;
  assert.deepEqual(media.gcloudRevertedBy, { address: authoritative.address, file: 'run.tf', line: 3 });
  const lines = fixLines(media, 'terraform');
  assert.equal(lines[1], '```hcl', 'Terraform first, open');
  const folded = lines.indexOf('<details><summary>gcloud</summary>');
  assert.ok(folded > 0);
  assert.equal(lines[folded + 2], '_The next `terraform apply` of `google_cloud_run_v2_service_iam_binding.invokers` (`run.tf:3`) would revert this command._');
  assert.equal(fixMedia(base)!.gcloudRevertedBy, undefined);
});

test('fixMedia: every medium the finding has, none invented', () => {
  const spec = ['x-google-backend:', '  address: https://a.run.app', '  disable_auth: true', ''].join('\n');
  const media = fixMedia({ ...base, rule: 'auth-disabled', file: 'openapi.yaml', line: 1, specEdit: { field: 'disableAuth' } }, { specText: spec })!;
  assert.deepEqual(Object.keys(media), ['gcloud', 'spec']);
  assert.deepEqual(media.spec, { file: 'openapi.yaml', line: 3, original: '  disable_auth: true', replacement: '' });
  assert.equal(fixMedia({ rule: 'invalid-spec', severity: 'error', message: 'x' }), undefined);
});
