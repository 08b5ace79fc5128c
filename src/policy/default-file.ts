/** Where the policy file is looked for when none is named (a missing default file is fine). */
export const DEFAULT_POLICY_FILE = '.github/gateway-guard.yml';
