/** Probes for mnist-cnn: the same as mnist-mlp's (build, train, train twice). */
export { probes } from '../mnist-mlp/probes';
