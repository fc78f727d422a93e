/**
 * The IDX reader: real full-size data (Fashion-MNIST from Debian's dataset-fashion-mnist),
 * gz and plain files, and every kind of malformed file with its error code and message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataError, IdxFormatError, type DataErrorCode } from '../../grader/data/data-errors';
import { labelCounts } from '../../grader/data/dataset';
import {
  IDX_MAGIC_IMAGES,
  IDX_MAGIC_LABELS,
  decodeIdxImages,
  encodeIdxImages,
  encodeIdxLabels,
  readIdxDataset,
  readIdxImages,
  readIdxLabels,
} from '../../grader/data/idx';
import { FASHION_MNIST_DIR, findFashionMnistDir } from '../../grader/data/sources';
import { makeTempDir, sameBytes, syntheticDataset, writeFile } from './idx-fixtures';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('idx-test');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Awaits a rejection and checks it is the data error `code` whose message names `file`. */
async function expectDataError(promise: Promise<unknown>, code: DataErrorCode, file: string, pattern?: RegExp): Promise<DataError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  const e = error as DataError;
  expect({ code: e.code, message: e.message }).toEqual({ code, message: expect.stringContaining(file) });
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

const ds = syntheticDataset(5, 28, 28);

describe('reading well-formed files', () => {
  it('reads plain and gzipped files to identical data', async () => {
    const plainImg = writeFile(dir, 'ok-images-idx3-ubyte', encodeIdxImages(ds), false);
    const plainLab = writeFile(dir, 'ok-labels-idx1-ubyte', encodeIdxLabels(ds.labels), false);
    const gzImg = writeFile(dir, 'ok-images-idx3-ubyte.gz', encodeIdxImages(ds), true);
    const gzLab = writeFile(dir, 'ok-labels-idx1-ubyte.gz', encodeIdxLabels(ds.labels), true);
    for (const [img, lab] of [[plainImg, plainLab], [gzImg, gzLab], [plainImg, gzLab]]) {
      const read = await readIdxDataset(img, lab);
      expect({ count: read.count, rows: read.rows, cols: read.cols }).toEqual({ count: 5, rows: 28, cols: 28 });
      expect(sameBytes(read.images, ds.images)).toBe(true);
      expect(Array.from(read.labels)).toEqual(Array.from(ds.labels));
      // Plain Uint8Arrays owning exactly their bytes (never Buffer views of the whole file).
      expect(read.images.constructor).toBe(Uint8Array);
      expect(read.images.byteOffset).toBe(0);
      expect(read.images.buffer.byteLength).toBe(5 * 784);
    }
  });

  it('inflates gzip data even under a plain name (IDX never starts with 1f 8b)', async () => {
    const file = path.join(dir, 'gz-in-disguise-idx1-ubyte');
    fs.writeFileSync(file, zlib.gzipSync(encodeIdxLabels(ds.labels)));
    expect(Array.from(await readIdxLabels(file))).toEqual(Array.from(ds.labels));
  });

  it('reads non-square images and an empty set', async () => {
    const wide = syntheticDataset(3, 4, 7);
    const img = decodeIdxImages(encodeIdxImages(wide), 'wide');
    expect({ count: img.count, rows: img.rows, cols: img.cols }).toEqual({ count: 3, rows: 4, cols: 7 });
    expect(decodeIdxImages(encodeIdxImages(syntheticDataset(0)), 'empty').count).toBe(0);
  });
});

describe('malformed files', () => {
  const images = encodeIdxImages(ds);
  const labels = encodeIdxLabels(ds.labels);

  it('missing file', async () => {
    const file = path.join(dir, 'no-such-file-idx3-ubyte.gz');
    await expectDataError(readIdxImages(file), 'IDX_FILE_MISSING', file, /file not found/);
  });

  it('a folder instead of a file', async () => {
    await expectDataError(readIdxImages(dir), 'IDX_FILE_MISSING', dir, /is a folder/);
  });

  it('truncated images (plain)', async () => {
    const file = writeFile(dir, 'cut-images-idx3-ubyte', images.subarray(0, images.length - 100), false);
    const e = await expectDataError(readIdxImages(file), 'IDX_TRUNCATED', file, /5·28·28 = 3920.*cut short/);
    expect(e).toBeInstanceOf(IdxFormatError);
    expect(e.file).toBe(file);
  });

  it('truncated header', async () => {
    const file = writeFile(dir, 'tiny-images-idx3-ubyte', images.subarray(0, 10), false);
    await expectDataError(readIdxImages(file), 'IDX_TRUNCATED', file, /header/);
    const two = writeFile(dir, 'two-bytes-idx1-ubyte', labels.subarray(0, 2), false);
    await expectDataError(readIdxLabels(two), 'IDX_TRUNCATED', two, /2 byte/);
  });

  it('truncated gzip download', async () => {
    const gz = zlib.gzipSync(images);
    const file = path.join(dir, 'cut-images-idx3-ubyte.gz');
    fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
    await expectDataError(readIdxImages(file), 'IDX_CORRUPT_GZIP', file, /damaged or cut short/);
  });

  it('corrupt gzip (valid gzip header, garbage body)', async () => {
    const gz = Buffer.from(zlib.gzipSync(images));
    for (let i = 12; i < gz.length - 8; i++) gz[i] ^= 0x5a;
    const file = path.join(dir, 'garbled-images-idx3-ubyte.gz');
    fs.writeFileSync(file, gz);
    await expectDataError(readIdxImages(file), 'IDX_CORRUPT_GZIP', file);
  });

  it('named .gz but not gzip', async () => {
    const file = writeFile(dir, 'plain-named-gz-idx3-ubyte.gz', images, false);
    await expectDataError(readIdxImages(file), 'IDX_NOT_GZIP', file, /starts with 00 00 08 03.*remove the \.gz/);
    const html = path.join(dir, 'error-page-idx3-ubyte.gz');
    fs.writeFileSync(html, '<html>404</html>');
    await expectDataError(readIdxImages(html), 'IDX_NOT_GZIP', html, /starts with 3c 68 74 6d/);
    const empty = path.join(dir, 'empty-idx1-ubyte.gz');
    fs.writeFileSync(empty, '');
    await expectDataError(readIdxLabels(empty), 'IDX_NOT_GZIP', empty, /empty file/);
  });

  it('wrong magic: labels given as images, images as labels, not IDX at all', async () => {
    const labelsFile = writeFile(dir, 'swapped-labels-idx1-ubyte', labels, false);
    await expectDataError(readIdxImages(labelsFile), 'IDX_BAD_MAGIC', labelsFile, /0x00000801 .*labels file\?.*expected 0x00000803/);
    const imagesFile = writeFile(dir, 'swapped-images-idx3-ubyte', images, false);
    await expectDataError(readIdxLabels(imagesFile), 'IDX_BAD_MAGIC', imagesFile, /0x00000803 .*images file\?.*expected 0x00000801/);
    const junk = Uint8Array.from(images);
    junk.set([0x12, 0x34, 0x56, 0x78], 0);
    const junkFile = writeFile(dir, 'junk-idx3-ubyte', junk, false);
    await expectDataError(readIdxImages(junkFile), 'IDX_BAD_MAGIC', junkFile, /0x12345678 \(not an IDX header\)/);
    const floats = Uint8Array.from(images);
    floats[2] = 0x0d; // float32 elements
    const floatFile = writeFile(dir, 'floats-idx3-ubyte', floats, false);
    await expectDataError(readIdxImages(floatFile), 'IDX_BAD_MAGIC', floatFile, /float32/);
  });

  it('trailing bytes', async () => {
    const longer = new Uint8Array(images.length + 3);
    longer.set(images);
    const file = writeFile(dir, 'long-images-idx3-ubyte', longer, false);
    await expectDataError(readIdxImages(file), 'IDX_TRAILING_DATA', file, /3 unexpected byte/);
  });

  it('zero-sized images', async () => {
    const bytes = encodeIdxImages({ images: new Uint8Array(0), count: 5, rows: 0, cols: 28 });
    const file = writeFile(dir, 'flat-images-idx3-ubyte', bytes, false);
    await expectDataError(readIdxImages(file), 'IDX_BAD_DIMENSIONS', file, /0x28/);
  });

  it('label out of range', async () => {
    const bad = Uint8Array.from(ds.labels);
    bad[3] = 10;
    const file = writeFile(dir, 'bad-labels-idx1-ubyte.gz', encodeIdxLabels(bad), true);
    await expectDataError(readIdxLabels(file), 'IDX_LABEL_OUT_OF_RANGE', file, /label 10 at index 3/);
  });

  it('image count differs from label count', async () => {
    const img = writeFile(dir, 'five-images-idx3-ubyte', images, false);
    const lab = writeFile(dir, 'four-labels-idx1-ubyte', encodeIdxLabels(ds.labels.subarray(0, 4)), false);
    const e = await expectDataError(readIdxDataset(img, lab), 'IDX_COUNT_MISMATCH', img, /5 images but .*four-labels-idx1-ubyte holds 4 labels/);
    expect(e.message).toContain(lab);
  });

  it('magic numbers are the standard ones', () => {
    expect([IDX_MAGIC_IMAGES, IDX_MAGIC_LABELS]).toEqual([2051, 2049]);
    expect(Array.from(images.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28]);
  });
});

// Full-size real data. Debian's dataset-fashion-mnist installs it (CI does); elsewhere skip.
const fashionDir = findFashionMnistDir();
if (fashionDir === undefined) {
  console.warn(`SKIPPED: Fashion-MNIST full-size IDX tests: ${FASHION_MNIST_DIR} is absent (install the Debian package dataset-fashion-mnist to run them)`);
}
(fashionDir === undefined ? describe.skip : describe)(`Fashion-MNIST from ${FASHION_MNIST_DIR} (70,000 real images)`, () => {
  it('reads 60,000 train and 10,000 test images of 28x28, 6,000 / 1,000 per class', async () => {
    const dirPath = fashionDir ?? FASHION_MNIST_DIR;
    const started = performance.now();
    const train = await readIdxDataset(path.join(dirPath, 'train-images-idx3-ubyte.gz'), path.join(dirPath, 'train-labels-idx1-ubyte.gz'));
    const test = await readIdxDataset(path.join(dirPath, 't10k-images-idx3-ubyte.gz'), path.join(dirPath, 't10k-labels-idx1-ubyte.gz'));
    const ms = performance.now() - started;
    console.log(`Fashion-MNIST read through readIdxDataset in ${ms.toFixed(0)} ms`);
    expect({ count: train.count, rows: train.rows, cols: train.cols }).toEqual({ count: 60_000, rows: 28, cols: 28 });
    expect({ count: test.count, rows: test.rows, cols: test.cols }).toEqual({ count: 10_000, rows: 28, cols: 28 });
    expect(train.images.length).toBe(60_000 * 784);
    expect(labelCounts(train)).toEqual(new Array(10).fill(6000));
    expect(labelCounts(test)).toEqual(new Array(10).fill(1000));
    let max = 0;
    for (const p of test.images) if (p > max) max = p;
    expect(max).toBe(255);
  });
});
