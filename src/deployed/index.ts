/** Deployed stage: what is live in API Gateway (a config, every config of an API, or a gateway's config) → backends. */
export { loadDeployed } from './load.ts';
export type { DeployedConfig, DeployedRead } from './load.ts';
export { DEPLOYED_NAME_FORMS, deployedNameProblem, isDeployedName, parseDeployedName } from './name.ts';
export type { DeployedName } from './name.ts';
export { deployedBackends, documentFile } from './specs.ts';
export type { DeployedClients, DeployedSource } from './specs.ts';
