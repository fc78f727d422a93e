/** The error catalogue, its documentation and its classes agree. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_ERROR_CODES, DataError, DatasetValidationError, IdxFormatError, MnistSourceError } from '../../grader/data/data-errors';

const readme = fs.readFileSync(path.join(__dirname, '../../grader/data/README.md'), 'utf8');

it('every code in the catalogue is documented in grader/data/README.md, and no other', () => {
  const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual(Object.keys(DATA_ERROR_CODES).sort());
});

it('every code is thrown somewhere in grader/data', () => {
  const dir = path.join(__dirname, '../../grader/data');
  const source = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'data-errors.ts').map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  for (const code of Object.keys(DATA_ERROR_CODES)) expect({ code, used: source.includes(`'${code}'`) }).toEqual({ code, used: true });
});

it('the classes carry code, file and a message that starts with the file', () => {
  const idx = new IdxFormatError('IDX_TRUNCATED', '/data/x-idx3-ubyte', 'cut short');
  expect(idx).toBeInstanceOf(DataError);
  expect(idx).toBeInstanceOf(Error);
  expect({ name: idx.name, code: idx.code, file: idx.file, message: idx.message }).toEqual({
    name: 'IdxFormatError', code: 'IDX_TRUNCATED', file: '/data/x-idx3-ubyte', message: '/data/x-idx3-ubyte: cut short',
  });
  expect(new MnistSourceError('MNIST_EMPTY', '/d', 'empty').name).toBe('MnistSourceError');
  expect(new DatasetValidationError('DATASET_RANGE', 'subset', 'bad').message).toBe('subset: bad');
});
