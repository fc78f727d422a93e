/**
 * Adversarial suite, part 1: submissions that exhaust time, memory, processes, files and
 * output. Each must end within the limit with the right status and never full marks, leave
 * no process or file on the host, and the next submission must be graded normally.
 */
import { RESOURCE_CASES } from './hostile-cases';
import { hostileSuite } from './hostile-suite';

hostileSuite('hostile submissions: resources', RESOURCE_CASES, false);
