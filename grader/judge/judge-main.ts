/**
 * The judge process: loads students' saved models and runs them on images the grader sends,
 * within limits the grader enforces from outside (heap cap, resident-memory watch, wall-clock
 * limit per request). It never runs student code: it deserialises layer configs of TF.js's
 * built-in classes (the grader refuses custom classes before sending), after measuring the
 * topology's cost without allocating a tensor (model-budget.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendName } from '../tensors';
import { budgetProblem, loadFailedText, unmeasurableText } from './budget-verdict';
import type { JudgeReply, JudgeRequest, LoadRequest, PredictRequest } from './judge-protocol';
import { localArtifacts, weightBytes } from './model-artifacts';
import { batchSizeFor, measureTopology, UnmeasurableModelError, type ModelBudget } from './model-budget';
import { modelFacts } from './model-facts';

const models = new Map<number, { model: tf.LayersModel; budget: ModelBudget }>();
let nextHandle = 1;

function send(reply: JudgeReply): void {
  process.send?.(reply);
}

/** An error after which the tensor backend cannot be trusted (wasm abort, out of memory). */
function isFatal(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return (err instanceof Error && err.name === 'RuntimeError') || /Aborted\(|out of memory|Cannot allocate|Array buffer allocation failed/i.test(message);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}

async function load(request: LoadRequest): Promise<JudgeReply> {
  const { id, what } = request;
  const artifacts = localArtifacts(request.artifacts as tf.io.ModelArtifacts);
  let budget: ModelBudget;
  try {
    budget = await measureTopology(artifacts.modelTopology, artifacts.weightSpecs ?? [], weightBytes(artifacts.weightData));
  } catch (err) {
    if (err instanceof UnmeasurableModelError || err instanceof RangeError) return { type: 'refused', id, text: unmeasurableText(what, firstLine(err)) };
    throw err;
  }
  const problem = budgetProblem(budget, what);
  if (problem !== null) return { type: 'refused', id, text: problem };
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    if (isFatal(err)) throw err;
    return { type: 'refused', id, text: loadFailedText(what, firstLine(err)) };
  }
  const handle = nextHandle++;
  models.set(handle, { model, budget });
  return { type: 'loaded', id, handle, facts: modelFacts(model), budget };
}

function predict(request: PredictRequest): JudgeReply {
  const { id } = request;
  const entry = models.get(request.handle);
  if (entry === undefined) return { type: 'error', id, message: `no model ${request.handle} in the judge` };
  const [count, ...rest] = request.shape;
  const per = rest.reduce((a, b) => a * b, 1);
  if (request.inputs.length !== count * per) return { type: 'error', id, message: `inputs of ${request.inputs.length} values for shape [${request.shape.join(', ')}]` };
  const batch = batchSizeFor(entry.budget, Math.max(1, request.batchSize));
  const chunks: Float32Array[] = [];
  let outShape: number[] = [];
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    let y: tf.Tensor | tf.Tensor[];
    const x = tf.tensor(request.inputs.subarray(start * per, end * per), [end - start, ...rest]);
    try {
      y = entry.model.predict(x);
    } catch (err) {
      if (isFatal(err)) throw err;
      return { type: 'predict-failed', id, message: firstLine(err) };
    } finally {
      x.dispose();
    }
    if (Array.isArray(y)) {
      tf.dispose(y);
      return { type: 'predict-failed', id, message: 'several outputs', outputs: y.length };
    }
    const out = y.toFloat();
    outShape = [...out.shape];
    chunks.push(Float32Array.from(out.dataSync() as Float32Array));
    tf.dispose([y, out]);
  }
  const values = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (values.set(c, at), at + c.length), 0);
  return { type: 'predicted', id, values, shape: [count, ...outShape.slice(1)] };
}

async function handle(request: JudgeRequest): Promise<JudgeReply> {
  switch (request.type) {
    case 'load':
      return load(request);
    case 'predict':
      return predict(request);
    case 'dispose': {
      models.get(request.handle)?.model.dispose();
      models.delete(request.handle);
      return { type: 'disposed', id: request.id };
    }
  }
}

async function main(): Promise<void> {
  const requested = process.env.GRADER_BACKEND ?? '';
  const backend = await initBackend(isBackendName(requested) ? requested : undefined);
  // The grader sends one request at a time and waits for its reply.
  let queue = Promise.resolve();
  process.on('message', (request: JudgeRequest) => {
    queue = queue.then(async () => {
      try {
        send(await handle(request));
      } catch (err) {
        // The grader retires a judge that answered 'error': it starts a fresh one for the next model.
        send({ type: 'error', id: request.id, message: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 2_000) : String(err).slice(0, 2_000) });
      }
    });
  });
  // The grader gone, nothing is left to judge.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', backend });
}

void main().catch((err: unknown) => {
  process.stderr.write(`judge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
});
