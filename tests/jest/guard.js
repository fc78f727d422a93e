/**
 * The one guard against a hang in the test suite. Tests wait for events (a result stored, a
 * page element shown); these limits only stop a wait that would never end, so they are far
 * above what any test needs on an idle machine: CI must stay green when other work competes
 * for the two cores (a light grading that takes 5 s idle took over 100 s at load 12).
 */
/** jest's per-test limit (jest.config.js testTimeout). */
const HANG_GUARD_MS = 600_000;
/** For a wait inside a test: leaves the test time to report what it saw. */
const WAIT_GUARD_MS = HANG_GUARD_MS - 60_000;
module.exports = { HANG_GUARD_MS, WAIT_GUARD_MS };
