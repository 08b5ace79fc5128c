import { appengine_v1 } from 'googleapis/build/src/apis/appengine/v1.js';
import { iap_v1 } from 'googleapis/build/src/apis/iap/v1.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { POLICY_VERSION, toPolicy } from './policy.ts';
import type { AppInfo, IamPolicy } from './types.ts';

/** App Engine reads, and the IAP policies that guard an app. */
export class AppEngineApi {
  private readonly executor: CallExecutor;
  private readonly appengine: appengine_v1.Appengine;
  private readonly iap: iap_v1.Iap;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.appengine = new appengine_v1.Appengine(options);
    this.iap = new iap_v1.Iap(options);
  }

  /** The application of a project (its ID is the project ID). */
  app(appId: string): Promise<AppInfo> {
    return this.executor.once(`appengine.app ${appId}`, `Reading App Engine application apps/${appId}`, async (timeout) => {
      const res = await this.appengine.apps.get({ appsId: appId }, { timeout });
      return {
        id: res.data.id ?? appId,
        defaultHostname: res.data.defaultHostname ?? undefined,
        iapEnabled: res.data.iap?.enabled === true,
        oauth2ClientId: res.data.iap?.oauth2ClientId ?? undefined,
        servingStatus: res.data.servingStatus ?? undefined,
      };
    }, 'critical');
  }

  /** Whether a service exists in the app (404 throws). */
  service(appId: string, serviceId: string): Promise<string> {
    const name = `apps/${appId}/services/${serviceId}`;
    return this.executor.once(`appengine.service ${name}`, `Reading App Engine service ${name}`, async (timeout) => {
      const res = await this.appengine.apps.services.get({ appsId: appId, servicesId: serviceId }, { timeout });
      return res.data.name ?? name;
    }, 'critical');
  }

  /** The allow policy of an IAP resource, e.g. `projects/NUMBER/iap_web/appengine-APP`. */
  iapPolicy(resource: string): Promise<IamPolicy> {
    return this.executor.once(`iap.policy ${resource}`, `Reading the IAP policy of ${resource}`, async (timeout) => {
      const res = await this.iap.v1.getIamPolicy(
        { resource, requestBody: { options: { requestedPolicyVersion: POLICY_VERSION } } },
        { timeout },
      );
      return toPolicy(res.data.bindings);
    });
  }
}
