import { GoogleAuth } from 'google-auth-library';

/** Options every googleapis client is built with. Retries are ours (CallExecutor), not the library's. */
export interface ClientOptions {
  retry: false;
  rootUrl?: string;
  auth?: GoogleAuth;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** Google with Application Default Credentials, or an emulator at `host:port` without auth. */
export function clientOptions(emulatorHost: string | undefined): ClientOptions {
  return emulatorHost ? { retry: false, rootUrl: `http://${emulatorHost}/` } : { retry: false, auth: new GoogleAuth({ scopes: SCOPES }) };
}
