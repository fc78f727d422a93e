import { defineParityTests } from './parity';

// Every example of the assignments that grade in seconds.
defineParityTests('light', {
  examples: { 'autograd-graph': 'all', backprop: 'all', 'momentum-sgd': 'all', 'mnist-loader': 'all', 'mnist-test-loop': 'all' },
  timeoutMs: 180_000,
});
