/** Policy stage: the policy file (exceptions, severity overrides, projects, service accounts per spec). */
export { applyPolicy, searchProjects, serviceAccountFor } from './apply.ts';
export { loadPolicy, normalizeSpecPath, parsePolicy } from './load.ts';
export { emptyPolicy } from './model.ts';
export type { Policy, PolicyException, SeverityOverride } from './model.ts';
export { FAIL_CLOSED_RULES, POLICY_SCHEMA, POLICY_SCHEMA_ID } from './schema.ts';
