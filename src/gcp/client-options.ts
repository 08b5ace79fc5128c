import { GoogleAuth } from 'google-auth-library';

/** Options every googleapis client is built with. Retries are ours (CallExecutor), not the library's. */
export interface ClientOptions {
  retry: false;
  /** Node's own fetch: spares loading gaxios's node-fetch fallback on the first call. */
  fetchImplementation: typeof fetch;
  rootUrl?: string;
  auth?: GoogleAuth;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** Google with Application Default Credentials, or an emulator at `host:port` without auth. */
export function clientOptions(emulatorHost: string | undefined): ClientOptions {
  const common = { retry: false as const, fetchImplementation: globalThis.fetch };
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
