/**
 * Synthetic datasets for grading mnist-loader, shared by the spec (trusted) and the probes
 * (in the runner; nothing here is secret). Every image carries its own sample index, so the
 * order of the samples can be read back from the batches a loader yields, whatever scaling or
 * normalisation it applied:
 *
 *   pixel 0 = 0 and pixel 1 = 255 (markers), pixels 2..2+INDEX_BITS-1 = the bits of the index
 *   as 0 or 255 (least significant first), every other pixel a seeded byte.
 *
 * A bit is read as 1 when its value is nearer the 255-marker than the 0-marker, which holds
 * for any increasing transformation of the bytes (b/255, raw bytes, (b/255 − μ)/σ).
 */

/** Enough for 60,000 samples (2^18 = 262,144). */
export const INDEX_BITS = 18;
/** Pixels an image needs to carry its index: the two markers and the bits. */
export const CODE_PIXELS = 2 + INDEX_BITS;

/** The contract's Dataset (grader/data/dataset.ts has the same shape). */
export interface SyntheticDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** mulberry32: a small seeded generator of uint32 values. */
function uint32s(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * `count` images of rows x cols that carry their index, with seeded labels 0..9 and seeded
 * filler pixels. Needs rows·cols >= CODE_PIXELS and count <= 2^INDEX_BITS.
 */
export function indexedDataset(count: number, rows: number, cols: number, seed: number): SyntheticDataset {
  const pixels = rows * cols;
  if (pixels < CODE_PIXELS) throw new RangeError(`indexedDataset: ${rows}x${cols} images cannot carry an index (${CODE_PIXELS} pixels needed)`);
  if (count > 2 ** INDEX_BITS) throw new RangeError(`indexedDataset: at most ${2 ** INDEX_BITS} samples`);
  const next = uint32s(seed);
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * pixels;
    images[base + 1] = 255;
    for (let b = 0; b < INDEX_BITS; b++) images[base + 2 + b] = (i >>> b) & 1 ? 255 : 0;
    for (let p = CODE_PIXELS; p < pixels; p += 4) {
      const r = next();
      for (let k = 0; k < 4 && p + k < pixels; k++) images[base + p + k] = (r >>> (8 * k)) & 255;
    }
    labels[i] = next() % 10;
  }
  return { images, labels, count, rows, cols };
}

/**
 * The index carried by one image, read from its values (any increasing transformation of
 * the bytes), or -1 when the markers are not there (the image was cut, transposed or mixed).
 */
export function readIndex(values: ArrayLike<number>, offset: number): number {
  const low = values[offset];
  const high = values[offset + 1];
  if (!(high > low)) return -1;
  const middle = (low + high) / 2;
  let index = 0;
  for (let b = 0; b < INDEX_BITS; b++) {
    const v = values[offset + 2 + b];
    if (!Number.isFinite(v)) return -1;
    if (v > middle) index |= 1 << b;
  }
  return index;
}
