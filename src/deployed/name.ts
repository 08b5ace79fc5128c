/** Names of deployed API Gateway resources that `api-config` / `--api-config` accepts. */

/** What a deployed name points at. */
export type DeployedName =
  | { kind: 'config'; name: string; project: string; api: string; config: string }
  | { kind: 'api'; name: string; project: string; api: string }
  | { kind: 'gateway'; name: string; project: string; region: string; gateway: string };

/** The accepted forms, for messages. */
export const DEPLOYED_NAME_FORMS =
  'projects/PROJECT/locations/global/apis/API/configs/CONFIG (one config), projects/PROJECT/locations/global/apis/API (every config of the API) or projects/PROJECT/locations/REGION/gateways/GATEWAY (the config the gateway serves)';

const PROJECT = '([a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20}|[a-z][a-z0-9.:-]*:[a-z][a-z0-9-]{4,28}[a-z0-9])';
const ID = '([a-z0-9][a-z0-9_-]{0,62})';
const REGION = '([a-z]+(?:-[a-z]+)+[0-9]+)';
const CONFIG = new RegExp(`^projects/${PROJECT}/locations/global/apis/${ID}/configs/${ID}$`);
const API = new RegExp(`^projects/${PROJECT}/locations/global/apis/${ID}$`);
const GATEWAY = new RegExp(`^projects/${PROJECT}/locations/${REGION}/gateways/${ID}$`);

/** Parses a deployed name; `undefined` when it is none of the three forms. */
export function parseDeployedName(value: string): DeployedName | undefined {
  const name = value.trim();
  let m = CONFIG.exec(name);
  if (m) return { kind: 'config', name, project: m[1]!, api: m[2]!, config: m[3]! };
  m = API.exec(name);
  if (m) return { kind: 'api', name, project: m[1]!, api: m[2]! };
  m = GATEWAY.exec(name);
  if (m) return { kind: 'gateway', name, project: m[1]!, region: m[2]!, gateway: m[3]! };
  return undefined;
}

/** Whether `value` is a config, API or gateway name that `api-config` accepts (for input validation). */
export function isDeployedName(value: string): boolean {
  return parseDeployedName(value) !== undefined;
}

/** Why `value` is not a deployed name, in one actionable sentence (for input errors and findings). */
export function deployedNameProblem(value: string, what = 'api-config'): string {
  const shown = JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  const hint = /^projects\/[^/]+\/locations\/[^/]+\/apis\//.test(value) && !value.includes('/locations/global/')
    ? ' (APIs and their configs are always in location "global"; gateways are regional)'
    : /^projects\/[^/]+\/locations\/global\/gateways\//.test(value)
      ? ' (a gateway is in a region such as us-central1, not "global")'
      : /^\/\/|^https?:/.test(value)
        ? ' (write the resource name without a host, starting with projects/)'
        : '';
  return `${what} must be ${DEPLOYED_NAME_FORMS}; got ${shown}${hint}.`;
}
