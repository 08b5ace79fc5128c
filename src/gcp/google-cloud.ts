import { ApiGatewayApi } from './api-gateway.ts';
import { AppEngineApi } from './app-engine.ts';
import { AssetApi } from './asset.ts';
import { clientOptions, credentialsProblem, type ClientOptions } from './client-options.ts';
import { CallExecutor, type ExecutorOptions } from './executor.ts';
import { CloudFunctionsApi } from './functions.ts';
import { IamApi } from './iam.ts';
import { ResourceManagerApi } from './resource-manager.ts';
import { CloudRunApi } from './run.ts';
import { TroubleshooterApi } from './troubleshooter.ts';

/** Where calls go and how they are paced. */
export interface GoogleCloudOptions extends Partial<ExecutorOptions> {
  /** `host:port` of an emulator (GATEWAY_GUARD_EMULATOR_HOST); unset for Google with ADC. */
  emulatorHost?: string;
}

/** The only door to Google: one client per API, sharing one executor (limit, retries, deadline, cache). */
export class GoogleCloud {
  readonly executor: CallExecutor;
  readonly run: CloudRunApi;
  readonly resourceManager: ResourceManagerApi;
  readonly iam: IamApi;
  readonly apiGateway: ApiGatewayApi;
  readonly functions: CloudFunctionsApi;
  readonly appEngine: AppEngineApi;
  readonly troubleshooter: TroubleshooterApi;
  readonly asset: AssetApi;

  private readonly client: ClientOptions;

  constructor(options: GoogleCloudOptions = {}) {
    this.executor = new CallExecutor(options);
    const client = clientOptions(options.emulatorHost);
    this.client = client;
    this.run = new CloudRunApi(this.executor, client);
    this.resourceManager = new ResourceManagerApi(this.executor, client);
    this.iam = new IamApi(this.executor, client);
    this.apiGateway = new ApiGatewayApi(this.executor, client);
    this.functions = new CloudFunctionsApi(this.executor, client);
    this.appEngine = new AppEngineApi(this.executor, client);
    this.troubleshooter = new TroubleshooterApi(this.executor, client);
    this.asset = new AssetApi(this.executor, client);
  }

  /** Why Google cannot be called at all (no credentials), or undefined. Always fine in emulator mode. */
  credentialsProblem(): Promise<string | undefined> {
    return credentialsProblem(this.client);
  }

  /** HTTP attempts made so far, retries included. */
  get callCount(): number {
    return this.executor.attempts;
  }
}
