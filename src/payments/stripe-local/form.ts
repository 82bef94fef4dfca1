/**
 * Stripe's wire format for request parameters: `application/x-www-form-urlencoded` with bracket paths
 * (`card[number]=…`, `metadata[k]=v`, `expand[]=…`, `lines[0][amount]=…`), the same in GET query strings.
 *
 * Arrays are kept as objects keyed by index here (`expand[]` gets "0", "1", …): whether `metadata[0]` is a
 * list element or a metadata key called "0" is only known by the parameter that reads it (see params.ts).
 */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export class FormDecodeError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

const SEGMENT = /^\[([^[\]]*)\]/;

/** `a[b][]` → ['a', 'b', ''], or undefined when the brackets don't parse. */
function keyPath(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open === -1) return [key];
  if (open === 0) return undefined;
  const path = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) return undefined;
    path.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  return path;
}

function decodeComponent(text: string, param: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new FormDecodeError(`Invalid URL encoding in parameter ${param}`, param);
  }
}

function assign(root: FormObject, path: string[], value: string, rawKey: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const last = i === path.length - 1;
    // `[]` appends: its index is the container's current size, so `a[]=x&a[]=y` reads like `a[0]=x&a[1]=y`.
    const segment = path[i] === '' && i > 0 ? String(Object.keys(node).length) : path[i];
    const existing = node[segment];
    if (last) {
      if (typeof existing === 'object') throw new FormDecodeError(`Invalid hash: ${rawKey}`, rawKey);
      node[segment] = value;
      return;
    }
    if (existing === undefined) {
      // Null-prototype containers: a key like `__proto__` is just a key here, never the object's prototype.
      const child = Object.create(null) as FormObject;
      node[segment] = child;
      node = child;
    } else if (typeof existing === 'string') {
      throw new FormDecodeError(`Invalid hash: ${path.slice(0, i + 1).join('][')}`, path[0]);
    } else {
      node = existing;
    }
  }
}

export function decodeForm(body: string): FormObject {
  const root: FormObject = Object.create(null) as FormObject;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = decodeComponent(eq === -1 ? pair : pair.slice(0, eq), pair);
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1), rawKey);
    const path = keyPath(rawKey);
    if (!path || path[0] === '') throw new FormDecodeError(`Invalid parameter name: ${rawKey}`, rawKey);
    assign(root, path, value, rawKey);
  }
  return root;
}

/** Turns JSON (test controls accept it for convenience) into the same shape as a decoded form. */
export function formFromJson(value: unknown): FormObject {
  const out = Object.create(null) as FormObject;
  if (value === null || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (v === null) out[key] = '';
    else if (Array.isArray(v)) out[key] = formFromJson(Object.fromEntries(v.map((item, i) => [String(i), item])));
    else if (typeof v === 'object') out[key] = formFromJson(v);
    else out[key] = String(v);
  }
  return out;
}
