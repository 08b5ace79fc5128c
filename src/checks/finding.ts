import type { Backend, Finding, RuleId, Severity } from '../types.ts';

/** A finding about one backend declaration, located at its line. */
export function backendFinding(
  backend: Backend,
  rule: RuleId,
  severity: Severity,
  message: string,
  extra: { resource?: string; fix?: string; permission?: string } = {},
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
  };
}

/** Shell-quotes a value for a copy-pasteable command when it needs it. */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
