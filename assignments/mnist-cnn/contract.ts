/** The exports an mnist-cnn submission must have: the same as mnist-mlp's (type-checked at compile time). */
export type { Contract, Dataset, TrainOptions } from '../mnist-mlp/contract';
