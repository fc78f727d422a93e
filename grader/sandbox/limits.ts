/**
 * Resource limits of one runner process tree, and how they become rlimits.
 *
 * Not RLIMIT_AS: WebAssembly reserves many GiB of address space (guard regions) that it
 * never touches, so an address-space cap breaks the wasm backend. RLIMIT_DATA counts only
 * writable private mappings actually made usable (V8's heap pages, ArrayBuffers, wasm memory
 * as it grows, malloc), so it works as a hard backstop; the primary memory limit is the
 * runner client's watch of the tree's resident memory, which kills with status `killed`.
 */
import { z } from 'zod';

export const SandboxLimitsSchema = z
  .object({
    /** RLIMIT_CPU of the runner (seconds of CPU over its whole life, all threads). */
    cpuSeconds: z.number().int().positive(),
    /** RLIMIT_FSIZE: the largest file the runner may write, MiB. */
    fileSizeMb: z.number().int().positive(),
    /** RLIMIT_NOFILE. Node needs some 30 descriptors of its own. */
    openFiles: z.number().int().min(32),
    /** RLIMIT_NPROC: processes and threads of the runner's uid. Node uses about 11 threads. */
    processes: z.number().int().min(16),
    /** Size of the private /tmp (tmpfs) inside bubblewrap, MiB. */
    tmpMb: z.number().int().positive(),
    /** Resident memory of the whole tree, MiB; default: the V8 heap + memoryOverHeapMb. */
    memoryMb: z.number().int().positive().optional(),
    /** Added to the heap cap for the default memory limit (wasm memory, buffers, Node). */
    memoryOverHeapMb: z.number().int().nonnegative(),
    /** RLIMIT_DATA, MiB; default: the memory limit + dataOverMemoryMb. */
    dataMb: z.number().int().positive().optional(),
    dataOverMemoryMb: z.number().int().nonnegative(),
  })
  .strict();
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuSeconds: 1800,
  fileSizeMb: 16,
  openFiles: 256,
  processes: 64,
  tmpMb: 16,
  memoryOverHeapMb: 1024,
  dataOverMemoryMb: 1024,
});

/** The defaults with `overrides` applied, validated (a bad value is a grader bug: throws). */
export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const parsed = SandboxLimitsSchema.safeParse({ ...DEFAULT_LIMITS, ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TypeError(`invalid sandbox limits: ${problems}`);
  }
  return parsed.data;
}

/** The resident-memory limit of a runner whose V8 heap is capped at heapMb. */
export function memoryLimitMb(limits: SandboxLimits, heapMb: number): number {
  return limits.memoryMb ?? heapMb + limits.memoryOverHeapMb;
}

export function dataLimitMb(limits: SandboxLimits, heapMb: number): number {
  return limits.dataMb ?? memoryLimitMb(limits, heapMb) + limits.dataOverMemoryMb;
}

const MiB = 1024 * 1024;

/**
 * prlimit(1) options setting soft and hard limits alike. RLIMIT_NPROC counts every process
 * and thread of the real uid, on the whole host: it is only set when the runner has a uid
 * of its own (`freshUid`); under the grader's own uid (a developer's desktop has hundreds
 * of processes) it would stop bwrap itself from forking.
 */
export function prlimitArgs(limits: SandboxLimits, heapMb: number, freshUid = true): string[] {
  return [
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.fileSizeMb * MiB}`,
    `--nofile=${limits.openFiles}`,
    ...(freshUid ? [`--nproc=${limits.processes}`] : []),
    `--data=${dataLimitMb(limits, heapMb) * MiB}`,
    '--core=0',
  ];
}

/** The same limits as a POSIX shell's ulimit (where prlimit is missing, e.g. macOS). */
export function ulimitScript(limits: SandboxLimits): string {
  // -t, -f (512-byte blocks) and -n are POSIX; process and data limits vary between shells.
  return `ulimit -t ${limits.cpuSeconds} && ulimit -f ${limits.fileSizeMb * 2048} && ulimit -n ${limits.openFiles} && ulimit -c 0 && exec "$@"`;
}
