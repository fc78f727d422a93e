/** mnist-mlp's report figures, from one grading of the correct example (see figure-checks.ts). */
import { config } from '../../assignments/mnist-mlp/spec';
import { classifierFigureChecks } from './figure-checks';

classifierFigureChecks(config);
