import { FormObject, FormValue } from './form';
import { invalidRequest, missingParam } from './errors';

const INTEGER = /^-?\d+$/;

/**
 * Typed, Stripe-faithful reading of decoded request parameters. Error messages and codes follow Stripe's
 * (`parameter_missing`, `parameter_unknown`, `parameter_invalid_integer`, …) and `param` names the full bracket path,
 * so a gateway bug shows up here exactly as it would against api.stripe.com.
 */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = '',
  ) {}

  /** Stripe rejects parameters it doesn't know; `expand` is accepted everywhere. */
  allow(names: readonly string[]): this {
    for (const key of Object.keys(this.raw)) {
      if (key !== 'expand' && !names.includes(key)) {
        throw invalidRequest(`Received unknown parameter: ${this.path(key)}`, { param: this.path(key), code: 'parameter_unknown' });
      }
    }
    return this;
  }

  path(name: string): string {
    return this.prefix ? `${this.prefix}[${name}]` : name;
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  private scalar(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${describe(value)}`, { param: this.path(name) });
    return value;
  }

  string(name: string, opts: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const value = this.scalar(name);
    if (value === undefined) {
      if (opts.required) throw missingParam(this.path(name));
      return undefined;
    }
    if (value === '') {
      throw invalidRequest(
        `You passed an empty string for '${this.path(name)}'. We assume empty values are an attempt to unset a parameter; however '${this.path(name)}' cannot be unset. You should remove '${this.path(name)}' from your request or supply a non-empty value.`,
        { param: this.path(name), code: 'parameter_invalid_empty' },
      );
    }
    if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      throw invalidRequest(`Invalid string: ${value.slice(0, 20)}...; must be at most ${opts.maxLength} characters`, { param: this.path(name) });
    }
    return value;
  }

  /** For unsettable fields: '' means "set to null", as in Stripe. */
  nullableString(name: string, opts: { maxLength?: number } = {}): string | null | undefined {
    if (this.scalar(name) === '') return null;
    return this.string(name, opts);
  }

  integer(name: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.scalar(name);
    if (value === undefined || value === '') {
      if (opts.required) throw missingParam(this.path(name));
      return undefined;
    }
    if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
      throw invalidRequest(`Invalid integer: ${value}`, { param: this.path(name), code: 'parameter_invalid_integer' });
    }
    const n = Number(value);
    if (opts.min !== undefined && n < opts.min) {
      throw invalidRequest(`This value must be greater than or equal to ${opts.min}.`, { param: this.path(name), code: 'parameter_invalid_integer' });
    }
    if (opts.max !== undefined && n > opts.max) {
      throw invalidRequest(`This value must be less than or equal to ${opts.max}.`, { param: this.path(name), code: 'parameter_invalid_integer' });
    }
    return n;
  }

  boolean(name: string): boolean | undefined {
    const value = this.scalar(name);
    if (value === undefined || value === '') return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalidRequest(`Invalid boolean: ${value}`, { param: this.path(name) });
  }

  oneOf<T extends string>(name: string, values: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const value = this.string(name, opts);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      throw invalidRequest(`Invalid ${this.path(name)}: must be one of ${values.join(', ')}`, { param: this.path(name) });
    }
    return value as T;
  }

  object(name: string, opts: { required?: boolean } = {}): Params | undefined {
    const value = this.raw[name];
    if (value === undefined || value === '') {
      if (opts.required) throw missingParam(this.path(name));
      return undefined;
    }
    if (typeof value === 'string') throw invalidRequest(`Invalid object`, { param: this.path(name) });
    return new Params(value, this.path(name));
  }

  /** `a[]=x&a[]=y`, `a[0]=x&a[1]=y` (the SDK's form) → ['x', 'y']. */
  strings(name: string): string[] | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (typeof value === 'string') throw invalidRequest(`Invalid array`, { param: this.path(name) });
    return indexed(value, this.path(name)).map(([index, item]) => {
      if (typeof item !== 'string') throw invalidRequest(`Invalid string`, { param: `${this.path(name)}[${index}]` });
      return item;
    });
  }

  /** Arrays of hashes, e.g. `lines[0][amount]=…`. */
  objects(name: string): Params[] | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (typeof value === 'string') throw invalidRequest(`Invalid array`, { param: this.path(name) });
    return indexed(value, this.path(name)).map(([index, item]) => {
      if (typeof item === 'string') throw invalidRequest(`Invalid object`, { param: `${this.path(name)}[${index}]` });
      return new Params(item, `${this.path(name)}[${index}]`);
    });
  }

  /**
   * Metadata as Stripe applies it on update: keys merge into `current`, `metadata[k]=` removes k, `metadata=` clears all.
   * Limits are Stripe's: 50 keys, 40-character keys, 500-character values.
   */
  metadata(current: Record<string, string> = {}, name = 'metadata'): Record<string, string> | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value === 'string') throw invalidRequest(`Invalid object`, { param: this.path(name) });
    const next = { ...current };
    for (const [key, v] of Object.entries(value)) {
      const param = `${this.path(name)}[${key}]`;
      if (typeof v !== 'string') throw invalidRequest(`Invalid string: {...}`, { param });
      if (key.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters; '${key}' has ${key.length}.`, { param });
      if (v.length > 500) throw invalidRequest(`Metadata values can have up to 500 characters, but you passed in a value that is ${v.length} characters.`, { param });
      if (v === '') delete next[key];
      else next[key] = v;
    }
    if (Object.keys(next).length > 50) throw invalidRequest('You can have up to 50 metadata keys', { param: this.path(name) });
    return next;
  }

  expand(): string[] {
    return this.strings('expand') ?? [];
  }
}

function indexed(value: FormObject, param: string): Array<[number, FormValue]> {
  const entries = Object.entries(value).map(([key, item]): [number, FormValue] => {
    if (!/^\d+$/.test(key)) throw invalidRequest(`Invalid array`, { param });
    return [Number(key), item];
  });
  return entries.sort((a, b) => a[0] - b[0]);
}

function describe(value: FormValue): string {
  return typeof value === 'string' ? value : '{...}';
}
