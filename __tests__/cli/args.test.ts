import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICY_FILE } from '../../src/policy/default-file.ts';
import { parseCommandLine, UsageError, type CheckCommand } from '../../src/cli/args.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';

function checkCommand(argv: string[]): CheckCommand {
  const command = parseCommandLine(argv);
  assert.equal(command.command, 'check');
  return command as CheckCommand;
}

test('defaults match the action inputs', () => {
  assert.deepEqual(checkCommand(['check', 'openapi.yaml', '-s', SA]), {
    command: 'check',
    specs: ['openapi.yaml'],
    serviceAccount: SA,
    apiConfig: '',
    projects: [],
    policyFile: DEFAULT_POLICY_FILE,
    policyExplicit: false,
    failOn: 'error',
    format: 'text',
    concurrency: 16,
    timeoutSeconds: 300,
    troubleshoot: false,
    assetInventory: false,
    terraformPlans: [],
    allowedProjects: [],
    showMembers: false,
  });
});

test('--terraform-plan is repeatable and enough without SPEC or --service-account; --allowed-projects splits lists', () => {
  const c = checkCommand(['check', '--terraform-plan', 'a.json', '--terraform-plan', 'b/tfplan.json', '--allowed-projects', 'shop-*,shop-data', '--show-members']);
  assert.deepEqual(c.terraformPlans, ['a.json', 'b/tfplan.json']);
  assert.deepEqual(c.specs, []);
  assert.deepEqual(c.allowedProjects, ['shop-*', 'shop-data']);
  assert.equal(c.showMembers, true);
});

test('--troubleshoot and --asset-inventory switch on the second opinion and bulk reads', () => {
  const c = checkCommand(['check', 'openapi.yaml', '-s', SA, '--troubleshoot', '--asset-inventory']);
  assert.equal(c.troubleshoot, true);
  assert.equal(c.assetInventory, true);
});

test('every option, short and long, in any order', () => {
  const c = checkCommand([
    '--format=sarif', 'check', 'a.yaml', '-p', 'shop-prod,shop-data', 'b.json', '--project', '123456789012',
    '--service-account', 'projects/gw-host/serviceAccounts/112233445566778899001', '--fail-on', 'WARNING',
    '--concurrency', '4', '--timeout', '60', '--policy', 'ci/policy.yml', '--no-color',
  ]);
  assert.deepEqual(c.specs, ['a.yaml', 'b.json']);
  assert.deepEqual(c.projects, ['shop-prod', 'shop-data', '123456789012']);
  assert.equal(c.serviceAccount, 'projects/gw-host/serviceAccounts/112233445566778899001');
  assert.equal(c.failOn, 'warning');
  assert.equal(c.format, 'sarif');
  assert.equal(c.concurrency, 4);
  assert.equal(c.timeoutSeconds, 60);
  assert.equal(c.policyFile, 'ci/policy.yml');
  assert.equal(c.policyExplicit, true);
  assert.equal(c.color, false);
  assert.equal(checkCommand(['check', 'a.yaml', '-s', SA, '--color']).color, true);
});

test('--api-config alone is enough (the service account comes from the config)', () => {
  for (const name of [
    'projects/gw-host/locations/global/apis/shop/configs/shop-v1',
    'projects/gw-host/locations/global/apis/shop',
    'projects/gw-host/locations/us-central1/gateways/shop-gw',
  ]) {
    const c = checkCommand(['check', '--api-config', name]);
    assert.equal(c.apiConfig, name);
    assert.deepEqual(c.specs, []);
    assert.equal(c.serviceAccount, '');
  }
});

test('help and version win over everything else', () => {
  assert.deepEqual(parseCommandLine(['check', '--format', 'xml', '--help']), { command: 'help' });
  assert.deepEqual(parseCommandLine(['-V']), { command: 'version' });
  assert.deepEqual(parseCommandLine(['version']), { command: 'version' });
});

test('bad command lines throw a UsageError with a one-line message', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /no command given/],
    [['lint', 'a.yaml'], /unknown command "lint"; the command is `check`/],
    [['check', 'a.yaml', '-s', SA, '-x'], /^unknown option -x$/],
    [['check', 'a.yaml', '-s', SA, '--timeout'], /^option --timeout needs a value$/],
    [['check', 'a.yaml', '-s', SA, '--timeout', '0'], /--timeout must be a whole number from 1 to 21600; got "0"/],
    [['check', 'a.yaml', '-s', SA, '--concurrency', 'many'], /--concurrency must be a whole number/],
    [['check', 'a.yaml', '-s', SA, '-p', 'Shop Prod'], /--project must be a project ID/],
    [['check', 'a.yaml', '-s', 'gw@gmail.com'], /--service-account must be a service account email/],
    [['check', '--api-config', 'shop'], /--api-config must be projects\/PROJECT\/locations\/global\/apis\/API\/configs\/CONFIG/],
    [['check', '--api-config', 'https://apigateway.googleapis.com/v1/projects/p/locations/global/apis/a'], /without a host/],
    [['check', 'a.yaml', '-s', SA, '--help=1'], /option --help does not take a value/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseCommandLine(argv), (err: unknown) => {
      assert.ok(err instanceof UsageError, argv.join(' '));
      assert.match(err.message, pattern, argv.join(' '));
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  }
});
