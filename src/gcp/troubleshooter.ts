import { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';

/** Policy Troubleshooter's answer for one (principal, resource, permission). */
export interface TroubleshootAnswer {
  /** CAN_ACCESS, CANNOT_ACCESS, UNKNOWN_INFO or UNKNOWN_CONDITIONAL. */
  state: string;
  allowState?: string;
  denyState?: string;
}

/** Policy Troubleshooter (IAM v3): Google's own evaluation, which sees groups and deny policies. */
export class TroubleshooterApi {
  private readonly executor: CallExecutor;
  private readonly v3: policytroubleshooter_v3.Policytroubleshooter;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v3 = new policytroubleshooter_v3.Policytroubleshooter(options);
  }

  /** Whether `principal` (an email) holds `permission` on `fullResourceName` (`//run.googleapis.com/projects/...`). */
  troubleshoot(principal: string, fullResourceName: string, permission: string): Promise<TroubleshootAnswer> {
    const key = `troubleshoot ${principal} ${fullResourceName} ${permission}`;
    return this.executor.once(key, `Asking Policy Troubleshooter about ${permission} on ${fullResourceName}`, async (timeout) => {
      const res = await this.v3.iam.troubleshoot(
        { requestBody: { accessTuple: { principal, fullResourceName, permission } } },
        { timeout },
      );
      return {
        state: res.data.overallAccessState ?? 'OVERALL_ACCESS_STATE_UNSPECIFIED',
        allowState: res.data.allowPolicyExplanation?.allowAccessState ?? undefined,
        denyState: res.data.denyPolicyExplanation?.denyAccessState ?? undefined,
      };
    });
  }
}
