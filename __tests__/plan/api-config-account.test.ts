/** The API config's account known only after apply: only one certain candidate names it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedServiceAccount } from '../../src/plan/api-config.ts';
import { change, plan } from './plans.ts';

test('a config whose account expression references two service accounts of the plan names none of them', () => {
  const config = change('google_api_gateway_api_config.cfg', ['create'], null, { project: 'gw-host', api: 'shop', gateway_config: [{ backend_config: [{}] }] }, { gateway_config: [{ backend_config: [{ google_service_account: true }] }] });
  const p = plan(
    [
      change('google_service_account.a', ['create'], null, { account_id: 'gw-a', project: 'gw-host' }, { email: true }),
      change('google_service_account.b', ['create'], null, { account_id: 'gw-b', project: 'gw-host' }, { email: true }),
      config,
    ],
    {
      root: {
        resources: [
          {
            address: 'google_api_gateway_api_config.cfg',
            mode: 'managed',
            type: 'google_api_gateway_api_config',
            name: 'cfg',
            // `google_service_account = var.blue ? google_service_account.a.email : google_service_account.b.email`
            expressions: { gateway_config: [{ backend_config: [{ google_service_account: { references: ['var.blue', 'google_service_account.a.email', 'google_service_account.a', 'google_service_account.b.email', 'google_service_account.b'] } }] }] },
          },
        ],
      },
    },
  );
  const out = plannedServiceAccount(p, config, ['gateway_config', 0, 'backend_config', 0, 'google_service_account']);
  assert.ok('reason' in out, JSON.stringify(out));
  // One account referenced (its email and itself): that account.
  const one = structuredClone(p);
  const expr = (one.configuration!.root_module!.resources![0]!.expressions as { gateway_config: [{ backend_config: [{ google_service_account: { references: string[] } }] }] }).gateway_config[0].backend_config[0].google_service_account;
  expr.references = ['google_service_account.b.email', 'google_service_account.b'];
  assert.deepEqual(plannedServiceAccount(one, config, ['gateway_config', 0, 'backend_config', 0, 'google_service_account']), { email: 'gw-b@gw-host.iam.gserviceaccount.com', address: 'google_service_account.b' });
});
