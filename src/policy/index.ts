/** Policy stage: the policy file (exceptions, severity overrides, projects, service accounts per spec). */
export { applyPolicy, searchProjects, serviceAccountFor } from './apply.ts';
export { loadPolicy } from './load.ts';
export { emptyPolicy, FAIL_CLOSED_RULES } from './model.ts';
export type { Policy, PolicyException, SeverityOverride } from './model.ts';
