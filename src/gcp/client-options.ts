import { GoogleAuth } from 'google-auth-library';
import { nodeHttpAdapter } from './http-transport.ts';

/** Options every googleapis client is built with. Retries are ours (CallExecutor), not the library's. */
export interface ClientOptions {
  retry: false;
  adapter: typeof nodeHttpAdapter;
  rootUrl?: string;
  auth?: GoogleAuth;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** Google with Application Default Credentials, or an emulator at `host:port` without auth. */
export function clientOptions(emulatorHost: string | undefined): ClientOptions {
  const common = { retry: false as const, adapter: nodeHttpAdapter };
  return emulatorHost ? { ...common, rootUrl: `http://${emulatorHost}/` } : { ...common, auth: new GoogleAuth({ scopes: SCOPES }) };
}

/** Why Application Default Credentials cannot be used, or undefined when they can. */
export async function credentialsProblem(options: ClientOptions): Promise<string | undefined> {
  if (!options.auth) return undefined;
  try {
    await options.auth.getClient();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}
