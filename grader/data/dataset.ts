/**
 * The Dataset type of the student contract (assignment mnist-loader and the training
 * assignments), and the helpers that cut, copy and check datasets.
 *
 * SECURITY: which data may reach student code.
 *   The training split may be handed to student code (it runs in the untrusted runner).
 *   The test split's LABELS must never enter the runner: the trusted process evaluates
 *   trained models on the test set itself. When a test needs test images inside the runner
 *   (e.g. to ask a student model for predictions), send `testImagesOnly(test)`: a fresh
 *   copy of the images with no labels and no reference to any buffer that holds labels.
 *   Never send a Dataset object from `loadMnist().test` (nor a subset or slice of it).
 *   Datasets sent to the runner go through `toPlain` (fresh, exactly-sized buffers holding
 *   only the five contract fields); whatever comes back is checked with `parseDataset` /
 *   `parseUnlabelledImages`.
 *
 * Datasets returned by the loaders are cached and shared within the process: treat them as
 * read-only. `subset`, `sliceDataset`, `toPlain` and `testImagesOnly` always copy.
 */
import { z } from 'zod';
import { DatasetValidationError } from './data-errors';

/** The student contract's dataset: `count` images of rows x cols bytes, in IDX order. */
export interface Dataset {
  /** count·rows·cols bytes, 0..255, image after image, row after row (IDX order). */
  images: Uint8Array;
  /** count labels, 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Images without labels: what may cross into the runner from the test split. */
export interface UnlabelledImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Number of classes of MNIST and Fashion-MNIST (labels 0..9). */
export const NUM_CLASSES = 10;

/** A Uint8Array of any backing buffer (z.instanceof would narrow it to Uint8Array<ArrayBuffer>). */
function bytes(field: string) {
  return z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: `${field} must be a Uint8Array` });
}

const shapeFields = {
  images: bytes('images'),
  count: z.number().int().nonnegative(),
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
};

function checkImageSize(v: { images: Uint8Array; count: number; rows: number; cols: number }, ctx: z.RefinementCtx): void {
  const expected = v.count * v.rows * v.cols;
  if (v.images.length !== expected) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['images'],
      message: `images holds ${v.images.length} bytes, expected count·rows·cols = ${v.count}·${v.rows}·${v.cols} = ${expected}`,
    });
  }
}

/**
 * A Dataset as plain data, e.g. after crossing a process boundary. Checks types and sizes
 * (images = count·rows·cols bytes, labels = count bytes) and that labels are < NUM_CLASSES.
 * Extra keys are rejected, so nothing rides along unnoticed.
 */
export const DatasetSchema = z
  .object({ ...shapeFields, labels: bytes('labels') })
  .strict()
  .superRefine((v, ctx) => {
    checkImageSize(v, ctx);
    if (v.labels.length !== v.count) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['labels'],
        message: `labels holds ${v.labels.length} entries, expected count = ${v.count}`,
      });
      return;
    }
    const bad = v.labels.findIndex((l) => l >= NUM_CLASSES);
    if (bad >= 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['labels', bad],
        message: `label ${v.labels[bad]} at index ${bad} is outside 0..${NUM_CLASSES - 1}`,
      });
    }
  });

/** Images without labels. Strict: an object carrying `labels` (or anything else) is refused. */
export const UnlabelledImagesSchema = z.object(shapeFields).strict().superRefine(checkImageSize);

// The schemas and the contract interfaces describe the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDataset: Same<z.infer<typeof DatasetSchema>, Dataset> = true;
const schemaMatchesImages: Same<z.infer<typeof UnlabelledImagesSchema>, UnlabelledImages> = true;
void schemaMatchesDataset;
void schemaMatchesImages;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Validates a value that should be a Dataset; `what` names it in the error (e.g. 'train set from the runner'). */
export function parseDataset(value: unknown, what = 'dataset'): Dataset {
  const parsed = DatasetSchema.safeParse(value);
  if (!parsed.success) throw new DatasetValidationError('DATASET_INVALID', what, describeIssues(parsed.error));
  const { images, labels, count, rows, cols } = parsed.data;
  return { images, labels, count, rows, cols };
}

/** Validates a value that should be unlabelled images (and refuses one that carries labels). */
export function parseUnlabelledImages(value: unknown, what = 'images'): UnlabelledImages {
  const parsed = UnlabelledImagesSchema.safeParse(value);
  if (!parsed.success) throw new DatasetValidationError('DATASET_INVALID', what, describeIssues(parsed.error));
  const { images, count, rows, cols } = parsed.data;
  return { images, count, rows, cols };
}

/** A copy that owns its bytes (a plain Uint8Array, offset 0, exactly sized; never a Buffer view). */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * A fresh plain Dataset ready to cross a process boundary: exactly the five contract fields,
 * each array a new exactly-sized Uint8Array (no shared or larger underlying buffer). Checks
 * the input first.
 */
export function toPlain(ds: Dataset): Dataset {
  const checked = parseDataset(ds);
  return {
    images: ownedCopy(checked.images),
    labels: ownedCopy(checked.labels),
    count: checked.count,
    rows: checked.rows,
    cols: checked.cols,
  };
}

/**
 * The images of a (test) dataset without its labels, as a fresh copy: the only form in which
 * test-split data may be sent to the runner. See the security note at the top of this file.
 */
export function testImagesOnly(ds: Dataset | UnlabelledImages): UnlabelledImages {
  const size = ds.count * ds.rows * ds.cols;
  if (ds.images.length !== size) {
    throw new DatasetValidationError('DATASET_INVALID', 'testImagesOnly', `images holds ${ds.images.length} bytes, expected ${size}`);
  }
  return { images: ownedCopy(ds.images), count: ds.count, rows: ds.rows, cols: ds.cols };
}

/** The samples at `indices` (in that order; repeats allowed), copied. */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const pixels = ds.rows * ds.cols;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new DatasetValidationError('DATASET_RANGE', 'subset', `indices[${k}] = ${i} is not an index of a dataset of ${ds.count} samples`);
    }
    images.set(ds.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    labels[k] = ds.labels[i];
  }
  return { images, labels, count: indices.length, rows: ds.rows, cols: ds.cols };
}

/** Samples start..end-1 (like Array.prototype.slice but without negative indices), copied. */
export function sliceDataset(ds: Dataset, start: number, end: number = ds.count): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > ds.count) {
    throw new DatasetValidationError('DATASET_RANGE', 'sliceDataset', `[${start}, ${end}) is not a range within 0..${ds.count}`);
  }
  const pixels = ds.rows * ds.cols;
  return {
    images: ownedCopy(ds.images.subarray(start * pixels, end * pixels)),
    labels: ownedCopy(ds.labels.subarray(start, end)),
    count: end - start,
    rows: ds.rows,
    cols: ds.cols,
  };
}

/** How many samples of each label 0..NUM_CLASSES-1. */
export function labelCounts(ds: Pick<Dataset, 'labels'>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const l of ds.labels) if (l < NUM_CLASSES) counts[l]++;
  return counts;
}
