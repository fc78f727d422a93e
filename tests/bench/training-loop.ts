/**
 * The timing rules of a training-throughput case: warm-up, then timed rounds. torch_training.py
 * follows the same rules line for line; change both together.
 */
import type { Round, TrainingCaseConfig } from './training-protocol';

export interface Clock {
  /** Wall time in seconds (monotonic). */
  now(): number;
  /** Process CPU time (user + system) in seconds. */
  cpu(): number;
}

export const processClock: Clock = {
  now: () => performance.now() / 1000,
  cpu: () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  },
};

export interface LoopResult {
  warmupSteps: number;
  warmupSeconds: number;
  rounds: Round[];
  cpuPerWall: number;
  lossFirst: number;
  lossLast: number;
}

/** Which phase the loop is in, so a failure can say where it happened. */
export type LoopPhase = 'warm-up' | 'timed';

/**
 * Runs `step` (one complete training step that returns the loss as a number, i.e. has waited
 * for the result) through warm-up and timed rounds.
 */
export function runTrainingLoop(
  step: () => number,
  config: TrainingCaseConfig,
  onPhase: (phase: LoopPhase) => void = () => undefined,
  clock: Clock = processClock,
): LoopResult {
  onPhase('warm-up');
  const warmStart = clock.now();
  let warmupSteps = 0;
  let lossFirst = Number.NaN;
  for (;;) {
    const loss = step();
    if (warmupSteps === 0) lossFirst = loss;
    warmupSteps += 1;
    const elapsed = clock.now() - warmStart;
    const enough = warmupSteps >= config.warmupSteps && elapsed >= config.warmupSeconds;
    if (enough || elapsed >= config.warmupMaxSeconds) break;
  }
  const warmupSeconds = clock.now() - warmStart;

  onPhase('timed');
  const rounds: Round[] = [];
  let lossLast = Number.NaN;
  const timedStart = clock.now();
  const cpuStart = clock.cpu();
  for (;;) {
    const roundStart = clock.now();
    let steps = 0;
    let seconds = 0;
    do {
      lossLast = step();
      steps += 1;
      seconds = clock.now() - roundStart;
    } while (seconds < config.roundSeconds);
    rounds.push({ steps, seconds });
    const spent = clock.now() - timedStart;
    if (rounds.length >= config.maxRounds) break;
    if (spent >= config.budgetSeconds && rounds.length >= config.minRounds) break;
    if (spent >= 3 * config.budgetSeconds) break;
  }
  const wall = clock.now() - timedStart;
  const cpuPerWall = wall > 0 ? (clock.cpu() - cpuStart) / wall : 0;
  return { warmupSteps, warmupSeconds, rounds, cpuPerWall, lossFirst, lossLast };
}
