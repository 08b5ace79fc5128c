/**
 * How the repository already writes IAM in Terraform, per finding, from the IAM resources its plan holds
 * after apply: the Cloud Run family (v1 or v2), the module (and a resource beside which the fix goes), and
 * an authoritative `_binding`/`_policy` that the fix must edit instead of adding a member. Pure.
 */
import type { TerraformStyle } from '../report/fixes.ts';
import type { Finding } from '../types.ts';
import { stripIndexes, type IamChange } from './changes.ts';

/** The resource a grant fix grants on, the role it grants (undefined: a custom role), and the IAM resource families that manage it. */
function grantTarget(f: Finding): { resource: string; role?: string; families: string[] } | undefined {
  const resource = f.resource ?? '';
  const parts = resource.split('/');
  if (f.permission === 'run.routes.invoke') {
    const target = f.grantOn ?? (parts[0] === 'projects' && parts[4] === 'services' ? resource : undefined);
    return target ? { resource: target, role: 'roles/run.invoker', families: ['google_cloud_run_service', 'google_cloud_run_v2_service'] } : undefined;
  }
  if (f.permission === 'cloudfunctions.functions.invoke' && parts[4] === 'functions') {
    return { resource, role: 'roles/cloudfunctions.invoker', families: ['google_cloudfunctions_function'] };
  }
  if (f.permission === 'iap.webServiceVersions.accessViaIAP' && parts[0] === 'apps' && parts[1]) {
    const app = `projects/${parts[1]}/iap_web/appengine-${parts[1]}`;
    return parts[2] === 'services' && parts[3] && parts[3] !== 'default'
      ? { resource: `${app}/services/${parts[3]}`, role: 'roles/iap.httpsResourceAccessor', families: ['google_iap_app_engine_service'] }
      : { resource: app, role: 'roles/iap.httpsResourceAccessor', families: ['google_iap_web_type_app_engine'] };
  }
  if (f.rule === 'missing-app-engine-permissions' && parts[0] === 'projects' && parts[1]) return { resource: `projects/${parts[1]}`, families: ['google_project'] };
  return undefined;
}

/** `module.a["x"].google_t.n[0]` → its type and module path (`module.a`, or '' at the root). */
function addressParts(address: string): { type: string; module: string } {
  const segments = stripIndexes(address).split('.');
  return { type: segments.at(-2) ?? '', module: segments.slice(0, -2).join('.') };
}

/** Whether a planned resource name (`*` where unknown) may be `name`. */
function sameResource(planned: string, name: string): boolean {
  const a = planned.split('/');
  const b = name.split('/');
  return a.length === b.length && a.every((s, i) => s === '*' || s === b[i]);
}

const place = (c: IamChange) => ({ address: c.provenance.address, ...(c.provenance.file ? { file: c.provenance.file } : {}), ...(c.provenance.line ? { line: c.provenance.line } : {}) });

/**
 * The style of each finding's Terraform fix, from the IAM resources standing after apply
 * ({@link standingIam}); undefined when the plan holds no IAM resource (the repository does not write IAM
 * in Terraform).
 */
export function terraformStyles(standing: IamChange[]): ((finding: Finding) => TerraformStyle | undefined) | undefined {
  if (standing.length === 0) return undefined;
  const typed = standing.map((c) => ({ change: c, ...addressParts(c.provenance.address) }));
  return (finding) => {
    const target = grantTarget(finding);
    if (!target) return undefined;
    const family = (type: string) => target.families.find((fam) => type.startsWith(`${fam}_iam_`));
    const ofFamily = typed.filter((t) => family(t.type));
    const onTarget = ofFamily.filter((t) => sameResource(t.change.resource, target.resource));
    const project = target.resource.split('/').slice(0, 2).join('/');
    const inProject = ofFamily.filter((t) => t.change.resource.startsWith(`${project}/`) || t.change.resource.startsWith('projects/*/'));
    const style: TerraformStyle = {};
    const run = (onTarget.length > 0 ? onTarget : inProject.length > 0 ? inProject : ofFamily).filter((t) => t.type.startsWith('google_cloud_run_'));
    if (run.length > 0) {
      const v1 = run.filter((t) => !t.type.startsWith('google_cloud_run_v2_')).length;
      style.runFamily = v1 > run.length - v1 ? 'v1' : 'v2';
    }
    // Only one known to be this resource (a name known after apply may be another).
    const authoritative = onTarget.find(
      (t) =>
        !t.change.resource.includes('*') &&
        (t.change.form === 'policy' ||
          (t.change.form === 'binding' && t.change.add.some((b) => b.role === target.role && !b.condition))),
    );
    if (authoritative) {
      style.authoritative = { ...place(authoritative.change), form: authoritative.change.form === 'policy' ? 'policy' : 'binding' };
      return style;
    }
    // Beside the other IAM resources that manage this service (else this project's, else the family's).
    const near = [onTarget, inProject, ofFamily].find((list) => list.length > 0)?.[0];
    if (near) {
      style.module = near.module;
      style.near = place(near.change);
    }
    return Object.keys(style).length > 0 ? style : undefined;
  };
}
