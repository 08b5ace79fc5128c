import type { ApiConfig, ApiGatewayApi } from '../gcp/api-gateway.ts';
import { explainFailure } from '../gcp/errors.ts';
import type { Finding } from '../types.ts';
import { deployedNameProblem, parseDeployedName } from './name.ts';

/** One deployed config: its gateway service account and OpenAPI documents. */
export interface DeployedConfig {
  name: string;
  /** As the config stores it: an email or `projects/P/(service)accounts/ID`; absent when the config has none. */
  serviceAccount?: string;
  documents: Array<{ path: string; text: string }>;
}

/** What was read from API Gateway, and why something could not be. */
export interface DeployedRead {
  configs: DeployedConfig[];
  /** `iam-unreadable` (could not read), `invalid-spec` (nothing to check) or `unsupported-backend` (gRPC config). */
  findings: Finding[];
}

const VIEWER_FIX = (project: string): string =>
  `gcloud projects add-iam-policy-binding ${project} --member=IDENTITY_RUNNING_THE_CHECK --role=roles/apigateway.viewer`;

/**
 * Reads what is live: a config (`projects/P/locations/global/apis/A/configs/C`), every config of an API
 * (`projects/P/locations/global/apis/A`) or the config a gateway serves (`projects/P/locations/R/gateways/G`).
 * Never throws for Google errors or a malformed name: they become findings (fail closed).
 */
export async function loadDeployed(api: ApiGatewayApi, name: string): Promise<DeployedRead> {
  const parsed = parseDeployedName(name);
  if (!parsed) {
    return { configs: [], findings: [{ rule: 'invalid-spec', severity: 'error', message: deployedNameProblem(name) }] };
  }
  const unreadable = (err: unknown, what: string, resource: string, permission: string): DeployedRead => ({
    configs: [],
    findings: [
      {
        rule: 'iam-unreadable',
        severity: 'error',
        resource,
        message: `Could not read ${what} ${resource}, so its backends are not checked: ${explainFailure(err, permission)}`,
        fix: VIEWER_FIX(parsed.project),
      },
    ],
  });

  let configNames: string[];
  if (parsed.kind === 'config') {
    configNames = [parsed.name];
  } else if (parsed.kind === 'gateway') {
    let served: string | undefined;
    try {
      served = (await api.gateway(parsed.name)).apiConfig;
    } catch (err) {
      return unreadable(err, 'gateway', parsed.name, 'apigateway.gateways.get');
    }
    if (!served) return nothing(parsed.name, `Gateway ${parsed.name} serves no API config: there is nothing to check.`);
    configNames = [served];
  } else {
    try {
      configNames = (await api.configs(parsed.name)).map((c) => c.name);
    } catch (err) {
      return unreadable(err, 'the configs of API', parsed.name, 'apigateway.apiconfigs.list');
    }
    if (configNames.length === 0) {
      return nothing(parsed.name, `API ${parsed.name} has no config: there is nothing to check; name an API that has one, or a config or gateway.`);
    }
  }

  const reads = await Promise.all(
    configNames.map(async (configName) => {
      try {
        return configRead(await api.config(configName));
      } catch (err) {
        return unreadable(err, 'API config', configName, 'apigateway.apiconfigs.get');
      }
    }),
  );
  return { configs: reads.flatMap((r) => r.configs), findings: reads.flatMap((r) => r.findings) };
}

function configRead(config: ApiConfig): DeployedRead {
  const deployed: DeployedConfig = {
    name: config.name,
    ...(config.gatewayServiceAccount ? { serviceAccount: config.gatewayServiceAccount } : {}),
    documents: config.documents,
  };
  if (config.documents.length > 0) return { configs: [deployed], findings: [] };
  if (config.grpcServices > 0) {
    return {
      configs: [deployed],
      findings: [
        {
          rule: 'unsupported-backend',
          severity: 'warning',
          resource: config.name,
          message: `API config ${config.name} is a gRPC config (no OpenAPI document): its backends are not checked.`,
        },
      ],
    };
  }
  return nothing(config.name, `API config ${config.name} holds no OpenAPI document: there is nothing to check.`, [deployed]);
}

function nothing(resource: string, message: string, configs: DeployedConfig[] = []): DeployedRead {
  return { configs, findings: [{ rule: 'invalid-spec', severity: 'error', resource, message }] };
}
