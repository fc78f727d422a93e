import { inflateSync } from 'node:zlib';
import type { FigureImage } from '../../grader/report/figures';
import { ImageDataError, MAX_SCALE, crc32, decodeImagePixels, grayscalePng, pngDataUri } from '../../grader/report/png';

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

/** Splits a PNG into its chunks, checking the signature and every CRC. */
function parsePng(png: Buffer): Chunk[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = png.readUInt32BE(at + 8 + len);
    chunks.push({ type, data, crcOk: crc === crc32(png.subarray(at + 4, at + 8 + len)) });
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  return chunks;
}

/** The decoded rows of an 8-bit grayscale PNG with filter type 0 on every row. */
function pixelsOf(png: Buffer): { width: number; height: number; rows: number[][] } {
  const chunks = parsePng(png);
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  expect(chunks.every((c) => c.crcOk)).toBe(true);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 0, 0, 0, 0]);
  expect(chunks[2].data.length).toBe(0);
  const raw = inflateSync(chunks[1].data);
  expect(raw.length).toBe((width + 1) * height);
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0);
    rows.push([...raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1))]);
  }
  return { width, height, rows };
}

function uint8Image(width: number, height: number, bytes: number[]): FigureImage {
  return { width, height, encoding: 'uint8', data: Buffer.from(bytes).toString('base64') };
}

function float32Image(width: number, height: number, values: number[]): FigureImage {
  return { width, height, encoding: 'float32', data: Buffer.from(new Float32Array(values).buffer).toString('base64') };
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('grayscalePng', () => {
  const tiny = uint8Image(3, 2, [0, 128, 255, 10, 20, 30]);

  it('writes a valid 8-bit grayscale PNG with the exact pixels', () => {
    const { width, height, rows } = pixelsOf(grayscalePng(tiny));
    expect([width, height]).toEqual([3, 2]);
    expect(rows).toEqual([
      [0, 128, 255],
      [10, 20, 30],
    ]);
  });

  it('upscales by nearest neighbour', () => {
    const { width, height, rows } = pixelsOf(grayscalePng(tiny, 2));
    expect([width, height]).toEqual([6, 4]);
    expect(rows).toEqual([
      [0, 0, 128, 128, 255, 255],
      [0, 0, 128, 128, 255, 255],
      [10, 10, 20, 20, 30, 30],
      [10, 10, 20, 20, 30, 30],
    ]);
  });

  it('rounds and clamps the scale', () => {
    expect(pixelsOf(grayscalePng(tiny, 0)).width).toBe(3);
    expect(pixelsOf(grayscalePng(tiny, Number.NaN)).width).toBe(3);
    expect(pixelsOf(grayscalePng(tiny, 2.6)).width).toBe(9);
    expect(pixelsOf(grayscalePng(tiny, 1000)).width).toBe(3 * MAX_SCALE);
  });

  it('draws a 28×28 digit at 3× as 84×84', () => {
    const digit = uint8Image(28, 28, Array.from({ length: 784 }, (_, i) => i % 256));
    const { width, height, rows } = pixelsOf(grayscalePng(digit, 3));
    expect([width, height]).toEqual([84, 84]);
    expect(rows[83][83]).toBe((27 * 28 + 27) % 256);
    expect(rows[5].slice(0, 6)).toEqual([28, 28, 28, 29, 29, 29]);
  });

  it('clamps float32 pixels to [0, 1] and maps NaN to black', () => {
    const img = float32Image(6, 1, [-1, 0, 0.5, 1, 2, Number.NaN]);
    expect([...decodeImagePixels(img)]).toEqual([0, 0, 128, 255, 255, 0]);
    expect(pixelsOf(grayscalePng(img)).rows).toEqual([[0, 0, 128, 255, 255, 0]]);
  });

  it('accepts unpadded base64', () => {
    const img = uint8Image(2, 2, [1, 2, 3, 4]);
    expect(img.data.endsWith('=')).toBe(true);
    expect([...decodeImagePixels({ ...img, data: img.data.replace(/=+$/, '') })]).toEqual([1, 2, 3, 4]);
  });

  it('throws a typed error for malformed base64 or the wrong byte count', () => {
    const codeOf = (img: FigureImage): string | undefined => {
      try {
        grayscalePng(img);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(ImageDataError);
        return (e as ImageDataError).code;
      }
    };
    expect(codeOf({ ...tiny, data: 'not base64!!' })).toBe('bad-base64');
    expect(codeOf({ ...tiny, data: 'AAAAA' })).toBe('bad-base64');
    expect(codeOf({ ...tiny, data: 'AA=A' })).toBe('bad-base64');
    expect(codeOf({ ...tiny, data: Buffer.from([1, 2, 3]).toString('base64') })).toBe('bad-length');
    expect(codeOf({ ...tiny, encoding: 'float32' })).toBe('bad-length');
    expect(codeOf({ ...tiny, width: 0 })).toBe('bad-size');
    expect(() => pngDataUri({ ...tiny, data: '' })).toThrow(ImageDataError);
  });
});

describe('pngDataUri', () => {
  it('is a base64 PNG data URI', () => {
    const uri = pngDataUri(uint8Image(1, 1, [200]), 2);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const { rows } = pixelsOf(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64'));
    expect(rows).toEqual([
      [200, 200],
      [200, 200],
    ]);
  });
});
