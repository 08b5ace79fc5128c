import type { GoogleCloud } from '../gcp/google-cloud.ts';
import { namedProject, type AddressInfo } from './address.ts';
import { resolveAppEngine } from './app-engine.ts';
import { asFunctionIfOwned, resolveCloudFunction, type FunctionSearch } from './cloud-functions.ts';
import { hashParts, resolveCloudRun, type RunSearch } from './cloud-run.ts';
import { RunDirectory } from './run-directory.ts';
import type { Target } from './target.ts';

/**
 * Resolves every address of a run together, so that the calls are the fewest the mix of addresses allows:
 * per project and region a listing where several services are wanted and one read where a single one is,
 * never both; hash-style URLs looked for where most likely and no further than needed. `hosting` is told
 * each project known to host a backend as soon as it is known (to start reading its policies early).
 */
export function resolveAll(
  google: GoogleCloud,
  infos: Map<string, AddressInfo>,
  projects: string[],
  hosting: (projectId: string) => void = () => undefined,
): Map<string, Promise<Target>> {
  const all = [...infos.values()];
  const directory = new RunDirectory(google);
  const count = (keys: string[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  };
  const deterministic = all.flatMap((i) => (i.kind === 'cloud-run' && i.form === 'deterministic' ? [i] : []));
  const functions = all.flatMap((i) => (i.kind === 'cloud-functions' ? [i] : []));
  const hashes = new Set(all.flatMap((i) => (i.kind === 'cloud-run' && i.form === 'hash' ? [hashParts(i.origin).hash] : [])));
  const run: RunSearch = {
    directory,
    first: projects,
    named: lazy(() => namedProjects(google, all)),
    namedIn: count(deterministic.map((i) => `${i.projectNumber} ${i.region}`)),
    hosts: new Map(),
    scout: hashes.size < projects.length,
  };
  const fns: FunctionSearch = {
    directory,
    perProject: count(functions.map((i) => i.project)),
    perRegion: count(functions.map((i) => `${i.project} ${i.region}`)),
  };

  // Projects that host backends, known before anything is resolved: those named by ID, the numbers once read,
  // and the `project` input's when hash-style URLs are looked for there first, with as many hashes as projects.
  const hosts = new Set<string>();
  const host = (id: string): void => {
    if (hosts.has(id)) return;
    hosts.add(id);
    hosting(id);
  };
  for (const info of all) if (info.kind === 'cloud-functions' || info.kind === 'app-engine') host(info.project);
  for (const number of new Set(deterministic.map((i) => i.projectNumber))) {
    google.resourceManager.project(number).then((p) => host(p.projectId), () => undefined);
  }
  if (hashes.size > 0 && hashes.size >= projects.length) for (const project of projects) host(project);

  const targets = new Map<string, Promise<Target>>();
  for (const [address, info] of infos) {
    targets.set(address, resolveOne(google, info, run, fns));
  }
  return targets;
}

async function resolveOne(google: GoogleCloud, info: AddressInfo, run: RunSearch, fns: FunctionSearch): Promise<Target> {
  switch (info.kind) {
    case 'cloud-run': {
      const target = await resolveCloudRun(google, info, run);
      return target.kind === 'cloud-run' ? asFunctionIfOwned(google, target) : target;
    }
    case 'cloud-functions':
      return resolveCloudFunction(google, info, fns);
    case 'app-engine':
      return resolveAppEngine(google, info);
    case 'unknown':
      return info.googleHost
        ? { kind: 'not-found', backendKind: info.googleHost, message: `The address is on a ${info.googleHost} domain but names no resource there: ${info.reason}. API Gateway's calls to it would fail.` }
        : { kind: 'unsupported', message: `The address is not verifiable: ${info.reason}` };
  }
}

/** The projects addresses name (numbers turned into IDs where readable). */
async function namedProjects(google: GoogleCloud, infos: AddressInfo[]): Promise<string[]> {
  const named = infos.map(namedProject).filter((p): p is string => p !== undefined);
  const ids = await Promise.all(
    named.map((p) => (/^\d+$/.test(p) ? google.resourceManager.project(p).then((info) => info.projectId, () => p) : p)),
  );
  return [...new Set(ids)];
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}
