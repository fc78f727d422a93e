/**
 * Jest's global setup and teardown: one fresh folder per `jest` run, named in
 * GRADER_TEST_SHARED_DIR, where test files running in different workers share work that is the
 * same for all of them (an example graded once, tests/run/graded-examples.ts). Workers start
 * after the setup and inherit the variable; a folder of an earlier run is never reused, so a
 * result of an older build cannot be read.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports.setup = async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grader-tests-'));
  process.env.GRADER_TEST_SHARED_DIR = dir;
};

module.exports.teardown = async function teardown() {
  const dir = process.env.GRADER_TEST_SHARED_DIR;
  if (dir !== undefined && path.basename(dir).startsWith('grader-tests-')) fs.rmSync(dir, { recursive: true, force: true });
};
