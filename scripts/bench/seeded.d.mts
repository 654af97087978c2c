/** mulberry32: a deterministic PRNG in [0, 1) (seeded.mjs). */
export function seeded(seed: number): () => number;
