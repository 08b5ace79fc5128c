/**
 * Each finding's fix in the media a team uses: a wrapped `gcloud` command, the Terraform resource to
 * add, and a change to the spec line. Pure: derived from the finding's structured fields (rule,
 * resource, permission, account, grantOn, specEdit), the backend's kind and the spec file's text.
 */
import type { BackendKind, Finding, FixMedia, SpecEdit } from '../types.ts';
import type { Report } from './model.ts';

/** Target and hard limit of a wrapped command line, in characters. */
export const COMMAND_WIDTH = 80;
export const COMMAND_MAX_WIDTH = 100;

/**
 * How the repository already writes its IAM in Terraform (read from a `terraform-plan` by another
 * stage; every field optional). Without it the fix is a new `*_iam_member` of the v2 family.
 */
export interface TerraformStyle {
  /** Cloud Run resource family the repository uses: `v2` (google_cloud_run_v2_*) or `v1` (google_cloud_run_*). */
  runFamily?: 'v1' | 'v2';
  /** An authoritative `_binding`/`_policy` that manages this role or resource: edit it instead of adding a member. */
  authoritative?: TerraformPlace & { form?: 'binding' | 'policy' };
  /** The module (`module.run`, '' for the root) whose IAM resources manage this service, and one of them. */
  module?: string;
  near?: TerraformPlace;
}

/** A resource of the plan: its address, and the `.tf` file and line of its block when located. */
export interface TerraformPlace {
  address: string;
  file?: string;
  line?: number;
}

/** `address (file:line)`, or the address alone. */
function placeText(p: TerraformPlace): string {
  const text = p.file ? `${p.address} (${p.file}${p.line ? `:${p.line}` : ''})` : p.address;
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** What `fixMedia` knows besides the finding. */
export interface FixContext {
  kind?: BackendKind;
  /** Text of the finding's spec file, when it is a workspace file (not with `api-config`). */
  specText?: string;
  terraform?: TerraformStyle;
}

/** The fix of `finding` in every medium it has; `undefined` when it has none. */
export function fixMedia(finding: Finding, context: FixContext = {}): FixMedia | undefined {
  const media: FixMedia = {};
  if (finding.fix) media.gcloud = wrapCommand(finding.fix);
  const terraform = terraformFix(finding, context.terraform);
  if (terraform) media.terraform = terraform;
  const authoritative = context.terraform?.authoritative;
  if (terraform && media.gcloud && authoritative) {
    media.gcloudRevertedBy = { address: authoritative.address, ...(authoritative.file ? { file: authoritative.file } : {}), ...(authoritative.line ? { line: authoritative.line } : {}) };
  }
  if (finding.specEdit && finding.file && finding.line && context.specText !== undefined) {
    const spec = specLineFix(context.specText, finding.line, finding.specEdit, finding.file);
    if (spec) media.spec = { file: finding.file, ...spec };
  }
  return Object.keys(media).length > 0 ? media : undefined;
}

// ----------------------------------------------------------------------------------------- gcloud

/**
 * A one-line shell command wrapped with ` \` continuations at word boundaries outside quotes, to lines
 * of about `width` characters and never more than `COMMAND_MAX_WIDTH`. A `--flag=value` word that does
 * not fit is split into `--flag value` (the same to gcloud); a comma list still too long continues after
 * a comma with `\` and no indentation (the shell joins it back into one word); `&&` ends a line.
 */
export function wrapCommand(command: string, width = COMMAND_WIDTH): string {
  const words = shellWords(command.replace(/[ \t]*\\\r?\n[ \t]*/g, ' ').replace(/\r\n|\r|\n/g, ' ').trim());
  const indent = '    ';
  // Each line, and whether it continues inside a word (`\` glued to it) rather than between words.
  const lines: Array<{ text: string; glued: boolean }> = [];
  let current = '';
  const fits = (text: string) => text.length + 2 <= width;
  const push = (word: string) => {
    const next = current === '' ? (lines.length === 0 ? word : indent + word) : `${current} ${word}`;
    if (current !== '' && !fits(next)) {
      lines.push({ text: current, glued: false });
      current = indent + word;
    } else {
      current = next;
    }
  };
  for (const word of words) {
    const eq = /^(--[A-Za-z0-9-]+)=(.+)$/.exec(word);
    const value = eq && !fits(indent + word) ? eq[2]! : undefined;
    if (eq && value !== undefined) push(eq[1]!);
    const rest = value ?? word;
    if (!fits(indent + rest) && /^[^'"\s]+$/.test(rest) && rest.includes(',')) {
      // Chunks that end at a comma, each on its own line.
      const chunks: string[] = [];
      for (const piece of rest.match(/[^,]+,?|,/g) ?? [rest]) {
        const last = chunks.length - 1;
        if (last >= 0 && chunks[last]!.length + piece.length + 1 <= width) chunks[last] += piece;
        else chunks.push(piece);
      }
      push(chunks[0]!);
      for (const chunk of chunks.slice(1)) {
        lines.push({ text: current, glued: true });
        current = chunk;
      }
    } else {
      push(rest);
    }
    if (word === '&&') {
      lines.push({ text: current, glued: false });
      current = '';
    }
  }
  if (current !== '') lines.push({ text: current, glued: false });
  return lines.map((line, i) => (i === lines.length - 1 ? line.text : line.glued ? `${line.text}\\` : `${line.text} \\`)).join('\n');
}

/** Splits a command into words on blanks outside single or double quotes (quotes are kept). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const c of command) {
    if (quote) {
      word += c;
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      word += c;
      quote = c;
    } else if (c === ' ' || c === '\t') {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

// -------------------------------------------------------------------------------------- Terraform

const GRANT_RULES = new Set(['missing-invoker', 'missing-iap-access', 'missing-app-engine-permissions', 'conditional-grant', 'unverified-grant']);
const APP_ENGINE_PERMISSIONS = ['appengine.applications.update', 'clientauthconfig.clients.create', 'clientauthconfig.clients.getWithSecret'];

/**
 * The Terraform to add for a missing (or conditional, or unverified) grant to the gateway's service
 * account, shaped by `style` when the repository's plan says how it writes IAM. Nothing for other rules,
 * nor for a grant a deny rule blocks (no new member fixes that).
 */
export function terraformFix(finding: Finding, style: TerraformStyle = {}): string | undefined {
  if (!GRANT_RULES.has(finding.rule) || !finding.account || !finding.fix || !finding.resource) return undefined;
  const member = `serviceAccount:${finding.account}`;
  const parts = finding.resource.split('/');
  const runService = finding.grantOn ?? (parts[4] === 'services' && parts[0] === 'projects' ? finding.resource : undefined);
  let block: string | undefined;
  if (finding.permission === 'run.routes.invoke' && runService) {
    const [, project = '', , location = '', , name = ''] = runService.split('/');
    const v1 = style.runFamily === 'v1';
    const note = finding.grantOn
      ? [
          `# ${parts[5] ?? ''} is a 2nd-gen function: its Cloud Run service authorizes the call`,
          '# (google_cloudfunctions2_function_iam_member with roles/cloudfunctions.invoker does not).',
        ]
      : [];
    block = hcl(v1 ? 'google_cloud_run_service_iam_member' : 'google_cloud_run_v2_service_iam_member', label(name, 'gateway_invoker'), [
      ['project', project],
      ['location', location],
      [v1 ? 'service' : 'name', name],
      ['role', 'roles/run.invoker'],
      ['member', member],
    ], note);
  } else if (finding.permission === 'cloudfunctions.functions.invoke' && parts[4] === 'functions') {
    const [, project = '', , region = '', , name = ''] = parts;
    block = hcl('google_cloudfunctions_function_iam_member', label(name, 'gateway_invoker'), [
      ['project', project],
      ['region', region],
      ['cloud_function', name],
      ['role', 'roles/cloudfunctions.invoker'],
      ['member', member],
    ]);
  } else if (finding.permission === 'iap.webServiceVersions.accessViaIAP' && parts[0] === 'apps') {
    const [, app = '', , service = 'default'] = parts;
    block =
      service === 'default'
        ? hcl('google_iap_web_type_app_engine_iam_member', label(app, 'gateway_iap'), [
            ['project', app],
            ['app_id', app],
            ['role', 'roles/iap.httpsResourceAccessor'],
            ['member', member],
          ])
        : hcl('google_iap_app_engine_service_iam_member', label(service, 'gateway_iap'), [
            ['project', app],
            ['app_id', app],
            ['service', service],
            ['role', 'roles/iap.httpsResourceAccessor'],
            ['member', member],
          ]);
  } else if (finding.rule === 'missing-app-engine-permissions' || APP_ENGINE_PERMISSIONS.includes(finding.permission ?? '')) {
    const project = parts[0] === 'projects' ? (parts[1] ?? '') : '';
    if (project === '') return undefined;
    block = [
      hcl('google_project_iam_custom_role', 'api_gateway_app_engine_caller', [
        ['project', project],
        ['role_id', 'apiGatewayAppEngineCaller'],
        ['title', 'API Gateway App Engine caller'],
        ['permissions', APP_ENGINE_PERMISSIONS],
      ]),
      hcl('google_project_iam_member', 'gateway_app_engine_caller', [
        ['project', project],
        ['role', { ref: 'google_project_iam_custom_role.api_gateway_app_engine_caller.name' }],
        ['member', member],
      ]),
    ].join('\n\n');
  }
  if (!block) return undefined;
  const a = style.authoritative;
  if (a) {
    // The custom role of the App Engine fix is named by its ID (create it as the block below shows).
    const role = /role\s+= ("[^"\n]*")/.exec(block)?.[1] ?? hclString(`projects/${parts[1] ?? ''}/roles/apiGatewayAppEngineCaller`);
    const edit =
      a.form === 'policy'
        ? [
            `# ${placeText(a)}`,
            '# replaces this allow policy as a whole: the next apply removes a member added',
            `# beside it or by gcloud. Add the gateway to the ${role} binding`,
            '# of its policy_data:',
            '  binding {',
            `    role    = ${role}`,
            `    members = [${hclString(member)}]`,
            '  }',
          ]
        : [
            `# ${placeText(a)}`,
            `# manages ${role} authoritatively: the next apply removes a member`,
            '# added beside it or by gcloud. Add the gateway to its members:',
            '  members = [',
            '    # …the members it has,',
            `    ${hclString(member)},`,
            '  ]',
          ];
    return edit.join('\n');
  }
  if (style.near) block = `# Beside ${placeText(style.near)}${style.module ? `, in ${style.module}` : ''}:\n${block}`;
  return block;
}

type HclValue = string | string[] | { ref: string };

/** A Terraform resource block, arguments aligned as `terraform fmt` aligns them. */
function hcl(type: string, name: string, args: Array<[string, HclValue]>, comments: string[] = []): string {
  const pad = Math.max(...args.map(([key]) => key.length));
  const lines = args.map(([key, value]) => `  ${key.padEnd(pad)} = ${hclValue(value)}`);
  return [...comments, `resource "${type}" "${name}" {`, ...lines, '}'].join('\n');
}

function hclValue(value: HclValue): string {
  if (typeof value === 'string') return hclString(value);
  if (Array.isArray(value)) return `[\n${value.map((v) => `    ${hclString(v)},`).join('\n')}\n  ]`;
  return value.ref;
}

/** An HCL string literal: quotes, backslashes and template sequences escaped; one line. */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${escaped}"`;
}

/** A Terraform resource name from a Google resource name: `[a-z0-9_]`, starting with a letter. */
function label(name: string, suffix: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return /^[a-z]/.test(base) ? `${base}_${suffix}` : `r_${base}_${suffix}`;
}

// ------------------------------------------------------------------------------------------- spec

const FIELD_KEYS: Record<SpecEdit['field'], { oas2: string; oas3: string }> = {
  address: { oas2: 'address', oas3: 'address' },
  jwtAudience: { oas2: 'jwt_audience', oas3: 'jwtAudience' },
  disableAuth: { oas2: 'disable_auth', oas3: 'disableAuth' },
};

/**
 * The line change that makes `edit` in the block-style YAML backend declared at `line` (its
 * `x-google-backend` key or its `address`): the field's own line replaced (or deleted), or, for a field
 * not written yet, the `address` line followed by the new field. Nothing for JSON or flow style.
 */
export function specLineFix(text: string, line: number, edit: SpecEdit, file = ''): { line: number; replacement: string; original: string } | undefined {
  if (/\.json$/i.test(file)) return undefined;
  const lines = text.split(/\r?\n/);
  const at = lines[line - 1];
  if (at === undefined) return undefined;
  const indentOf = (l: string) => /^ */.exec(l)![0].length;
  let from: number;
  let indent: number;
  if (/^\s*["']?x-google-backend["']?\s*:\s*(#.*)?$/.test(at)) {
    from = line; // children follow
    const child = lines.slice(line).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (child === undefined || indentOf(child) <= indentOf(at)) return undefined;
    indent = indentOf(child);
  } else if (/^\s*["']?address["']?\s*:/.test(at)) {
    indent = indentOf(at);
    from = line - 1;
    while (from > 0) {
      const previous = lines[from - 1]!;
      if (previous.trim() !== '' && !previous.trim().startsWith('#') && indentOf(previous) < indent) break;
      from--;
    }
  } else {
    return undefined;
  }
  // The sibling keys: lines at exactly `indent` until a line indented less.
  const siblings: Array<{ index: number; key: string }> = [];
  for (let i = from; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    const n = indentOf(l);
    if (n < indent) break;
    if (n > indent) continue;
    const key = /^\s*["']?([A-Za-z_][\w-]*)["']?\s*:/.exec(l)?.[1];
    if (key === undefined) return undefined; // a list item or something else: not a plain mapping
    siblings.push({ index: i, key });
  }
  const oas3 = siblings.some((s) => /^(jwtAudience|disableAuth|pathTranslation)$/.test(s.key)) || /^openapi\s*:/m.test(text);
  const key = FIELD_KEYS[edit.field][oas3 ? 'oas3' : 'oas2'];
  const existing = siblings.find((s) => s.key === key);
  const pad = ' '.repeat(indent);
  if (existing) {
    const old = lines[existing.index]!;
    // Only a one-line scalar can be replaced by a one-line suggestion.
    const next = lines[existing.index + 1];
    if (!/:\s*\S/.test(old) || (next !== undefined && next.trim() !== '' && indentOf(next) > indent)) return undefined;
    return { line: existing.index + 1, original: old, replacement: edit.value === undefined ? '' : `${pad}${key}: ${yamlScalar(edit.value)}` };
  }
  if (edit.value === undefined) return undefined;
  const address = siblings.find((s) => s.key === 'address');
  if (!address) return undefined;
  const addressLine = lines[address.index]!;
  if (!/:\s*\S/.test(addressLine)) return undefined;
  return { line: address.index + 1, original: addressLine, replacement: `${addressLine}\n${pad}${key}: ${yamlScalar(edit.value)}` };
}

/** A YAML scalar: plain when unambiguous, else double-quoted. */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9][\w.:/@%+~-]*$/.test(value) && !/:\s|\s#/.test(value) ? value : JSON.stringify(value);
}

/**
 * The report with each finding's `fixes` filled in: gcloud and Terraform from its fields, the spec
 * change from `specTexts` (spec file → its text). `terraformStyle` is the hook through which a
 * `terraform-plan` reader says how the repository writes IAM (per finding); without it, the defaults.
 */
export function reportWithFixes(
  report: Report,
  specTexts: ReadonlyMap<string, string> = new Map(),
  terraformStyle?: (finding: Finding) => TerraformStyle | undefined,
): Report {
  const kinds = new Map(report.backends.map((b) => [b.address, b.kind]));
  const findings = report.findings.map((f) => {
    const kind = f.address === undefined ? undefined : kinds.get(f.address);
    const specText = f.file === undefined ? undefined : specTexts.get(f.file);
    const style = terraformStyle?.(f);
    const fixes = fixMedia(f, { ...(kind ? { kind } : {}), ...(specText === undefined ? {} : { specText }), ...(style ? { terraform: style } : {}) });
    return fixes ? { ...f, fixes } : f;
  });
  return { ...report, findings };
}
