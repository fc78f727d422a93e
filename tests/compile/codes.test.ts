import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPILE_CODES } from '../../grader/compile';

describe('COMPILE_CODES', () => {
  it('lists every code that the compile stage emits', () => {
    const dir = path.join(__dirname, '..', '..', 'grader', 'compile');
    const used = new Set<string>();
    for (const f of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/'((?:CONTRACT|TYPECHECK|WARNINGS)_[A-Z_]+|ESBUILD)'/g)) if (m[1]) used.add(m[1]);
    }
    expect([...used].sort()).toEqual(Object.keys(COMPILE_CODES).sort());
  });
});
