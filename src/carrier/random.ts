/**
 * Deterministic randomness for the simulator. Everything the carrier "decides" (which numbers it stocks, how long an
 * activation takes, which lookups say "ported") is a pure function of a seed and a key, so two simulators built with
 * the same seed agree, and a restarted process can recompute what an earlier one decided.
 *
 * Not cryptographic: these only need to be stable and well spread.
 */

/** A 32-bit hash of the parts (FNV-1a over the parts, separated, then an avalanche so nearby keys spread out). */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (let p = 0; p < parts.length; p++) {
    const text = String(parts[p]);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    // A separator, so ("ab", "c") and ("a", "bc") hash differently.
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h);
}

function avalanche(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) determined by the parts. */
export function unitFrom(...parts: ReadonlyArray<string | number>): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** An element of `items` determined by the parts. */
export function pickFrom<T>(items: readonly T[], ...parts: ReadonlyArray<string | number>): T {
  return items[Math.floor(unitFrom(...parts) * items.length)];
}

/** A string of `length` decimal digits determined by the parts. */
export function digitsFrom(length: number, ...parts: ReadonlyArray<string | number>): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += String(hash32(...parts, 'digits', i) % 1_000_000_000).padStart(9, '0');
  return out.slice(0, length);
}

/** A sequence of numbers in [0, 1): a small counter-based generator (each step re-mixes the state). */
export interface Rng {
  next(): number;
  /** An integer in [min, max], inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return avalanche(state) / 0x1_0000_0000;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
  };
}
