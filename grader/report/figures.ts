/**
 * The pictures a report draws, as data: a test's verdict may carry them in
 * `details.figures` (see TestVerdict.details), the HTML report renders them on the server as
 * SVG and PNG. They are part of the stored result JSON, so they stay small (a few KiB per
 * test) and carry no free text the renderer would have to trust: captions and axis titles
 * come from the renderer's own bilingual strings, picked by `kind` and `role`.
 *
 * Figures are parsed with this schema when rendered; a figure that does not parse is left
 * out of the page (with a note), never half-drawn.
 */
import { z } from 'zod';

const finite = z.number().finite();
/** A value that may be missing (a NaN loss is stored as null by the JSON normaliser). */
const maybe = finite.nullable();

/** Whose values a series shows; the renderer names and colours it. */
export const SeriesRoleSchema = z.enum(['student', 'reference', 'student-noisy', 'reference-noisy']);
export type SeriesRole = z.infer<typeof SeriesRoleSchema>;

/**
 * Base64 of one grayscale image's pixels, row-major: `uint8` 0..255, or `float32`
 * little-endian values in [0, 1] (clamped when drawn).
 */
export const ImageSchema = z.object({
  width: z.number().int().min(1).max(64),
  height: z.number().int().min(1).max(64),
  encoding: z.enum(['uint8', 'float32']),
  data: z.string().max(64 * 64 * 4 * 2),
});
export type FigureImage = z.infer<typeof ImageSchema>;

export const FigureSchema = z.discriminatedUnion('kind', [
  /** A loss per epoch: the student's against the reference's. */
  z.object({
    kind: z.literal('loss-curve'),
    /** What the y axis is: the training loss, or a reconstruction error. */
    metric: z.enum(['train-loss', 'reconstruction-mse']).default('train-loss'),
    series: z.array(z.object({ role: SeriesRoleSchema, values: z.array(maybe).max(1000) })).min(1).max(4),
  }),
  /** Optimiser paths over the contour lines of a 2-D loss. */
  z.object({
    kind: z.literal('trajectory'),
    /** The loss sampled on a grid over [x0, x1] × [y0, y1], row-major (rows along y). */
    contour: z.object({
      x: z.tuple([finite, finite]),
      y: z.tuple([finite, finite]),
      rows: z.number().int().min(2).max(100),
      cols: z.number().int().min(2).max(100),
      values: z.array(finite).max(10_000),
    }),
    paths: z.array(z.object({ role: SeriesRoleSchema, points: z.array(z.tuple([maybe, maybe])).max(2000) })).min(1).max(4),
    /** The minimum, when known. */
    optimum: z.tuple([finite, finite]).optional(),
  }),
  /** A measured value against the bands that give points. */
  z.object({
    kind: z.literal('bands'),
    metric: z.enum(['accuracy', 'reconstruction-mse', 'denoised-mse']),
    value: maybe,
    /** Higher is better (accuracy) or lower is better (errors). */
    better: z.enum(['higher', 'lower']),
    /** The thresholds, each with the points it gives. */
    bands: z.array(z.object({ threshold: finite, points: finite })).min(1).max(10),
    /** The reference solution's value on the same data, when known. */
    reference: finite.optional(),
  }),
  /** rows = true labels, columns = predicted labels. */
  z.object({
    kind: z.literal('confusion'),
    labels: z.array(z.string().max(20)).min(2).max(20),
    matrix: z.array(z.array(z.number().int().nonnegative())).max(20),
  }),
  /** Digits the model got wrong, with the true and the predicted label. */
  z.object({
    kind: z.literal('misclassified'),
    items: z.array(z.object({ image: ImageSchema, label: z.number().int(), predicted: z.number().int() })).max(24),
  }),
  /** Autoencoder inputs and outputs, one column per test image. */
  z.object({
    kind: z.literal('reconstructions'),
    items: z.array(z.object({ original: ImageSchema, noisy: ImageSchema.optional(), output: ImageSchema })).max(16),
  }),
  /** A tensor that differs from the expected one: the worst entries and a relative-error map. */
  z.object({
    kind: z.literal('tensor-mismatch'),
    /** What was compared, e.g. 'dW[1]' (code, shown in monospace). */
    label: z.string().max(200),
    expectedShape: z.array(z.number().int().nonnegative()).max(8).optional(),
    actualShape: z.array(z.number().int().nonnegative()).max(8).optional(),
    mismatched: z.number().int().nonnegative().optional(),
    total: z.number().int().nonnegative().optional(),
    worst: z
      .array(z.object({ index: z.array(z.number().int()), expected: maybe, actual: maybe, absError: maybe, relError: maybe }))
      .max(10)
      .default([]),
    grid: z
      .object({ rows: z.number().int().min(1).max(32), cols: z.number().int().min(1).max(32), values: z.array(maybe).max(1024) })
      .optional(),
  }),
]);
export type Figure = z.infer<typeof FigureSchema>;
export type FigureInput = z.input<typeof FigureSchema>;

/** Reads the figures of a test's details; malformed ones are counted, not thrown. */
export function figuresOf(details: unknown): { figures: Figure[]; malformed: number } {
  if (typeof details !== 'object' || details === null || !('figures' in details)) return { figures: [], malformed: 0 };
  const raw = (details as { figures: unknown }).figures;
  if (!Array.isArray(raw)) return { figures: [], malformed: 1 };
  const figures: Figure[] = [];
  let malformed = 0;
  for (const f of raw) {
    const parsed = FigureSchema.safeParse(f);
    if (parsed.success) figures.push(parsed.data);
    else malformed++;
  }
  return { figures, malformed };
}
