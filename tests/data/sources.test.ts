/**
 * Where the grading data comes from: a configured IDX folder (both naming conventions, gz or
 * plain), GRADER_MNIST_DIR, the Fashion-MNIST convenience, the cache; and the errors of a
 * folder that is missing, incomplete or inconsistent. The embedded default has its own file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError, type DataErrorCode } from '../../grader/data/data-errors';
import { encodeIdxImages } from '../../grader/data/idx';
import {
  MNIST_DIR_ENV,
  clearMnistCache,
  findIdxFiles,
  idxFileNames,
  loadFashionMnist,
  findFashionMnistDir,
  loadMnist,
  loadMnistFromDir,
} from '../../grader/data/sources';
import { idxName, makeTempDir, sameBytes, syntheticDataset, writeFile, writeIdxFolder, type Naming } from './idx-fixtures';

let root: string;
const savedEnv = process.env[MNIST_DIR_ENV];
beforeAll(() => {
  root = makeTempDir('mnist-sources-test');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  clearMnistCache();
  delete process.env[MNIST_DIR_ENV];
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env[MNIST_DIR_ENV];
  else process.env[MNIST_DIR_ENV] = savedEnv;
});

function folder(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return dir;
}

async function expectDataError(promise: Promise<unknown>, code: DataErrorCode, pattern: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  expect({ code: (error as DataError).code, message: (error as DataError).message }).toEqual({ code, message: expect.stringMatching(pattern) });
}

const train = syntheticDataset(12);
const test = syntheticDataset(4, 28, 28, 3);

describe('IDX folder', () => {
  const cases: Array<[Naming, boolean]> = [['dash', false], ['dash', true], ['dot', false], ['dot', true]];
  it.each(cases)('reads the %s naming convention, gzipped: %s', async (naming, gz) => {
    const dir = folder(`${naming}-${gz ? 'gz' : 'plain'}`);
    writeIdxFolder(dir, train, test, naming, gz);
    const data = await loadMnist({ dir });
    expect(data.source).toBe('idx');
    expect(data.name).toBe(`idx:${dir} (12 train / 4 test)`);
    expect(sameBytes(data.train.images, train.images)).toBe(true);
    expect(Array.from(data.train.labels)).toEqual(Array.from(train.labels));
    expect(sameBytes(data.test.images, test.images)).toBe(true);
    expect(Array.from(data.test.labels)).toEqual(Array.from(test.labels));
  });

  it('accepts mixed conventions and prefers the plain file when both exist', async () => {
    const dir = folder('mixed');
    writeIdxFolder(dir, train, test, 'dot', true);
    // A plain dash-named train images file beside the gz one, with different content: it wins.
    const other = syntheticDataset(12, 28, 28, 0);
    other.images.fill(9);
    writeFile(dir, idxName('train', 'images', 'dash', false), encodeIdxImages(other), false);
    const files = findIdxFiles(dir);
    expect(path.basename(files.trainImages)).toBe('train-images-idx3-ubyte');
    expect(path.basename(files.testLabels)).toBe('t10k-labels.idx1-ubyte.gz');
    const data = await loadMnist({ dir });
    expect(data.train.images.every((p) => p === 9)).toBe(true);
  });

  it('lists the accepted names of each file', () => {
    expect(idxFileNames('testImages')).toEqual([
      't10k-images-idx3-ubyte',
      't10k-images.idx3-ubyte',
      't10k-images-idx3-ubyte.gz',
      't10k-images.idx3-ubyte.gz',
    ]);
  });

  it('resolves a relative folder to an absolute name', async () => {
    const dir = folder('relative');
    writeIdxFolder(dir, train, test);
    const data = await loadMnist({ dir: path.relative(process.cwd(), dir) });
    expect(data.name).toBe(`idx:${dir} (12 train / 4 test)`);
  });

  it('caches per folder, returns frozen data, and reloads when a file changes', async () => {
    const dir = folder('cache');
    writeIdxFolder(dir, train, test);
    const first = await loadMnist({ dir });
    expect(await loadMnist({ dir })).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.train) && Object.isFrozen(first.test)).toBe(true);
    writeIdxFolder(dir, syntheticDataset(20), test);
    const changed = await loadMnist({ dir });
    expect(changed).not.toBe(first);
    expect(changed.train.count).toBe(20);
  });

  it('a folder that does not exist, or is a file', async () => {
    const missing = path.join(root, 'nowhere');
    await expectDataError(loadMnist({ dir: missing }), 'MNIST_DIR_MISSING', new RegExp(`MNIST folder \\(configured dir\\) ${missing}: does not exist`));
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    await expectDataError(loadMnist({ dir: file }), 'MNIST_DIR_MISSING', /a-file: is not a folder/);
  });

  it('a folder without some of the files names each missing one and what is there', async () => {
    const dir = folder('incomplete');
    writeIdxFolder(dir, train, test);
    fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte'));
    fs.rmSync(path.join(dir, 'train-images-idx3-ubyte'));
    fs.writeFileSync(path.join(dir, 'README'), '');
    await expectDataError(
      loadMnist({ dir }),
      'MNIST_DIR_INCOMPLETE',
      /incomplete: missing train images \(train-images-idx3-ubyte, train-images\.idx3-ubyte or either with \.gz\); test labels \(t10k-labels-idx1-ubyte.*the folder holds: README, t10k-images-idx3-ubyte, train-labels-idx1-ubyte$/,
    );
    const empty = folder('empty');
    await expectDataError(loadMnist({ dir: empty }), 'MNIST_DIR_INCOMPLETE', /the folder is empty/);
  });

  it('a malformed file in the folder gives the reader error naming that file', async () => {
    const dir = folder('bad-file');
    writeIdxFolder(dir, train, test, 'dash', true);
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), 'not gzip');
    await expectDataError(loadMnist({ dir }), 'IDX_NOT_GZIP', /t10k-labels-idx1-ubyte\.gz: named \.gz but is not gzip/);
    // A failed load is not cached: after fixing the file, the folder loads.
    writeIdxFolder(dir, train, test, 'dash', true);
    expect((await loadMnist({ dir })).test.count).toBe(4);
  });

  it('with several broken files, the error is the same every run (the first in order)', async () => {
    const dir = folder('all-broken');
    writeIdxFolder(dir, train, test, 'dash', true);
    for (const name of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, name), 'junk');
    for (let run = 0; run < 5; run++) {
      await expectDataError(loadMnist({ dir }), 'IDX_NOT_GZIP', /train-images-idx3-ubyte\.gz: /);
    }
  });

  it('train and test images of different sizes', async () => {
    const dir = folder('shapes');
    writeIdxFolder(dir, train, syntheticDataset(4, 14, 14));
    await expectDataError(loadMnist({ dir }), 'MNIST_SHAPE_MISMATCH', /train images are 28x28 but test images are 14x14/);
  });

  it('an empty test set', async () => {
    const dir = folder('no-test');
    writeIdxFolder(dir, train, syntheticDataset(0));
    await expectDataError(loadMnist({ dir }), 'MNIST_EMPTY', /test set 0 samples/);
  });
});

describe(MNIST_DIR_ENV, () => {
  it('is honoured when no dir is given', async () => {
    const dir = folder('from-env');
    writeIdxFolder(dir, train, test);
    process.env[MNIST_DIR_ENV] = dir;
    const data = await loadMnist();
    expect(data.name).toBe(`idx:${dir} (12 train / 4 test)`);
  });

  it('is overridden by an explicit dir', async () => {
    const envDir = folder('env-loses');
    const optDir = folder('option-wins');
    writeIdxFolder(envDir, train, test);
    writeIdxFolder(optDir, syntheticDataset(7), test);
    process.env[MNIST_DIR_ENV] = envDir;
    expect((await loadMnist({ dir: optDir })).train.count).toBe(7);
  });

  it('pointing at a folder without the files is a clear error, not a fallback', async () => {
    const dir = folder('env-empty');
    fs.writeFileSync(path.join(dir, 'mnist.npz'), '');
    process.env[MNIST_DIR_ENV] = dir;
    await expectDataError(
      loadMnist(),
      'MNIST_DIR_INCOMPLETE',
      new RegExp(`^MNIST folder \\(from GRADER_MNIST_DIR\\) ${dir}: missing train images .*the folder holds: mnist\\.npz$`),
    );
    process.env[MNIST_DIR_ENV] = path.join(root, 'no-such-folder');
    await expectDataError(loadMnist(), 'MNIST_DIR_MISSING', /from GRADER_MNIST_DIR.*no-such-folder: does not exist/);
  });

  it('blank means unset: the embedded default', async () => {
    process.env[MNIST_DIR_ENV] = '  ';
    const data = await loadMnist();
    expect(data.source).toBe('embedded');
  });
});

const fashionDir = findFashionMnistDir();
if (fashionDir === undefined) {
  console.warn('SKIPPED: loadFashionMnist: /usr/share/datasets/fashion-mnist is absent (Debian package dataset-fashion-mnist)');
}
(fashionDir === undefined ? describe.skip : describe)('Fashion-MNIST convenience', () => {
  it('loads 60,000 / 10,000 and names the folder', async () => {
    const started = performance.now();
    const data = await loadFashionMnist();
    console.log(`loadFashionMnist: ${(performance.now() - started).toFixed(0)} ms`);
    expect(data.name).toBe('idx:/usr/share/datasets/fashion-mnist (60000 train / 10000 test)');
    expect([data.train.count, data.test.count]).toEqual([60_000, 10_000]);
  });
});
