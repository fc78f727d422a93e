/** MNIST datasets: the Dataset type, the IDX reader, and where the grading data comes from. */
export * from './data-errors';
export * from './dataset';
export * from './idx';
export {
  loadMnist,
  loadMnistFromDir,
  loadEmbeddedMnist,
  loadFashionMnist,
  findFashionMnistDir,
  findIdxFiles,
  idxFileNames,
  configuredMnistDir,
  clearMnistCache,
  MNIST_DIR_ENV,
  FASHION_MNIST_DIR,
} from './sources';
export type { MnistData, LoadMnistOptions, IdxRole, IdxFileSet } from './sources';
export { EMBEDDED_SPLIT_SEED, EMBEDDED_TEST_FRACTION, stratifiedSplit } from './embedded-mnist';
