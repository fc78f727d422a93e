/** Exponential backoff with jitter: base, 4x base, 16x base, ... capped. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Random spread, 0 to 1 (0.2 = ±20 %). */
  jitter?: number;
}

export function backoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const raw = Math.min(options.maxMs, options.baseMs * 4 ** Math.max(0, attempt - 1));
  const jitter = options.jitter ?? 0.2;
  return Math.round(raw * (1 - jitter + 2 * jitter * random()));
}
