import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCloudRun } from '../../src/checks/cloud-run.ts';
import type { IamBinding, RunService } from '../../src/gcp/types.ts';
import type { AccessFacts } from '../../src/iam/facts.ts';
import type { Target } from '../../src/resolve/target.ts';
import type { Backend } from '../../src/types.ts';

const SA = 'gw@proj.iam.gserviceaccount.com';
const NOW = new Date('2026-11-30T12:00:00Z');
const RESOURCE = 'projects/proj/locations/us-central1/services/orders';
const URL_ = 'https://orders-abc123-uc.a.run.app';

function backend(extra: Partial<Backend> = {}): Backend {
  return { address: URL_, file: 'openapi.yaml', line: 7, operations: ['GET /orders'], ...extra };
}

function target(extra: Partial<RunService> = {}): Extract<Target, { kind: 'cloud-run' }> {
  return {
    kind: 'cloud-run',
    resource: RESOURCE,
    project: 'proj',
    region: 'us-central1',
    service: { name: RESOURCE, uri: URL_, urls: [URL_], ingress: 'INGRESS_TRAFFIC_ALL', invokerIamDisabled: false, defaultUriDisabled: false, customAudiences: [], ...extra },
  };
}

function access(bindings: IamBinding[], projectBindings: IamBinding[] = []): AccessFacts {
  return {
    policies: [
      { resource: RESOURCE, level: 'resource', policy: { bindings } },
      { resource: 'projects/proj', level: 'project', policy: { bindings: projectBindings } },
    ],
    roles: new Map([
      ['roles/run.invoker', { definition: { name: 'roles/run.invoker', includedPermissions: ['run.routes.invoke'], deleted: false } }],
    ]),
  };
}

const granted: IamBinding = { role: 'roles/run.invoker', members: [`serviceAccount:${SA}`] };

function rules(findings: Array<{ rule: string; severity: string }>): string[] {
  return findings.map((f) => `${f.rule}:${f.severity}`).sort();
}

test('private service granted to the account passes', () => {
  assert.deepEqual(checkCloudRun(backend(), target(), access([granted]), SA, NOW), []);
});

test('grant on the project passes', () => {
  assert.deepEqual(checkCloudRun(backend(), target(), access([], [granted]), SA, NOW), []);
});

test('missing grant gives missing-invoker with the gcloud fix', () => {
  const [f, ...rest] = checkCloudRun(backend(), target(), access([]), SA, NOW);
  assert.equal(rest.length, 0);
  assert.equal(f?.rule, 'missing-invoker');
  assert.equal(f?.line, 7);
  assert.equal(f?.resource, RESOURCE);
  assert.equal(
    f?.fix,
    `gcloud run services add-iam-policy-binding orders --project=proj --region=us-central1 --member=serviceAccount:${SA} --role=roles/run.invoker`,
  );
});

test('allUsers without own grant gives both public-access and missing-invoker', () => {
  const findings = checkCloudRun(backend(), target(), access([{ role: 'roles/run.invoker', members: ['allUsers'] }]), SA, NOW);
  assert.deepEqual(rules(findings), ['missing-invoker:error', 'public-access:error']);
});

test('invoker IAM check disabled is public', () => {
  const findings = checkCloudRun(backend(), target({ invokerIamDisabled: true }), access([granted]), SA, NOW);
  assert.deepEqual(rules(findings), ['public-access:error']);
  assert.match(findings[0]?.fix ?? '', /--invoker-iam-check/);
});

test('internal ingress and disabled default URL are unreachable', () => {
  const findings = checkCloudRun(backend(), target({ ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', defaultUriDisabled: true }), access([granted]), SA, NOW);
  assert.deepEqual(rules(findings), ['unreachable-backend:warning', 'unreachable-backend:warning']);
});

test('disable_auth is an error', () => {
  assert.deepEqual(rules(checkCloudRun(backend({ disableAuth: true }), target(), access([granted]), SA, NOW)), ['auth-disabled:error']);
});

test('audience: foreign host is an error, path is a warning, custom audience passes', () => {
  assert.deepEqual(rules(checkCloudRun(backend({ jwtAudience: 'https://elsewhere.example.com' }), target(), access([granted]), SA, NOW)), ['audience-mismatch:error']);
  assert.deepEqual(rules(checkCloudRun(backend({ address: `${URL_}/v1` }), target(), access([granted]), SA, NOW)), ['audience-mismatch:warning']);
  assert.deepEqual(checkCloudRun(backend({ jwtAudience: 'orders-api' }), target({ customAudiences: ['orders-api'] }), access([granted]), SA, NOW), []);
});

test('unreadable project policy: fail closed unless the grant is already found', () => {
  const facts = access([]);
  facts.policies[1] = { resource: 'projects/proj', level: 'project', error: 'Could not read: PERMISSION_DENIED' };
  const findings = checkCloudRun(backend(), target(), facts, SA, NOW);
  assert.deepEqual(rules(findings), ['iam-unreadable:error']);
  assert.match(findings[0]?.message ?? '', /PERMISSION_DENIED/);

  const decided = access([granted]);
  decided.policies[1] = { resource: 'projects/proj', level: 'project', error: 'Could not read: PERMISSION_DENIED' };
  // The grant is found, but public access through the unreadable project policy cannot be ruled out.
  assert.deepEqual(rules(checkCloudRun(backend(), target(), decided, SA, NOW)), ['iam-unreadable:error']);
});
