import { cloudasset_v1 } from 'googleapis/build/src/apis/cloudasset/v1.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { toPolicy } from './policy.ts';
import type { IamPolicy } from './types.ts';

/** Google's limit of resources per effectiveIamPolicies.batchGet. */
export const BATCH_LIMIT = 20;

/** One allow policy in a resource's hierarchy, as Cloud Asset Inventory returns it. */
export interface AttachedPolicy {
  /** Full resource name it is attached to, e.g. `//cloudresourcemanager.googleapis.com/folders/12`. */
  attachedResource: string;
  policy: IamPolicy;
}

/** Cloud Asset Inventory: the effective allow policies of many resources and their ancestors in one call. */
export class AssetApi {
  private readonly executor: CallExecutor;
  private readonly v1: cloudasset_v1.Cloudasset;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new cloudasset_v1.Cloudasset(options);
  }

  /** For each full resource name (at most 20), its policies and its ancestors' that have bindings, nearest first. */
  effectivePolicies(scope: string, names: string[]): Promise<Map<string, AttachedPolicy[]>> {
    const key = `asset.batchGet ${scope} ${[...names].sort().join(' ')}`;
    return this.executor.once(key, `Reading effective IAM policies of ${names.length} resource(s) in ${scope}`, async (timeout) => {
      const res = await this.v1.effectiveIamPolicies.batchGet({ scope, names }, { timeout });
      const out = new Map<string, AttachedPolicy[]>();
      for (const result of res.data.policyResults ?? []) {
        if (!result.fullResourceName) continue;
        out.set(
          result.fullResourceName,
          (result.policies ?? []).map((p) => ({ attachedResource: p.attachedResource ?? '', policy: toPolicy(p.policy?.bindings) })),
        );
      }
      return out;
    });
  }
}
