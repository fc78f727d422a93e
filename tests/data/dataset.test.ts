/**
 * Dataset helpers: subset, slice, the copies that may cross into the runner (toPlain,
 * testImagesOnly), and the validation of a Dataset that crossed a process boundary.
 */
import * as v8 from 'node:v8';
import { DataError } from '../../grader/data/data-errors';
import {
  labelCounts,
  parseDataset,
  parseUnlabelledImages,
  sliceDataset,
  subset,
  testImagesOnly,
  toPlain,
  type Dataset,
} from '../../grader/data/dataset';
import { syntheticDataset } from './idx-fixtures';

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected an error');
}

/** Image n of a synthetic dataset starts with pixel 7n mod 256. */
const firstPixels = (ds: Dataset): number[] => Array.from({ length: ds.count }, (_, n) => ds.images[n * ds.rows * ds.cols]);

const ds = syntheticDataset(10, 3, 4);

describe('subset', () => {
  it('takes the samples in the given order, with repeats, as a copy', () => {
    const s = subset(ds, [9, 0, 0, 4]);
    expect({ count: s.count, rows: s.rows, cols: s.cols }).toEqual({ count: 4, rows: 3, cols: 4 });
    expect(firstPixels(s)).toEqual([63, 0, 0, 28]);
    expect(Array.from(s.labels)).toEqual([9, 0, 0, 4]);
    expect(Array.from(s.images.subarray(0, 12))).toEqual(Array.from(ds.images.subarray(9 * 12, 10 * 12)));
    s.images[0] = 255;
    expect(ds.images[9 * 12]).toBe(63);
    expect(subset(ds, []).count).toBe(0);
  });

  it('refuses indices outside the dataset', () => {
    for (const bad of [[10], [-1], [1.5], [Number.NaN]]) {
      const e = errorOf(() => subset(ds, bad));
      expect(e.code).toBe('DATASET_RANGE');
      expect(e.message).toMatch(/^subset: indices\[0\] = .* is not an index of a dataset of 10 samples$/);
    }
  });
});

describe('sliceDataset', () => {
  it('copies samples start..end-1; end defaults to the count', () => {
    const s = sliceDataset(ds, 2, 5);
    expect(s.count).toBe(3);
    expect(firstPixels(s)).toEqual([14, 21, 28]);
    expect(Array.from(s.labels)).toEqual([2, 3, 4]);
    expect(sliceDataset(ds, 7).count).toBe(3);
    expect(sliceDataset(ds, 4, 4).count).toBe(0);
    s.labels[0] = 9;
    expect(ds.labels[2]).toBe(2);
    expect(s.images.byteOffset).toBe(0);
  });

  it('refuses ranges outside the dataset', () => {
    for (const [a, b] of [[-1, 3], [3, 2], [0, 11], [0.5, 2]]) {
      expect(errorOf(() => sliceDataset(ds, a, b))).toMatchObject({ code: 'DATASET_RANGE', message: expect.stringContaining('sliceDataset: [') });
    }
  });
});

describe('toPlain and crossing a process boundary', () => {
  it('makes exactly-sized plain copies with only the five contract fields', () => {
    // A dataset whose arrays are Buffer views into a larger buffer, with an extra field.
    const big = Buffer.alloc(10_000, 1);
    const wrapped = {
      images: big.subarray(100, 100 + ds.images.length),
      labels: big.subarray(5000, 5010),
      count: 10,
      rows: 3,
      cols: 4,
    };
    wrapped.images.set(ds.images);
    wrapped.labels.set(ds.labels);
    const plain = toPlain(wrapped);
    expect(Object.keys(plain).sort()).toEqual(['cols', 'count', 'images', 'labels', 'rows']);
    for (const a of [plain.images, plain.labels]) {
      expect(a.constructor).toBe(Uint8Array);
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.length);
    }
    expect(Array.from(plain.labels)).toEqual(Array.from(ds.labels));
    plain.images[0] = 200;
    expect(wrapped.images[0]).toBe(0);
  });

  it('survives the structured clone of the runner IPC and validates on the other side', () => {
    const received: unknown = v8.deserialize(v8.serialize(toPlain(ds)));
    const back = parseDataset(received, 'train set from the grader');
    expect(back.count).toBe(10);
    expect(Array.from(back.images)).toEqual(Array.from(ds.images));
  });

  it('parseDataset refuses malformed values, naming the field and the sizes', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...ds, images: ds.images.subarray(1) }, /images: images holds 119 bytes, expected count·rows·cols = 10·3·4 = 120/],
      [{ ...ds, labels: ds.labels.subarray(1) }, /labels: labels holds 9 entries, expected count = 10/],
      [{ ...ds, labels: Uint8Array.from([...ds.labels.subarray(1), 10]) }, /labels\.9: label 10 at index 9 is outside 0\.\.9/],
      [{ ...ds, images: Array.from(ds.images) }, /images: images must be a Uint8Array/],
      [{ ...ds, images: new Float32Array(120) }, /images must be a Uint8Array/],
      [{ ...ds, count: 10.5 }, /count: Expected integer/],
      [{ ...ds, rows: 0 }, /rows: Number must be greater than 0/],
      [{ ...ds, secret: 1 }, /Unrecognized key\(s\) in object: 'secret'/],
      [null, /Expected object, received null/],
    ];
    for (const [value, pattern] of cases) {
      const e = errorOf(() => parseDataset(value, 'train set'));
      expect(e.code).toBe('DATASET_INVALID');
      expect(e.message).toMatch(/^train set: /);
      expect(e.message).toMatch(pattern);
    }
  });
});

describe('testImagesOnly: what of the test split may reach the runner', () => {
  it('holds the images and no labels, in a fresh buffer', () => {
    const imgs = testImagesOnly(ds);
    expect(Object.keys(imgs).sort()).toEqual(['cols', 'count', 'images', 'rows']);
    expect('labels' in imgs).toBe(false);
    expect(imgs.images).not.toBe(ds.images);
    expect(imgs.images.buffer).not.toBe(ds.images.buffer);
    expect(imgs.images.buffer.byteLength).toBe(120);
    expect(Array.from(imgs.images)).toEqual(Array.from(ds.images));
    // Nothing of the labels survives the IPC clone.
    const received = v8.deserialize(v8.serialize(imgs)) as Record<string, unknown>;
    expect(Object.keys(received).sort()).toEqual(['cols', 'count', 'images', 'rows']);
    expect(parseUnlabelledImages(received).count).toBe(10);
  });

  it('parseUnlabelledImages refuses an object carrying labels', () => {
    const e = errorOf(() => parseUnlabelledImages(ds, 'test images for the runner'));
    expect(e.message).toMatch(/^test images for the runner: Unrecognized key\(s\) in object: 'labels'/);
  });

  it('refuses inconsistent sizes', () => {
    expect(errorOf(() => testImagesOnly({ ...ds, count: 11 })).code).toBe('DATASET_INVALID');
  });
});

it('labelCounts counts each class', () => {
  expect(labelCounts(ds)).toEqual(new Array(10).fill(1));
});
