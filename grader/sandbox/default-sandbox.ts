/**
 * The sandbox grade-assignment uses when its caller gives no launcher: the best isolation
 * this machine offers, without refusing (a library call on a laptop still grades; the CLI
 * and the server decide whether missing isolation is acceptable, see resolveSandbox's
 * `require`). Resolved once per process.
 */
import { resolveSandbox, type ResolvedSandbox } from './resolve-sandbox';

let cached: ResolvedSandbox | undefined;

export function defaultSandbox(): ResolvedSandbox {
  cached ??= resolveSandbox({ require: false, allowInsecure: true });
  return cached;
}
