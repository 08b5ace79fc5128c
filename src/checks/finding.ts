import type { Backend, Finding, RuleId, Severity, SpecEdit } from '../types.ts';

/** A finding about one backend declaration, located at its line. */
export function backendFinding(
  backend: Backend,
  rule: RuleId,
  severity: Severity,
  message: string,
  extra: { resource?: string; fix?: string; permission?: string; account?: string; grantOn?: string; specEdit?: SpecEdit } = {},
): Finding {
  return {
    rule,
    severity,
    message,
    file: backend.file,
    line: backend.line,
    address: backend.address,
    ...(extra.resource ? { resource: extra.resource } : {}),
    ...(extra.permission ? { permission: extra.permission } : {}),
    ...(extra.fix ? { fix: extra.fix } : {}),
    ...(extra.account ? { account: extra.account } : {}),
    ...(extra.grantOn ? { grantOn: extra.grantOn } : {}),
    ...(extra.specEdit ? { specEdit: extra.specEdit } : {}),
  };
}

/** Shell-quotes a value for a copy-pasteable command when it needs it. */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `auth-disabled` when the gateway is told not to authenticate to the backend (`resource`, when resolved). */
export function authDisabledFindings(backend: Backend, resource?: string, fix?: string): Finding[] {
  if (!backend.disableAuth) return [];
  return [
    backendFinding(
      backend,
      'auth-disabled',
      'error',
      `disable_auth is true: the gateway sends no identity token to ${resource ?? 'this backend'}, so the call only works if the backend is public. Remove disable_auth and let the backend require the gateway's identity token (grant the gateway's service account its invoker role).`,
      { ...(resource ? { resource } : {}), ...(fix ? { fix } : {}), specEdit: { field: 'disableAuth' } },
    ),
  ];
}
