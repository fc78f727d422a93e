/**
 * Grayscale PNG encoding for the digit images of a report (misclassified digits, autoencoder
 * reconstructions), with node:zlib and no other dependency.
 *
 * Error handling: `decodeImagePixels`, `grayscalePng` and `pngDataUri` throw an
 * `ImageDataError` (with a stable `code`) when an image's base64 is malformed or decodes to
 * the wrong number of bytes. They never return a half-valid image. The figure renderer
 * catches that error and draws a clearly marked placeholder in the image's place, so one bad
 * image never hides the rest of the figure.
 */
import { deflateSync } from 'node:zlib';
import type { FigureImage } from './figures';

export type ImageDataErrorCode = 'bad-base64' | 'bad-length' | 'bad-size';

/** An image whose data cannot be drawn. */
export class ImageDataError extends Error {
  override readonly name = 'ImageDataError';
  constructor(
    readonly code: ImageDataErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The largest upscaling factor accepted (64 px × 16 = 1024 px per side). */
export const MAX_SCALE = 16;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (standard alphabet, padding optional but never misplaced). */
function decodeBase64(data: string): Buffer {
  if (!BASE64.test(data) || data.length % 4 === 1) throw new ImageDataError('bad-base64', 'image data is not valid base64');
  const padded = data.includes('=') ? data : data + '='.repeat((4 - (data.length % 4)) % 4);
  if (padded.length % 4 !== 0) throw new ImageDataError('bad-base64', 'image data is not valid base64');
  return Buffer.from(padded, 'base64');
}

/**
 * The image's pixels as 0..255 grayscale bytes, row-major. Float32 values are clamped to
 * [0, 1] (NaN → 0) and rounded.
 */
export function decodeImagePixels(image: FigureImage): Uint8Array {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 4096 || height > 4096) {
    throw new ImageDataError('bad-size', `image size ${width}×${height} is not drawable`);
  }
  const bytes = decodeBase64(image.data);
  const n = width * height;
  if (image.encoding === 'uint8') {
    if (bytes.length !== n) throw new ImageDataError('bad-length', `expected ${n} bytes of uint8 pixels, got ${bytes.length}`);
    return new Uint8Array(bytes);
  }
  if (bytes.length !== n * 4) throw new ImageDataError('bad-length', `expected ${n * 4} bytes of float32 pixels, got ${bytes.length}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = bytes.readFloatLE(i * 4);
    const c = Number.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    out[i] = Math.round(c * 255);
  }
  return out;
}

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as in PNG and zlib) of the bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function normScale(scale: number): number {
  if (!Number.isFinite(scale)) return 1;
  return Math.max(1, Math.min(MAX_SCALE, Math.round(scale)));
}

/**
 * An 8-bit grayscale PNG of the image, upscaled `scale` times (an integer from 1 to
 * MAX_SCALE, rounded and clamped) by nearest neighbour so digits stay crisp.
 * Throws ImageDataError for malformed image data.
 */
export function grayscalePng(image: FigureImage, scale = 1): Buffer {
  const pixels = decodeImagePixels(image);
  const s = normScale(scale);
  const w = image.width * s;
  const h = image.height * s;
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) {
    const rowStart = y * (w + 1);
    raw[rowStart] = 0; // filter type: none
    const src = Math.floor(y / s) * image.width;
    for (let x = 0; x < w; x++) raw[rowStart + 1 + x] = pixels[src + Math.floor(x / s)];
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

/** `data:image/png;base64,…` of `grayscalePng(image, scale)`. Throws ImageDataError. */
export function pngDataUri(image: FigureImage, scale = 1): string {
  return `data:image/png;base64,${grayscalePng(image, scale).toString('base64')}`;
}
