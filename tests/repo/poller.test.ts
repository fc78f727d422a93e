import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { Poller } from '../../grader/repo/poller';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { SECRET_ENV, StudentRepo, tempDir, writeCourseFile } from './git-helpers';

describe('Poller', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('poller');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reports new heads with ls-remote, once each, and survives unreachable remotes and deleted branches', async () => {
    const alice = new StudentRepo(root, 'alice');
    const bob = new StudentRepo(root, 'bob', 'solutions');
    const a1 = alice.commit({ 'demo-add/solution.ts': '1' });
    alice.push();
    const config = loadCourseConfig(
      writeCourseFile(root, {
        students: [
          { id: 'alice', repo: alice.url },
          { id: 'bob', repo: bob.url, branch: 'solutions' },
          { id: 'carol', repo: path.join(root, 'missing.git') },
        ],
      }),
      { env: SECRET_ENV },
    );
    const store = new GradeStore(openDatabase(':memory:'));
    const seen: string[] = [];
    const poller = new Poller({ config, store, onHead: (s, c) => seen.push(`${s.id}@${c}`) });

    const first = await poller.pollOnce();
    expect(first.checked).toBe(3);
    expect(first.changed).toEqual([{ studentId: 'alice', commit: a1 }]);
    expect(first.errors.map((e) => e.studentId)).toEqual(['carol']);
    expect(first.errors[0].error).toMatch(/^cannot fetch from .*missing\.git/);
    expect(store.findBranchHead('carol')?.error).toMatch(/missing\.git/);
    expect(seen).toEqual([`alice@${a1}`]);

    expect((await poller.pollOnce()).changed).toEqual([]);

    const b1 = bob.commit({ 'demo-add/solution.ts': 'b' });
    bob.push();
    const a2 = alice.commit({ 'demo-add/solution.ts': '2' });
    alice.push();
    const third = await poller.pollOnce();
    expect(third.changed).toEqual(expect.arrayContaining([{ studentId: 'alice', commit: a2 }, { studentId: 'bob', commit: b1 }]));

    alice.deleteRemoteBranch();
    const fourth = await poller.pollOnce();
    expect(fourth.deleted).toEqual(['alice']);
    expect(fourth.changed).toEqual([]);
    expect(seen).toHaveLength(3);
  });
});
