/**
 * Reader (and a small writer) for the IDX format of MNIST and Fashion-MNIST:
 *
 *   bytes 0-1  zero      byte 2  element type (0x08 = unsigned byte)      byte 3  dimensions
 *   then one big-endian uint32 per dimension, then the elements in row-major order.
 *
 * Images files have magic 0x00000803 (count, rows, cols), labels files 0x00000801 (count).
 * Files may be gzipped: a name ending in .gz must hold gzip data; a plain name holding gzip
 * data is decompressed too (an IDX header starts with 0x00, gzip with 0x1f 0x8b, so there is
 * no ambiguity). Every problem is an IdxFormatError whose message starts with the file name.
 */
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { IdxFormatError } from './data-errors';
import { NUM_CLASSES, type Dataset } from './dataset';
import { allInOrder } from './settle';

export const IDX_MAGIC_IMAGES = 0x00000803;
export const IDX_MAGIC_LABELS = 0x00000801;
const IDX_TYPE_UBYTE = 0x08;
/** Refuse to inflate beyond this (the full MNIST train images are 47 MB). */
const MAX_INFLATED_BYTES = 1 << 30;

const gunzip = promisify(zlib.gunzip);

export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function describeMagic(magic: number): string {
  if (magic >>> 16 !== 0) return 'not an IDX header';
  const type = (magic >>> 8) & 0xff;
  const dims = magic & 0xff;
  const typeName: Record<number, string> = { 0x08: 'unsigned bytes', 0x09: 'signed bytes', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
  const guess = type === IDX_TYPE_UBYTE && dims === 1 ? ': a labels file?' : type === IDX_TYPE_UBYTE && dims === 3 ? ': an images file?' : '';
  return `IDX of ${typeName[type] ?? `unknown element type 0x${type.toString(16)}`}, ${dims} dimension(s)${guess}`;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file and inflates it when it is gzip. */
export async function readIdxBytes(file: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await fsp.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'file not found' : err.code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${err.code ?? err.message})`;
    throw new IdxFormatError('IDX_FILE_MISSING', file, why);
  }
  const namedGz = file.toLowerCase().endsWith('.gz');
  if (!isGzip(raw)) {
    if (!namedGz) return raw;
    const looksIdx = raw.length >= 4 && raw[0] === 0 && raw[1] === 0 && raw[2] === IDX_TYPE_UBYTE;
    throw new IdxFormatError(
      'IDX_NOT_GZIP',
      file,
      `named .gz but is not gzip data (starts with ${Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing: empty file'}, gzip starts with 1f 8b)` +
        (looksIdx ? '; it looks like an uncompressed IDX file: remove the .gz from its name' : ''),
    );
  }
  try {
    return await gunzip(raw, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    throw new IdxFormatError('IDX_CORRUPT_GZIP', file, `gzip data does not decompress (${(e as Error).message}); the download may be damaged or cut short`);
  }
}

/** Parses an IDX header of unsigned bytes with the expected magic; returns the dims and the data offset. */
function parseHeader(bytes: Uint8Array, file: string, expectedMagic: number, what: string): { dims: number[]; offset: number } {
  if (bytes.length < 4) {
    throw new IdxFormatError('IDX_TRUNCATED', file, `only ${bytes.length} byte(s), too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new IdxFormatError(
      'IDX_BAD_MAGIC',
      file,
      `magic number ${hex32(magic)} (${describeMagic(magic)}), expected ${hex32(expectedMagic)} for ${what}`,
    );
  }
  const ndims = magic & 0xff;
  const offset = 4 + 4 * ndims;
  if (bytes.length < offset) {
    throw new IdxFormatError('IDX_TRUNCATED', file, `${bytes.length} bytes, too short for the ${offset}-byte header of ${what}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  return { dims, offset };
}

function checkPayload(bytes: Uint8Array, file: string, offset: number, dims: number[], unit: string): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - offset;
  const formula = dims.length > 1 ? `${dims.join('·')} = ${expected}` : `${expected}`;
  if (actual < expected) {
    throw new IdxFormatError('IDX_TRUNCATED', file, `holds ${actual} bytes of ${unit}, the header announces ${formula}: the file is cut short`);
  }
  if (actual > expected) {
    throw new IdxFormatError('IDX_TRAILING_DATA', file, `holds ${actual} bytes of ${unit}, the header announces ${formula}: ${actual - expected} unexpected byte(s) at the end`);
  }
}

/** Decodes an (already inflated) IDX images file. `file` only names it in errors. */
export function decodeIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { dims, offset } = parseHeader(bytes, file, IDX_MAGIC_IMAGES, 'an images file (unsigned bytes, 3 dimensions: count, rows, cols)');
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) {
    throw new IdxFormatError('IDX_BAD_DIMENSIONS', file, `images of ${rows}x${cols} pixels (rows and cols must be at least 1)`);
  }
  checkPayload(bytes, file, offset, dims, 'pixels');
  // A copy that owns its bytes: a plain Uint8Array, never a view of the inflated Buffer.
  return { images: new Uint8Array(bytes.subarray(offset)), count, rows, cols };
}

/** Decodes an (already inflated) IDX labels file and checks every label is 0..9. */
export function decodeIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  const { dims, offset } = parseHeader(bytes, file, IDX_MAGIC_LABELS, 'a labels file (unsigned bytes, 1 dimension: count)');
  checkPayload(bytes, file, offset, dims, 'labels');
  const labels = new Uint8Array(bytes.subarray(offset));
  const bad = labels.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) {
    throw new IdxFormatError('IDX_LABEL_OUT_OF_RANGE', file, `label ${labels[bad]} at index ${bad} is outside 0..${NUM_CLASSES - 1}`);
  }
  return labels;
}

export async function readIdxImages(file: string): Promise<IdxImages> {
  return decodeIdxImages(await readIdxBytes(file), file);
}

export async function readIdxLabels(file: string): Promise<Uint8Array> {
  return decodeIdxLabels(await readIdxBytes(file), file);
}

/** Reads an images file and its labels file (in parallel) into a Dataset; the counts must agree. */
export async function readIdxDataset(imagesFile: string, labelsFile: string): Promise<Dataset> {
  const [img, labels] = await allInOrder<[IdxImages, Uint8Array]>([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (img.count !== labels.length) {
    throw new IdxFormatError(
      'IDX_COUNT_MISMATCH',
      imagesFile,
      `holds ${img.count} images but ${labelsFile} holds ${labels.length} labels; they must be the same set`,
    );
  }
  return { images: img.images, labels, count: img.count, rows: img.rows, cols: img.cols };
}

function header(magic: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The bytes of an IDX images file (uncompressed) for `ds`. */
export function encodeIdxImages(ds: IdxImages): Uint8Array {
  return concat(header(IDX_MAGIC_IMAGES, [ds.count, ds.rows, ds.cols]), ds.images);
}

/** The bytes of an IDX labels file (uncompressed). */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  return concat(header(IDX_MAGIC_LABELS, [labels.length]), labels);
}
