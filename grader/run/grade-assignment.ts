/**
 * Grades one assignment of one submission: compile, start a runner, run every test with the
 * runner's help, decide verdicts here in the trusted process, and build the result JSON.
 *
 * Isolation between tests: one test's failure never stops the rest. A runner that timed out
 * or died is replaced by a fresh one for the next test; a submission whose module cannot even
 * load fails every test with the same message, without restarting for each.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileSubmission, formatDiagnostic, type CompileDiagnostic } from '../compile';
import { BundleSourceMap } from '../compile/source-map';
import { normalizeResult } from '../results/normalize';
import type { GradeResult, TestResult } from '../results/result-schema';
import { RunnerClient, type RunnerOptions } from '../runner/runner-client';
import { RunnerFailure, RunnerTimeoutError, StudentCodeError } from '../runner/runner-errors';
import { defaultSandbox } from '../sandbox/default-sandbox';
import type { Lang, TestContext, TestSpec } from '../spec/assignment-spec';
import { loadReference, type LoadedAssignment } from '../spec/discover';
import { initBackend, type BackendName } from '../tensors';
import { SeededRandom } from '../util/rng';
import { GRADER_VERSION } from '../version';
import { explainFailure } from './failure-messages';
import { testSeed } from './test-seed';
import { mergeAudit, type CallAuditLog } from '../runner/call-audit';

export type GradeEvent =
  | { type: 'compiled'; assignment: string; ok: boolean }
  | { type: 'test-started'; assignment: string; test: string; index: number; total: number }
  | { type: 'test-finished'; assignment: string; test: TestResult; index: number; total: number }
  | { type: 'progress'; assignment: string; test: string; data: unknown };

export interface GradeOptions {
  assignment: LoadedAssignment;
  /** The submission root: the folder that holds <assignment-id>/. */
  submissionDir: string;
  backend?: BackendName;
  visibleOnly?: boolean;
  lang?: Lang;
  onEvent?: (event: GradeEvent) => void;
  /**
   * Isolation layer for runner processes (see grader/sandbox). Default: the best this
   * machine offers (defaultSandbox); callers that must refuse unisolated grading resolve
   * their own with resolveSandbox({ require: true, … }).
   */
  launcher?: RunnerOptions['launcher'];
  /**
   * The submission's key for hidden tests' inputs (grader/config/hidden-inputs.ts); without
   * it hidden tests use a fixed seed. Never recorded in the result.
   */
  hiddenInputsKey?: string;
  /** Extra fields recorded in the result. */
  commit?: string;
  dataset?: string;
}

/** Outcome of trying to have a runner for the next test. */
type RunnerState = { kind: 'none' } | { kind: 'alive'; client: RunnerClient } | { kind: 'unloadable'; failure: RunnerFailure };

export async function gradeAssignment(options: GradeOptions): Promise<GradeResult> {
  const started = Date.now();
  const { assignment } = options;
  const { spec } = assignment;
  const lang = options.lang ?? 'en';
  const tests = spec.tests.filter((t) => !options.visibleOnly || t.visibility === 'visible');
  const maxScore = tests.reduce((s, t) => s + t.points, 0);
  const backend = await initBackend(options.backend);
  const base = {
    assignment: spec.id,
    max_score: maxScore,
    backend,
    grader_version: GRADER_VERSION,
    ...(options.commit !== undefined ? { commit: options.commit } : {}),
    ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
  };
  // The spec names its data set once it is loaded (after compiling); it overrides options.dataset.
  let dataset: string | undefined;
  /** The largest resident memory any runner of this grading reached (the sandbox's watch). */
  let peakMemoryKb = 0;
  const finish = (raw: Record<string, unknown>): GradeResult =>
    normalizeResult(
      {
        ...base,
        ...(dataset !== undefined ? { dataset } : {}),
        ...(peakMemoryKb > 0 ? { peak_memory_kb: peakMemoryKb } : {}),
        ...raw,
        duration_ms: Date.now() - started,
      },
      { assignment: spec.id, maxScore, backend },
    );

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `grader-${spec.id}-`));
  // The first runner boots while the type checker runs (it blocks this process for most of a
  // second on a cold start); it is discarded if the submission turns out not to compile.
  let early: Promise<RunnerClient> | undefined;
  try {
    let currentTest = '';
    const runnerOptions: RunnerOptions = {
      bundlePath: '',
      probesPath: assignment.probesPath,
      backend,
      setup: spec.runner?.disableAutograd !== undefined ? { disableAutograd: spec.runner.disableAutograd[lang] } : {},
      heapMb: spec.limits.heapMb,
      // Start-up (tfjs, wasm, the sandbox) is the grader's cost, not the test's: a floor keeps a
      // busy machine from turning it into a student's timeout.
      startTimeoutMs: Math.max(15_000, Math.min(spec.limits.testMs, 30_000)),
      launcher: options.launcher ?? defaultSandbox().launcher,
      onProgress: (_id, data) => options.onEvent?.({ type: 'progress', assignment: spec.id, test: currentTest, data }),
    };
    const compiled = await compileSubmission({
      dir: path.join(options.submissionDir, spec.id),
      entry: spec.entry,
      contract: assignment.contractPath !== null ? { path: assignment.contractPath, typeName: 'Contract' } : undefined,
      outDir: workDir,
      lang,
      onBundled: (bundlePath) => {
        runnerOptions.bundlePath = bundlePath;
        early = RunnerClient.start(runnerOptions);
        early.catch(() => undefined); // observed later by getRunner, or discarded
      },
    });

    options.onEvent?.({ type: 'compiled', assignment: spec.id, ok: compiled.kind === 'ok' });
    if (compiled.kind === 'missing') {
      return finish({
        status: 'missing',
        score: 0,
        output: compiled.message,
        tests: tests.map((t) => notRun(t, compiled.message)),
      });
    }
    if (compiled.kind === 'compile_error') {
      const text = compiled.diagnostics.map(formatDiagnostic).join('\n\n');
      return finish({
        status: 'compile_error',
        score: 0,
        output: `solution.ts did not compile:\n\n${text}`,
        compile_errors: compiled.diagnostics.map(toCompileError),
        tests: tests.map((t) => notRun(t, 'not run: the submission did not compile')),
      });
    }

    // Stack traces from the runner name the bundle; this maps them back to the student's files.
    const sourceMap = BundleSourceMap.fromFile(compiled.bundlePath);
    if (spec.dataset !== undefined) dataset = await spec.dataset();
    const reference = loadReference(assignment);
    const shared = new Map<string, Promise<unknown>>();
    let state: RunnerState = { kind: 'none' };
    const printed: string[] = [];
    // What every call of every export did, over all the runners of this grading.
    const auditLog: CallAuditLog = new Map();
    const retire = (client: RunnerClient) => {
      mergeAudit(auditLog, [...client.audit.values()]);
      peakMemoryKb = Math.max(peakMemoryKb, client.peakResidentKb);
      client.kill();
      const text = client.printed();
      if (text.trim() !== '') printed.push(text);
    };
    const getRunner = async (): Promise<RunnerClient> => {
      if (state.kind === 'alive' && state.client.alive) return state.client;
      if (state.kind === 'alive') retire(state.client);
      if (state.kind === 'unloadable') throw state.failure;
      try {
        const starting = early ?? RunnerClient.start(runnerOptions);
        early = undefined;
        const client = await starting;
        state = { kind: 'alive', client };
        return client;
      } catch (err) {
        // The module itself fails to load (throws or loops at import): the same will happen
        // for every test, so remember the failure instead of restarting each time.
        if (err instanceof StudentCodeError || err instanceof RunnerTimeoutError) {
          state = { kind: 'unloadable', failure: err };
        }
        throw err;
      }
    };

    const results: TestResult[] = [];
    let graderBroke = false;
    const audited = tests.some((t) => t.audit !== undefined);
    for (const [index, test] of tests.entries()) {
      currentTest = test.name;
      options.onEvent?.({ type: 'test-started', assignment: spec.id, test: test.name, index, total: tests.length });
      const remaining = spec.limits.totalMs - (Date.now() - started);
      let result: TestResult;
      if (remaining <= 0) {
        result = testResult(test, 'timeout', 0, `not run: the assignment's total time limit of ${spec.limits.totalMs / 1000} s was used up by earlier tests`);
      } else {
        const limitMs = Math.min(test.timeoutMs ?? spec.limits.testMs, remaining);
        result = await runOne(test, limitMs);
      }
      results.push(result);
      options.onEvent?.({ type: 'test-finished', assignment: spec.id, test: result, index, total: tests.length });
    }
    // `state` is reassigned inside getRunner; read it through its declared type.
    const last = state as RunnerState;
    if (last.kind === 'alive') {
      // A last look at the arguments of earlier direct calls (changed after they returned?).
      if (audited && last.client.alive) await last.client.call('audit', 'audit', [], AUDIT_CALL_MS).catch(() => undefined);
      retire(last.client);
    }
    if (audited && !graderBroke) applyAudit(results, tests, auditLog, lang);

    async function runOne(test: TestSpec, limitMs: number): Promise<TestResult> {
      const testStarted = Date.now();
      // Time spent starting runners does not count against the test: it is ours, not theirs.
      let startupMs = 0;
      const timeLeft = () => Math.max(1, limitMs + startupMs - (Date.now() - testStarted));
      const runner = async (): Promise<RunnerClient> => {
        const t = Date.now();
        try {
          return await getRunner();
        } finally {
          startupMs += Date.now() - t;
        }
      };
      const ctx: TestContext = {
        call: async (name, ...args) => (await runner()).call('export', name, args, timeLeft()),
        probe: async (name, ...args) => (await runner()).call('probe', name, args, timeLeft(), test.name),
        probeInFreshRunner: async (name, ...args) => {
          const t = Date.now();
          const fresh = await RunnerClient.start(runnerOptions);
          startupMs += Date.now() - t;
          try {
            return await fresh.call('probe', name, args, timeLeft(), test.name);
          } finally {
            retire(fresh);
          }
        },
        reference,
        rng: new SeededRandom(testSeed(spec.id, test, options.hiddenInputsKey)),
        submissionRng: (purpose) => new SeededRandom(testSeed(spec.id, { name: `#${purpose}`, visibility: 'hidden' }, options.hiddenInputsKey)),
        tolerance: { ...spec.tolerance, ...test.tolerance },
        lang,
        backend,
        shared: <T>(key: string, make: () => Promise<T>): Promise<T> => {
          let entry = shared.get(key);
          if (entry === undefined) {
            entry = make();
            shared.set(key, entry);
          }
          return entry as Promise<T>;
        },
      };
      try {
        const verdict = await test.run(ctx);
        const score = verdict.score ?? (verdict.passed ? test.points : 0);
        return testResult(test, verdict.passed ? 'passed' : 'failed', score, verdict.output, verdict.details);
      } catch (err) {
        if (err instanceof RunnerFailure) {
          return testResult(test, err.status, 0, explainFailure(err, lang, { sourceMap, test: test.name }));
        }
        graderBroke = true;
        const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
        return testResult(test, 'error', 0, `internal grader error (not your fault; please tell the instructors): ${message}`);
      }
    }

    const warnings = compiled.warnings.map(formatDiagnostic);
    const outputParts: string[] = [];
    if (warnings.length > 0) outputParts.push(`Type warnings (grading went on):\n\n${warnings.join('\n\n')}`);
    if (printed.length > 0) outputParts.push(`What solution.ts printed:\n${printed.join('\n')}`.slice(0, 8000));
    return finish({
      status: graderBroke ? 'error' : 'graded',
      score: results.reduce((s, r) => s + r.score, 0),
      ...(outputParts.length > 0 ? { output: outputParts.join('\n\n') } : {}),
      ...(compiled.warnings.length > 0 ? { compile_errors: compiled.warnings.map(toCompileError) } : {}),
      tests: results,
    });
  } catch (err) {
    // The grader itself failed (not the submission): say so, never a silent zero.
    const message = err instanceof Error ? err.message : String(err);
    return finish({ status: 'error', score: 0, output: `the grader failed: ${message}`, tests: tests.map((t) => notRun(t, 'not run: the grader failed')) });
  } finally {
    early?.then((client) => client.kill(), () => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The audit's last call: it only reads memory, so a few seconds is plenty (a hang is the runner's). */
const AUDIT_CALL_MS = 30_000;

/** A passed test whose property some call broke loses its points, saying which call and what it did. */
function applyAudit(results: TestResult[], tests: readonly TestSpec[], log: CallAuditLog, lang: Lang): void {
  for (const test of tests) {
    const r = results.find((x) => x.name === test.name);
    if (test.audit === undefined || r === undefined || r.status !== 'passed') continue;
    const output = test.audit(log, lang);
    if (output === undefined) continue;
    r.status = 'failed';
    r.score = 0;
    r.output = output;
    delete r.details;
  }
}

function testResult(test: TestSpec, status: TestResult['status'], score: number, output: string, details?: unknown): TestResult {
  return {
    name: test.name,
    score,
    max_score: test.points,
    status,
    visibility: test.visibility,
    output,
    ...(details !== undefined ? { details } : {}),
  } as TestResult;
}

function notRun(test: TestSpec, why: string): TestResult {
  return testResult(test, 'failed', 0, why);
}

function toCompileError(d: CompileDiagnostic) {
  return { file: d.file, line: d.line, column: d.column, code: d.code, message: d.message, severity: d.severity, ...(d.sourceLine !== undefined ? { sourceLine: d.sourceLine } : {}) };
}
