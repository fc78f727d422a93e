/**
 * The hostile submissions (tests/fixtures/hostile/<name>/demo-add/solution.ts) and the
 * verdict each must get. Split in two groups so that two jest workers share the suite.
 */
import type { HostileCase } from './hostile-harness';

/** Exhausting resources: time, memory, processes, files, output. */
export const RESOURCE_CASES: HostileCase[] = [
  { name: 'loop-at-import', status: 'graded', tests: ['timeout', 'timeout', 'timeout'], note: 'an endless loop at import' },
  { name: 'loop-in-call', status: 'graded', tests: ['timeout', 'timeout', 'passed'], note: 'an endless loop inside add' },
  { name: 'never-settles', status: 'graded', tests: ['timeout', 'timeout', 'passed'], note: 'a promise that never settles' },
  { name: 'heap-growth', status: 'graded', tests: ['killed', 'killed', 'passed'], note: 'V8 heap growth' },
  { name: 'arraybuffer-growth', status: 'graded', tests: ['killed', 'killed', 'passed'], note: 'ArrayBuffer growth outside the heap' },
  { name: 'tensor-leak', status: 'graded', tests: ['killed', 'killed', 'passed'], note: 'tensors never disposed (wasm memory)' },
  { name: 'deep-recursion', status: 'graded', tests: ['error', 'error', 'error'], note: 'unbounded recursion' },
  { name: 'fork-bomb', status: 'graded', tests: ['error', 'error', 'passed'], note: 'a fork bomb' },
  { name: 'worker-threads', status: 'graded', tests: ['error', 'error', 'passed'], note: 'worker threads' },
  { name: 'detached-daemon', status: 'graded', tests: ['error', 'error', 'passed'], note: 'a detached, double-forked daemon' },
  { name: 'big-file', status: 'graded', tests: ['error', 'error', 'passed'], note: 'a 2 GB file' },
  { name: 'many-files', status: 'graded', tests: ['error', 'error', 'passed'], note: '100,000 files' },
  { name: 'stdout-flood', status: 'graded', tests: ['failed', 'failed', 'passed'], note: 'a stdout and stderr flood' },
  { name: 'exit-at-import', status: 'graded', tests: ['killed', 'killed', 'killed'], note: 'process.exit(0) at import' },
];

/** Escaping, stealing and forging. */
export const ESCAPE_CASES: HostileCase[] = [
  { name: 'read-reference', status: 'graded', tests: ['error', 'error', 'passed'], note: 'loading the reference solution' },
  { name: 'read-hidden-tests', status: 'graded', tests: ['error', 'error', 'passed'], note: 'reading the spec (hidden tests)' },
  { name: 'read-store', status: 'graded', tests: ['error', 'error', 'passed'], note: "reading the grader's database" },
  { name: 'read-other-submission', status: 'graded', tests: ['error', 'error', 'passed'], note: "reading another student's submission" },
  { name: 'proc-environ', status: 'graded', tests: ['error', 'error', 'error'], note: "reading /proc/*/environ and the grader's environment" },
  { name: 'connect-localhost', status: 'graded', tests: ['error', 'error', 'passed'], note: 'connecting to a listener on 127.0.0.1' },
  { name: 'dns', status: 'graded', tests: ['error', 'error', 'passed'], note: 'DNS lookups' },
  { name: 'signal-parent', status: 'graded', tests: ['error', 'error', 'passed'], note: 'signalling the grader and kill(-1)' },
  { name: 'process-binding', status: 'graded', tests: ['error', 'error', 'passed'], note: 'process.binding and _linkedBinding' },
  { name: 'native-addon', status: 'graded', tests: ['error', 'error', 'passed'], note: 'writing and loading a .node addon' },
  { name: 'wasi-preopens', status: 'graded', tests: ['error', 'error', 'passed'], note: 'WASI with / preopened' },
  { name: 'inspector', status: 'graded', tests: ['error', 'error', 'passed'], note: "the inspector, here and in the grader's process" },
  { name: 'fake-result-print', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'printing a fake result' },
  { name: 'fake-ipc', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'forged IPC replies (process.send and raw frames on fd 3)' },
  { name: 'prototype-pollution', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'polluting Object.prototype and built-ins' },
  { name: 'patch-tfjs', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'patching tf.Tensor.prototype.dataSync' },
  { name: 'hostile-tojson', status: 'graded', tests: ['error', 'error', 'failed'], note: 'toJSON, throwing getters and a Proxy as results' },
  { name: 'nan-negzero', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'NaN and -0 in results' },
  { name: 'symlink-reference', status: 'compile_error', note: 'solution.ts as a symbolic link to the reference' },
  { name: 'reference-path', status: 'compile_error', note: '/// <reference path="/etc/passwd" />' },
];

/**
 * Attacks on the runner channel (grader/runner/channel.ts). Each must leave the grader
 * alive and earn no more than the honest wrong answer (the subtracts example: 5 points).
 */
export const CHANNEL_CASES: HostileCase[] = [
  { name: 'deep-reply', status: 'graded', tests: ['error', 'error', 'failed'], note: 'replies nested 10,000 deep (a model\'s artifacts, process.send, raw frames)' },
  { name: 'forged-reply', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'replies to the call ids it heard, in both frame formats, before the runner' },
  { name: 'progress-flood', status: 'graded', tests: ['failed', 'failed', 'failed'], note: 'a flood of progress reports, small and 8 MB' },
];
