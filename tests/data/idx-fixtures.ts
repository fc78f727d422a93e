/** Small synthetic IDX datasets written to temp folders, for the data tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Dataset } from '../../grader/data/dataset';
import { encodeIdxImages, encodeIdxLabels } from '../../grader/data/idx';

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** `count` images of rows x cols with pixel (n, i) = (7n + i) mod 256, labels n mod 10. */
export function syntheticDataset(count: number, rows = 28, cols = 28, labelOffset = 0): Dataset {
  const images = new Uint8Array(count * rows * cols);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < rows * cols; i++) images[n * rows * cols + i] = (7 * n + i) & 0xff;
  }
  const labels = Uint8Array.from({ length: count }, (_, n) => (n + labelOffset) % 10);
  return { images, labels, count, rows, cols };
}

export type Naming = 'dash' | 'dot';

export function idxName(prefix: 'train' | 't10k', kind: 'images' | 'labels', naming: Naming, gz: boolean): string {
  const dims = kind === 'images' ? 3 : 1;
  return `${prefix}-${kind}${naming === 'dash' ? '-' : '.'}idx${dims}-ubyte${gz ? '.gz' : ''}`;
}

export function writeFile(dir: string, name: string, bytes: Uint8Array, gz: boolean): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, gz ? zlib.gzipSync(bytes) : bytes);
  return file;
}

/** Writes the four files of `train` and `test` into `dir` with a naming convention. */
export function writeIdxFolder(dir: string, train: Dataset, test: Dataset, naming: Naming = 'dash', gz = false): void {
  for (const [prefix, ds] of [['train', train], ['t10k', test]] as const) {
    writeFile(dir, idxName(prefix, 'images', naming, gz), encodeIdxImages(ds), gz);
    writeFile(dir, idxName(prefix, 'labels', naming, gz), encodeIdxLabels(ds.labels), gz);
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
