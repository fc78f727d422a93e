import { defineParityTests } from './parity';

// The assignments that train on MNIST (10–60 s per grading): the correct example and one
// failing example each (softmax-output fails the architecture test and trains; no-conv is
// refused before training; no-sigmoid trains and fails the output range).
defineParityTests('heavy', {
  examples: { 'mnist-mlp': ['correct', 'softmax-output'], 'mnist-cnn': ['correct', 'no-conv'], autoencoder: ['correct', 'no-sigmoid'] },
  timeoutMs: 400_000,
});
