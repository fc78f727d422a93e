import { explainFailure, looksNotImplemented } from '../../grader/run/failure-messages';
import { studentFrames } from '../../grader/run/student-stack';
import { StudentCodeError } from '../../grader/runner/runner-errors';

const STACK = `TypeError: boom
    at Engine.runKernel (/opt/grader/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js:4:10)
    at helper (solution.js:40:11)
    at helper (solution.js:40:11)
    at async evaluate (solution.js:52:5)
    at Object.evaluate [as probe] (/opt/grader/dist/assignments/mnist-test-loop/probes.js:49:70)
    at solution.js:60:3
    at eval (eval at x (solution.js:1:1), <anonymous>:1:1)
    at handleCall (/opt/grader/dist/grader/runner/runner-main.js:120:20)`;

describe('studentFrames without a map', () => {
  it('keeps the bundle frames only, merges repeats, drops the grader and TensorFlow.js', () => {
    expect(studentFrames(STACK, undefined)).toEqual([
      { fn: 'helper', at: { file: 'solution.js', line: 40, column: 11 } },
      { fn: 'evaluate', at: { file: 'solution.js', line: 52, column: 5 } },
      { at: { file: 'solution.js', line: 60, column: 3 } },
    ]);
    expect(studentFrames(undefined, undefined)).toEqual([]);
  });
});

describe('explainFailure', () => {
  const info = (message: string, extra: object = {}) => ({ name: 'Error', message, stack: `Error: ${message}\n    at f (solution.js:3:9)`, ...extra });

  it('recognises stubs', () => {
    for (const m of ['TODO: implement f()', 'not implemented', 'Not yet implemented', 'unimplemented', 'функция не реализована']) {
      expect(looksNotImplemented(m)).toBe(true);
    }
    for (const m of ['shapes differ', 'implementation detail: x', 'todos are fine']) expect(looksNotImplemented(m)).toBe(false);
  });

  it('names the export a probe called, in both languages', () => {
    const err = new StudentCodeError(info('bad shape', { export: 'evaluate' }), 'a test name');
    expect(explainFailure(err, 'en', { test: 'a test name' })).toBe('evaluate() threw Error: bad shape (at solution.js:3:9)\n    at f (solution.js:3:9)\nTest: a test name');
    expect(explainFailure(err, 'ru', { test: 'a test name' })).toBe('Функция evaluate() выбросила исключение Error: bad shape (в solution.js:3:9)\n    at f (solution.js:3:9)\nТест: a test name');
  });

  it('says what returned undefined when the test\'s code failed on it', () => {
    const err = new StudentCodeError(
      { name: 'TypeError', message: "Cannot read properties of undefined (reading 'params')", returnedUndefined: ['momentumStep'] },
      'several steps',
    );
    expect(explainFailure(err, 'en', { test: 'several steps' })).toMatch(/^momentumStep\(\) returned undefined \(not written yet, or a missing return\?\), and the test could not go on: TypeError/);
    expect(explainFailure(err, 'ru', { test: 'several steps' })).toMatch(/^momentumStep\(\) вернула undefined/);
  });

  it('a non-Error thrown value and a missing export read right', () => {
    const thrown = new StudentCodeError({ name: 'thrown value', message: 'threw a non-Error value: 42', export: 'f' }, 'f()');
    expect(explainFailure(thrown, 'en')).toBe('f() threw a non-Error value: 42');
    expect(explainFailure(thrown, 'ru')).toBe('Функция f() выбросила исключение значение, не Error: 42');
    const stub = new StudentCodeError({ name: 'thrown value', message: 'threw a non-Error value: not implemented', export: 'f' }, 'f()');
    expect(explainFailure(stub, 'en')).toBe('f() is not written yet: it throws "not implemented". Write it as the statement describes.');
    const missing = new StudentCodeError({ name: 'TypeError', message: "solution.ts does not export a function named 'train'" }, 't');
    expect(explainFailure(missing, 'en', { test: 't' })).toBe('solution.ts does not export a function named train() (check the name and the export)\nTest: t');
  });
});
