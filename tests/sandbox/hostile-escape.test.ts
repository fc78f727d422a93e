/**
 * Adversarial suite, part 2: submissions that try to read what they must not (the reference,
 * the hidden tests, the store, another submission, the grader's environment), reach the
 * network or the grader's process, load native code, or forge their grade. Each must get
 * the right verdict and never full marks, leak no planted secret into the result, leave
 * nothing on the host, make no connection, and the next submission must grade normally.
 */
import { ESCAPE_CASES } from './hostile-cases';
import { hostileSuite } from './hostile-suite';

hostileSuite('hostile submissions: escapes and forgeries', ESCAPE_CASES, true);
