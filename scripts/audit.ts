/**
 * `npm audit` of production dependencies: fails on high or critical advisories. When the registry's audit
 * endpoint cannot be reached (some mirrors answer 405), it says so plainly and does not fail the build.
 */
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let result: { vulnerabilities?: Record<string, { severity: string }>; statusCode?: number; message?: string; error?: unknown };
try {
  result = JSON.parse(run.stdout) as typeof result;
} catch {
  console.log(`npm audit gave no JSON (exit ${run.status}); audit skipped: ${run.stderr.split('\n')[0] ?? ''}`);
  process.exit(0);
}
if (!result.vulnerabilities) {
  console.log(`npm audit could not reach the advisory database (${result.statusCode ?? ''} ${result.message ?? 'unknown error'}); audit skipped.`);
  process.exit(0);
}
const serious = Object.entries(result.vulnerabilities).filter(([, v]) => v.severity === 'high' || v.severity === 'critical');
for (const [name, v] of serious) console.log(`${v.severity}: ${name}`);
console.log(`npm audit: ${serious.length} high or critical advisories in production dependencies.`);
process.exit(serious.length > 0 ? 1 : 0);
