/**
 * mnist-loader: the synthetic data sets that carry their sample index (the grader reads the
 * order of the samples back from any scaling of the pixels), the reference's properties, the
 * reference graded as a submission, and the shared statement and starter checks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { indexedDataset, readIndex, CODE_PIXELS } from '../../assignments/mnist-loader/probes';
import { chiSquareBound, naiveSwapTable, UNIFORM } from '../../assignments/mnist-loader/spec';
import type { Contract } from '../../assignments/mnist-loader/contract';
import { initBackend } from '../../grader/tensors';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { getAssignment } from '../../grader/spec/discover';
import * as reference from '../../reference/mnist-loader';
import { exportedFunctions, starterChecks, statementChecks } from './mnist-course-checks';

// Compile-time: `tsc -p .` fails here when the reference drifts from the contract.
const contract: Contract = reference;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('indexedDataset / readIndex', () => {
  const ds = indexedDataset(300, 5, 6, 1);

  it('makes images of bytes that carry their index, with seeded labels', () => {
    expect(ds.images.length).toBe(300 * 30);
    expect(ds.labels.every((l) => l < 10)).toBe(true);
    expect(indexedDataset(300, 5, 6, 1)).toEqual(ds);
    expect(indexedDataset(300, 5, 6, 2).labels).not.toEqual(ds.labels);
  });

  it.each([
    ['raw bytes', (b: number) => b],
    ['ToTensor', (b: number) => b / 255],
    ['normalised', (b: number) => (b / 255 - 0.1307) / 0.3081],
  ])('reads the index back from %s', (_name, transform) => {
    const values = Float32Array.from(ds.images, transform);
    for (const i of [0, 1, 2, 127, 255, 299]) expect(readIndex(values, i * 30)).toBe(i);
  });

  it('says -1 when the markers are missing', () => {
    expect(readIndex(new Float32Array(CODE_PIXELS), 0)).toBe(-1);
    expect(readIndex(Float32Array.from({ length: CODE_PIXELS }, (_, k) => (k === 0 ? 1 : 0)), 0)).toBe(-1);
  });

  it('refuses images too small to carry an index', () => {
    expect(() => indexedDataset(3, 4, 4, 1)).toThrow(/cannot carry an index/);
  });
});

describe('the reference loader', () => {
  const ds = indexedDataset(50, 5, 6, 3);

  function order(options: Parameters<typeof reference.batches>[1], epoch = 0): { sizes: number[]; indices: number[] } {
    const sizes: number[] = [];
    const indices: number[] = [];
    for (const { x, y } of contract.batches(ds, options, epoch)) {
      sizes.push(x.shape[0]);
      const values = x.dataSync();
      for (let k = 0; k < x.shape[0]; k++) indices.push(readIndex(values, k * 30));
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      tf.dispose([x, y]);
    }
    return { sizes, indices };
  }

  it('exports exactly batches', () => {
    expect(exportedFunctions(reference)).toEqual(['batches']);
  });

  it('serves every sample once, in a permutation fixed by (seed, epoch)', () => {
    const a = order({ batchSize: 8, shuffle: true, seed: 5 }, 1);
    expect(a.sizes).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect([...a.indices].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order({ batchSize: 8, shuffle: true, seed: 5 }, 1).indices).toEqual(a.indices);
    expect(order({ batchSize: 8, shuffle: true, seed: 5 }, 2).indices).not.toEqual(a.indices);
    expect(order({ batchSize: 8, shuffle: true, seed: 6 }, 1).indices).not.toEqual(a.indices);
  });

  it('keeps the file order without shuffle and drops only a partial batch with dropLast', () => {
    expect(order({ batchSize: 8, shuffle: false }).indices).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order({ batchSize: 8, shuffle: false, dropLast: true }).sizes).toEqual([8, 8, 8, 8, 8, 8]);
    expect(order({ batchSize: 10, shuffle: false, dropLast: true }).sizes).toEqual([10, 10, 10, 10, 10]);
  });

  it('makes no tensor but the yielded batches', () => {
    const before = tf.memory().numTensors;
    order({ batchSize: 7, shuffle: true, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the reference, graded as a submission', () => {
  it('gets 10 of 10', async () => {
    const assignment = getAssignment('mnist-loader');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-mnist-loader-'));
    try {
      fs.mkdirSync(path.join(root, 'mnist-loader'));
      fs.copyFileSync(path.join(assignment.dir, '..', '..', 'reference', 'mnist-loader.ts'), path.join(root, 'mnist-loader', 'solution.ts'));
      const result = await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm' });
      expect(result.tests.filter((t) => t.status !== 'passed').map((t) => `${t.name}: ${t.output}`)).toEqual([]);
      expect(result.score).toBe(10);
      expect(result.dataset).toMatch(/^synthetic/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

statementChecks('mnist-loader');
starterChecks('mnist-loader');

describe('the uniformity bound of the shuffle test', () => {
  const { count: n, runs: m } = UNIFORM;

  function mulberry(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
  }
  const fisherYates = (r: () => number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const forwardFisherYates = (r: () => number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n - 1; i++) {
      const j = i + Math.floor(r() * (n - i));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const sortByKeys = (r: () => number) => {
    const keys = Array.from({ length: n }, () => r());
    return Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
  };
  const naiveSwap = (r: () => number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      const j = Math.floor(r() * n);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const comparator = (r: () => number) => Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);

  function chi(perm: (r: () => number) => number[], generator: (seed: number) => () => number, seedOf: (k: number) => number): number {
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let k = 0; k < m; k++) perm(generator(seedOf(k))).forEach((e, p) => counts[e][p]++);
    const even = m / n;
    return counts.flat().reduce((sum, c) => sum + (c - even) ** 2 / even, 0);
  }

  const seedsLikeTheTest = (k: number) => (Math.imul(k + 1, 0x9e3779b1) >>> 2) * 1000 + k;

  it.each([
    ['Fisher–Yates, mulberry32', fisherYates, mulberry],
    ['Fisher–Yates forwards, mulberry32', forwardFisherYates, mulberry],
    ['sort by random keys, mulberry32', sortByKeys, mulberry],
    ['Fisher–Yates, an LCG', fisherYates, lcg],
    ['sort by random keys, an LCG', sortByKeys, lcg],
  ] as const)('%s stays far below it', (_name, perm, generator) => {
    expect(chi(perm, generator, seedsLikeTheTest)).toBeLessThan(chiSquareBound(n) - 4 * Math.sqrt(2 * (n - 1) ** 2));
  });

  it.each([
    ['swap with any index', naiveSwap],
    ['a random comparator in sort', comparator],
  ] as const)('%s exceeds it by far', (_name, perm) => {
    expect(chi(perm, mulberry, seedsLikeTheTest)).toBeGreaterThan(1.5 * chiSquareBound(n));
  });

  it('the table of swapping with any index has rows and columns that sum to 1', () => {
    const table = naiveSwapTable(n);
    for (const row of table) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    for (let p = 0; p < n; p++) expect(table.reduce((a, row) => a + row[p], 0)).toBeCloseTo(1, 10);
  });
});
