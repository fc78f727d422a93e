/** Sample figures of every kind, as a test would put them in `details.figures`. */
import { FigureSchema, type Figure, type FigureImage, type FigureInput } from '../../grader/report/figures';

export function uint8Image(width: number, height: number, f: (x: number, y: number) => number): FigureImage {
  const bytes: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bytes.push(f(x, y));
  return { width, height, encoding: 'uint8', data: Buffer.from(bytes).toString('base64') };
}

export function float32Image(width: number, height: number, f: (x: number, y: number) => number): FigureImage {
  const values: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) values.push(f(x, y));
  return { width, height, encoding: 'float32', data: Buffer.from(new Float32Array(values).buffer).toString('base64') };
}

export const digit = uint8Image(28, 28, (x, y) => ((x - 14) ** 2 + (y - 14) ** 2 < 60 ? 255 : 0));
export const softDigit = float32Image(28, 28, (x, y) => Math.max(0, 1 - Math.hypot(x - 14, y - 14) / 10));

function rosenbrockGrid(rows: number, cols: number): number[] {
  const v: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const x = -2 + (4 * c) / (cols - 1);
      const y = -1 + (4 * r) / (rows - 1);
      v.push((1 - x) ** 2 + 100 * (y - x * x) ** 2);
    }
  return v;
}

export function confusion10(): number[][] {
  const m: number[][] = [];
  for (let r = 0; r < 10; r++) m.push(Array.from({ length: 10 }, (_, c) => (r === c ? 900 + r : (r + 2 * c) % 7 === 0 ? r + c : 0)));
  return m;
}

export const SAMPLES = {
  lossCurve: {
    kind: 'loss-curve',
    series: [
      { role: 'student', values: [2.3, 1.1, null, 0.5, 0.4] },
      { role: 'reference', values: [2.2, 1.0, 0.7, 0.45, 0.38] },
    ],
  },
  trajectory: {
    kind: 'trajectory',
    contour: { x: [-2, 2], y: [-1, 3], rows: 30, cols: 30, values: rosenbrockGrid(30, 30) },
    paths: [
      { role: 'student', points: [[-1.2, 1], [-1, 0.9], [null, null], [0, 0.1], [0.5, 0.3], [0.9, 0.8]] },
      { role: 'reference', points: [[-1.2, 1], [-0.9, 0.8], [0.2, 0.05], [1, 1]] },
    ],
    optimum: [1, 1],
  },
  bands: {
    kind: 'bands',
    metric: 'accuracy',
    value: 0.9712,
    better: 'higher',
    bands: [
      { threshold: 0.9, points: 1 },
      { threshold: 0.95, points: 2 },
      { threshold: 0.97, points: 3 },
    ],
    reference: 0.978,
  },
  confusion: { kind: 'confusion', labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], matrix: confusion10() },
  misclassified: {
    kind: 'misclassified',
    items: [
      { image: digit, label: 7, predicted: 1 },
      { image: softDigit, label: 4, predicted: 9 },
    ],
  },
  reconstructions: {
    kind: 'reconstructions',
    items: [
      { original: digit, noisy: softDigit, output: softDigit },
      { original: softDigit, output: digit },
    ],
  },
  tensorMismatch: {
    kind: 'tensor-mismatch',
    label: 'dW[1]',
    expectedShape: [3, 4],
    actualShape: [3, 4],
    mismatched: 5,
    total: 12,
    worst: [
      { index: [1, 2], expected: 0.5, actual: -0.25, absError: 0.75, relError: 1.5 },
      { index: [0, 0], expected: 1e-9, actual: null, absError: null, relError: null },
    ],
    grid: { rows: 3, cols: 4, values: [0, 1e-7, 1e-5, 0.001, 0.1, 1, 10, null, 0, 0, 2e-6, 3e-3] },
  },
} satisfies Record<string, FigureInput>;

export function parsed(input: FigureInput): Figure {
  return FigureSchema.parse(input);
}

export const ALL: Figure[] = Object.values(SAMPLES).map((f) => parsed(f));
