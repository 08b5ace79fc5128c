/** Terraform resource addresses: `module.api["eu"].module.run.google_cloud_run_v2_service.svc[0]`. */

/** One step of a module path, with its `count`/`for_each` key when the address has one. */
export interface ModuleStep {
  name: string;
  key?: string | number;
}

/** A resource instance address, split. */
export interface ResourceAddress {
  modules: ModuleStep[];
  mode: 'managed' | 'data';
  type: string;
  name: string;
  key?: string | number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses a resource (instance) address; undefined when it is not one. */
export function parseAddress(address: string): ResourceAddress | undefined {
  let rest = address;
  const modules: ModuleStep[] = [];
  const step = (): ModuleStep | undefined => {
    const m = IDENT.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    const key = readKey();
    if (key === null) return undefined;
    return key === undefined ? { name: m[0] } : { name: m[0], key };
  };
  const readKey = (): string | number | undefined | null => {
    if (!rest.startsWith('[')) return undefined;
    const num = /^\[(\d+)\]/.exec(rest);
    if (num) {
      rest = rest.slice(num[0].length);
      return Number(num[1]);
    }
    const str = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
    if (!str) return null;
    rest = rest.slice(str[0].length);
    try {
      return JSON.parse(`"${str[1]}"`) as string;
    } catch {
      return null;
    }
  };
  while (rest.startsWith('module.')) {
    rest = rest.slice('module.'.length);
    const s = step();
    if (!s || !rest.startsWith('.')) return undefined;
    rest = rest.slice(1);
    modules.push(s);
  }
  let mode: 'managed' | 'data' = 'managed';
  if (rest.startsWith('data.')) {
    mode = 'data';
    rest = rest.slice('data.'.length);
  }
  const type = IDENT.exec(rest);
  if (!type) return undefined;
  rest = rest.slice(type[0].length);
  if (!rest.startsWith('.')) return undefined;
  rest = rest.slice(1);
  const resource = step();
  if (!resource || rest !== '') return undefined;
  return { modules, mode, type: type[0], name: resource.name, ...(resource.key === undefined ? {} : { key: resource.key }) };
}

/** The module path of an address as Terraform writes `module_address` (with keys). */
export function moduleAddress(modules: ModuleStep[]): string {
  return modules.map((m) => `module.${m.name}${m.key === undefined ? '' : `[${JSON.stringify(m.key)}]`}`).join('.');
}
