import type { IamPolicy } from './types.ts';

/** Always ask for policy version 3: lower versions hide conditions behind `_withcond_` role names. */
export const POLICY_VERSION = 3;

interface RawBinding {
  role?: string | null;
  members?: string[] | null;
  condition?: { title?: string | null; description?: string | null; expression?: string | null } | null;
}

/** Converts a client-library policy into plain data. */
export function toPolicy(bindings: RawBinding[] | null | undefined): IamPolicy {
  return {
    bindings: (bindings ?? []).map((b) => ({
      role: b.role ?? '',
      members: b.members ?? [],
      ...(b.condition
        ? {
            condition: {
              title: b.condition.title ?? undefined,
              description: b.condition.description ?? undefined,
              expression: b.condition.expression ?? undefined,
            },
          }
        : {}),
    })),
  };
}

/** Collects every page of a list call. */
export async function allPages<P extends { nextPageToken?: string | null }>(
  fetchPage: (pageToken: string | undefined) => Promise<P>,
  collect: (page: P) => void,
): Promise<void> {
  let pageToken: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await fetchPage(pageToken);
    collect(page);
    pageToken = page.nextPageToken || undefined;
    if (pageToken && seen.has(pageToken)) throw new Error(`the API repeated page token ${pageToken}`);
    if (pageToken) seen.add(pageToken);
  } while (pageToken);
}
