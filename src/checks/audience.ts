import { originOf } from '../resolve/address.ts';
import type { Backend } from '../types.ts';

/** The audience API Gateway puts in the identity token it mints for a backend. */
export function mintedAudience(backend: Backend): string {
  return backend.jwtAudience ?? backend.address;
}

/** How a backend that accepts `origins` and exact `customAudiences` judges `audience`. */
export function judgeUrlAudience(
  audience: string,
  origins: string[],
  customAudiences: string[],
): 'accepted' | 'undocumented' | 'rejected' {
  if (customAudiences.includes(audience)) return 'accepted';
  // The exact audience plus a path (e.g. a 2nd-gen function's cloudfunctions.net URL + /v1): not documented.
  if (customAudiences.some((a) => a.startsWith('https://') && audience.startsWith(`${a.replace(/\/$/, '')}/`))) return 'undocumented';
  const origin = originOf(audience);
  if (origin && origins.some((o) => origin.endsWith(`---${o.slice('https://'.length)}`))) return 'undocumented';
  if (!origin || !origins.includes(origin)) return 'rejected';
  const url = new URL(audience);
  const bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash;
  return bare ? 'accepted' : 'undocumented';
}
