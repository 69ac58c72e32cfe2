/**
 * Seeded randomness for the searchers. Every suggestion draws from a stream
 * keyed by (seed, trial index, purpose), so a searcher rebuilt from persisted
 * trials draws exactly what the original would have: no generator state has
 * to be stored.
 */

/** A stream of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A standard normal deviate. */
  normal(): number;
}

/** 32-bit finaliser (murmur3 fmix32): spreads the bits of a key. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of integer keys (order matters). */
export function hashKeys(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    // Split doubles so seeds above 2^32 still differ.
    const lo = k >>> 0;
    const hi = Math.floor(k / 0x100000000) >>> 0;
    h = mix32(h ^ mix32(lo + 0x7f4a7c15));
    h = mix32(h ^ mix32(hi + 0x632be59b));
  }
  return h;
}

/** sfc32: small, fast, passes PractRand to many terabytes; seeded through hashKeys. */
export function rngFor(...keys: number[]): Rng {
  let a = hashKeys(...keys, 1);
  let b = hashKeys(...keys, 2);
  let c = hashKeys(...keys, 3);
  let d = 1;
  const u32 = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  // 53 random bits per double, so log-uniform tails are not lumpy.
  const next = () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  let spare: number | undefined;
  return {
    next,
    int: (n) => Math.min(n - 1, Math.floor(next() * n)),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const r = Math.sqrt(-2 * Math.log(u));
      const t = 2 * Math.PI * next();
      spare = r * Math.sin(t);
      return r * Math.cos(t);
    },
  };
}

/** Purposes of the streams one trial index uses (kept apart so adding one never shifts another). */
export const STREAM = { sample: 1, design: 2, candidates: 3, fit: 4, dedupe: 5 } as const;
