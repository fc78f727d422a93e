/** mnist-cnn's report figures, from one grading of the correct example (see figure-checks.ts). */
import { config } from '../../assignments/mnist-cnn/spec';
import { classifierFigureChecks } from './figure-checks';

classifierFigureChecks(config);
