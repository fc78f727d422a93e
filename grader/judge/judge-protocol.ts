/**
 * Messages between the grader and its judge process (Node IPC, advanced serialization, so
 * typed arrays travel as such). What the judge sends is validated here before use: the judge is
 * trusted code, but it works on hostile models, and a reply that does not parse is a failure.
 */
import { types } from 'node:util';
import { z } from 'zod';
import { ModelFactsSchema } from './model-facts';

const TextSchema = z.object({ en: z.string().max(20_000), ru: z.string().max(20_000) });
// By tag, not instanceof: values decoded by Node may belong to another realm (jest's).
const Float32Schema = z.custom<Float32Array>((v) => types.isFloat32Array(v), 'a Float32Array');
const DimsSchema = z.array(z.number().int().nonnegative()).max(16);

export interface LoadRequest {
  type: 'load';
  id: number;
  what: string;
  artifacts: { modelTopology: unknown; weightSpecs: unknown[]; weightData: ArrayBuffer };
}
export interface PredictRequest {
  type: 'predict';
  id: number;
  handle: number;
  inputs: Float32Array;
  shape: number[];
  batchSize: number;
}
export interface DisposeRequest {
  type: 'dispose';
  id: number;
  handle: number;
}
export type JudgeRequest = LoadRequest | PredictRequest | DisposeRequest;

export const BudgetSchema = z.object({
  declaredParams: z.number(),
  suppliedParams: z.number(),
  macsPerImage: z.number(),
  activationsPerImage: z.number(),
  layers: z.number(),
  heaviest: z.array(z.object({ name: z.string(), className: z.string(), macs: z.number() })).max(3),
});

export const JudgeReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: z.string() }),
  z.object({ type: z.literal('loaded'), id: z.number(), handle: z.number(), facts: ModelFactsSchema, budget: BudgetSchema }),
  /** The model is refused (over budget, unreadable, not loadable): the student's message. */
  z.object({ type: z.literal('refused'), id: z.number(), text: TextSchema }),
  z.object({ type: z.literal('predicted'), id: z.number(), values: Float32Schema, shape: DimsSchema }),
  /** The model cannot take the inputs (`message`: TF.js's first line), or has several outputs. */
  z.object({ type: z.literal('predict-failed'), id: z.number(), message: z.string().max(2_000), outputs: z.number().int().optional() }),
  z.object({ type: z.literal('disposed'), id: z.number() }),
  /** Something unexpected in the judge (a bug, not the student's). */
  z.object({ type: z.literal('error'), id: z.number(), message: z.string().max(5_000) }),
]);
export type JudgeReply = z.infer<typeof JudgeReplySchema>;
