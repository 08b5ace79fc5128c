import { apigateway_v1 } from 'googleapis/build/src/apis/apigateway/v1.js';
import type { ClientOptions } from './client-options.ts';
import type { CallExecutor } from './executor.ts';
import { allPages } from './policy.ts';

/** One OpenAPI document of a deployed config, decoded from base64. */
export interface ApiConfigDocument {
  /** The path the document was uploaded with, as the config stores it. */
  path: string;
  text: string;
}

/** A deployed API config (`configs.get`, view FULL). */
export interface ApiConfig {
  name: string;
  /** Email or `projects/P/serviceAccounts/ID` (`projects/P/accounts/ID`), as the config stores it. */
  gatewayServiceAccount?: string;
  /** e.g. ACTIVE, CREATING, FAILED. */
  state?: string;
  documents: ApiConfigDocument[];
  /** Number of gRPC service definitions (a gRPC config has no OpenAPI documents). */
  grpcServices: number;
}

/** A config as listed (BASIC view: no documents). */
export interface ApiConfigSummary {
  name: string;
  gatewayServiceAccount?: string;
  state?: string;
}

/** A gateway and the config it serves. */
export interface GatewayInfo {
  name: string;
  /** Full name of the config the gateway serves (often with the project number). */
  apiConfig?: string;
  state?: string;
  defaultHostname?: string;
}

/** API Gateway reads: configs with their OpenAPI documents, the configs of an API, gateways. */
export class ApiGatewayApi {
  private readonly v1: apigateway_v1.Apigateway;

  private readonly executor: CallExecutor;

  constructor(executor: CallExecutor, options: ClientOptions) {
    this.executor = executor;
    this.v1 = new apigateway_v1.Apigateway(options);
  }

  /** A config by full name, with its OpenAPI documents decoded. */
  config(name: string): Promise<ApiConfig> {
    return this.executor.once(`apigateway.config ${name}`, `Reading API config ${name}`, async (timeout) => {
      const res = await this.v1.projects.locations.apis.configs.get({ name, view: 'FULL' }, { timeout });
      const c = res.data;
      return {
        name: c.name ?? name,
        gatewayServiceAccount: c.gatewayServiceAccount || undefined,
        state: c.state ?? undefined,
        documents: (c.openapiDocuments ?? []).map((d) => ({
          path: d.document?.path ?? '',
          text: decodeBase64(d.document?.contents),
        })),
        grpcServices: c.grpcServices?.length ?? 0,
      };
    });
  }

  /** Every config of an API (`projects/P/locations/global/apis/A`), all pages, without documents. */
  configs(apiName: string): Promise<ApiConfigSummary[]> {
    return this.executor.once(`apigateway.configs ${apiName}`, `Listing the configs of API ${apiName}`, async (timeout) => {
      const configs: ApiConfigSummary[] = [];
      await allPages(
        async (pageToken) => (await this.v1.projects.locations.apis.configs.list({ parent: apiName, pageToken }, { timeout })).data,
        (page) => {
          for (const c of page.apiConfigs ?? []) {
            if (!c.name) continue;
            configs.push({ name: c.name, gatewayServiceAccount: c.gatewayServiceAccount || undefined, state: c.state ?? undefined });
          }
        },
      );
      return configs;
    });
  }

  /** A gateway by full name (`projects/P/locations/REGION/gateways/G`). */
  gateway(name: string): Promise<GatewayInfo> {
    return this.executor.once(`apigateway.gateway ${name}`, `Reading gateway ${name}`, async (timeout) => {
      const res = await this.v1.projects.locations.gateways.get({ name }, { timeout });
      const g = res.data;
      return {
        name: g.name ?? name,
        apiConfig: g.apiConfig || undefined,
        state: g.state ?? undefined,
        defaultHostname: g.defaultHostname ?? undefined,
      };
    });
  }
}

/** Decodes a protobuf `bytes` field (base64, standard or URL-safe alphabet) as UTF-8 text. */
function decodeBase64(contents: string | null | undefined): string {
  return contents ? Buffer.from(contents, 'base64').toString('utf8') : '';
}
