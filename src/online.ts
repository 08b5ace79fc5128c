/**
 * Everything a run needs once it has something to look up in Google: the clients and their transport, the
 * resolution and IAM pipeline, the deployed-config reader. Loaded on demand (`import()`), as one chunk of
 * the bundle: a spec with nothing to look up starts as fast as Node.
 */
export { clientOptions, credentialsProblem } from './gcp/client-options.ts';
export { GoogleCloud } from './gcp/google-cloud.ts';
export { checkBackends, startResolution } from './pipeline.ts';
export { deployedBackends } from './deployed/index.ts';
