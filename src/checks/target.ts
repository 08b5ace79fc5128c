import type { Target } from '../resolve/target.ts';
import type { Backend, Finding } from '../types.ts';
import { authDisabledFindings, backendFinding } from './finding.ts';

/**
 * Findings for a backend whose resource could not be resolved: not found, unreadable, or unsupported;
 * `disable_auth` is reported whatever the backend is.
 */
export function unresolvedTargetFindings(backend: Backend, target: Exclude<Target, { resource: string }>): Finding[] {
  return [...targetFindings(backend, target), ...authDisabledFindings(backend)];
}

function targetFindings(backend: Backend, target: Exclude<Target, { resource: string }>): Finding[] {
  switch (target.kind) {
    case 'not-found':
      return [backendFinding(backend, 'backend-not-found', 'error', target.message)];
    case 'unreadable':
      return [backendFinding(backend, 'iam-unreadable', 'error', target.message)];
    case 'unsupported':
      return [
        backendFinding(
          backend,
          'unsupported-backend',
          'warning',
          `${target.message}; gateway-guard cannot verify who may call it. Make sure the backend accepts only the gateway's identity token, or add a policy exception with the reason.`,
        ),
      ];
  }
}
