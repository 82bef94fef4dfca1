import { COLLECTION_NAMES, CollectionName, Collections, PREFIX_COLLECTION } from './records';
import { resourceMissing } from './errors';

type Maps = { [K in CollectionName]: Map<string, Collections[K]> };

export interface StoreSnapshot {
  format: 'voepy-local-stripe/1';
  seq: number;
  collections: { [K in CollectionName]?: Array<Collections[K]> };
}

/**
 * All state, in Maps. Handlers run synchronously between `await`s, so each API call's reads and writes are atomic
 * without locks. `onChange` lets persistence save after writes.
 */
export class Store {
  private readonly maps: Maps;
  private seq = 0;

  constructor(private readonly onChange: () => void = () => undefined) {
    this.maps = Object.fromEntries(COLLECTION_NAMES.map((name) => [name, new Map()])) as unknown as Maps;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  insert<K extends CollectionName>(name: K, record: Collections[K]): Collections[K] {
    this.maps[name].set(record.id, record);
    this.onChange();
    return record;
  }

  /** Records are mutated in place by handlers; this tells persistence that something changed. */
  touch(): void {
    this.onChange();
  }

  find<K extends CollectionName>(name: K, id: string): Collections[K] | undefined {
    return this.maps[name].get(id);
  }

  /** The record, or Stripe's 404 `No such …: 'id'` naming `param`. */
  get<K extends CollectionName>(name: K, id: string, param = 'id'): Collections[K] {
    const record = this.find(name, id);
    if (!record) throw resourceMissing(name, id, param);
    return record;
  }

  all<K extends CollectionName>(name: K): Array<Collections[K]> {
    return [...this.maps[name].values()];
  }

  /** Any stored object by its id prefix (for `expand[]`). */
  lookup(id: string): Collections[CollectionName] | undefined {
    const collection = PREFIX_COLLECTION[id.slice(0, id.indexOf('_'))];
    return collection ? this.find(collection, id) : undefined;
  }

  remove(name: CollectionName, id: string): void {
    this.maps[name].delete(id);
    this.onChange();
  }

  clear(): void {
    for (const name of COLLECTION_NAMES) this.maps[name].clear();
    this.onChange();
  }

  snapshot(names: readonly CollectionName[] = COLLECTION_NAMES): StoreSnapshot {
    const collections: StoreSnapshot['collections'] = {};
    for (const name of names) (collections as Record<string, unknown[]>)[name] = this.all(name);
    return { format: 'voepy-local-stripe/1', seq: this.seq, collections };
  }

  restore(snapshot: StoreSnapshot): void {
    if (snapshot.format !== 'voepy-local-stripe/1') throw new Error(`unknown local Stripe data format: ${String(snapshot.format)}`);
    this.seq = Math.max(this.seq, snapshot.seq);
    for (const name of COLLECTION_NAMES) {
      for (const record of snapshot.collections[name] ?? []) (this.maps[name] as Map<string, unknown>).set(record.id, record);
    }
  }
}

/** The wire form of a record: a deep copy without the `_` bookkeeping fields. */
export function toWire(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!key.startsWith('_') && value !== undefined) out[key] = structuredClone(value);
  }
  return out;
}
