/** Jest runs the TypeScript sources through ts-jest; child processes (the runner) use dist/,
 * which `npm test` builds first (pretest). */
const { HANG_GUARD_MS } = require('./tests/jest/guard');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // The one guard against a hang (tests/jest/guard.js); tests wait for events, not for time.
  testTimeout: HANG_GUARD_MS,
  maxWorkers: 2,
  // One shared folder per run for work several test files need (tests/run/graded-examples.ts).
  globalSetup: '<rootDir>/tests/jest/global-setup.js',
  globalTeardown: '<rootDir>/tests/jest/global-teardown.js',
};
