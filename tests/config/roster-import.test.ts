/**
 * Roster import into a real course file: GitHub Classroom and plain CSVs, merging with the
 * students already there, and every bad input refused with its line and the file untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { RosterImportError, importRoster, parseRosterCsv } from '../../grader/config/roster-import';
import { SECRET_ENV, tempDir } from '../repo/git-helpers';

const COURSE = `# The course file, with comments that must survive an import.
course: nn2
assignments:
  - id: momentum-sgd
    due: "2999-01-01T00:00:00Z"
roster:
  - id: ivanova   # the first student
    name: Anna Ivanova
    repo: https://github.com/nn2-2025/nn2-ivanova.git
secrets:
  webhookSecretEnv: TEST_GRADER_WEBHOOK_SECRET
  instructorTokenEnv: TEST_GRADER_INSTRUCTOR_TOKEN
dataDir: ./data
`;

const CLASSROOM = `"identifier","github_username","github_id","name"
"anna@uni.example","ivanova","1001","Anna Ivanova"
"boris@uni.example","bpetrov","1002","Boris Petrov"
"chen@uni.example","","",""
"dana@uni.example","dana-k","1004",""
`;

const TEMPLATE = 'https://github.com/nn2-2025/nn2-{github_username}.git';

describe('roster import', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir('roster-import');
    file = path.join(dir, 'course.yaml');
    fs.writeFileSync(file, COURSE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const csv = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const roster = () => loadCourseConfig(file, { env: SECRET_ENV, checkCatalogue: false }).roster.map((s) => [s.id, s.name, s.repo, s.branch]);

  it('adds a GitHub Classroom roster, keeps the student already there and the comments, skips who has not joined', () => {
    const result = importRoster(file, csv('classroom.csv', CLASSROOM), { repoTemplate: TEMPLATE });
    expect(result).toMatchObject({ format: 'classroom', written: true });
    expect(result.added.map((s) => s.id)).toEqual(['bpetrov', 'dana-k']);
    expect(result.unchanged.map((s) => s.id)).toEqual(['ivanova']);
    expect(result.skipped).toEqual([{ line: 4, reason: 'chen@uni.example has no github_username yet (has not joined the classroom)' }]);
    expect(roster()).toEqual([
      ['ivanova', 'Anna Ivanova', 'https://github.com/nn2-2025/nn2-ivanova.git', 'main'],
      ['bpetrov', 'Boris Petrov', 'https://github.com/nn2-2025/nn2-bpetrov.git', 'main'],
      ['dana-k', 'dana@uni.example', 'https://github.com/nn2-2025/nn2-dana-k.git', 'main'],
    ]);
    // The new students are appended after the last one; every other byte of the file stays.
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(
      COURSE.replace(
        'secrets:\n',
        [
          '  - id: bpetrov',
          '    name: Boris Petrov',
          '    repo: https://github.com/nn2-2025/nn2-bpetrov.git',
          '  - id: dana-k',
          '    name: dana@uni.example',
          '    repo: https://github.com/nn2-2025/nn2-dana-k.git',
          'secrets:',
          '',
        ].join('\n'),
      ),
    );
    // Importing the same file again changes nothing.
    const again = importRoster(file, path.join(dir, 'classroom.csv'), { repoTemplate: TEMPLATE });
    expect(again).toMatchObject({ written: false, added: [] });
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('rewrites a flow-style roster as a document, comments kept', () => {
    fs.writeFileSync(file, COURSE.replace(/roster:\n(  .*\n)+/, 'roster: []  # nobody yet\n'));
    importRoster(file, csv('one.csv', 'Anna,anna,https://github.com/nn2/anna.git\n'));
    expect(roster()).toEqual([['anna', 'Anna', 'https://github.com/nn2/anna.git', 'main']]);
    expect(fs.readFileSync(file, 'utf8')).toContain('# The course file, with comments that must survive an import.');
  });

  it('adds a plain CSV with or without its header, with a branch column', () => {
    importRoster(file, csv('plain.csv', 'name,id,repository,branch\nBoris Petrov,petrov,git@gitlab.example.org:nn2/petrov.git,solutions\n'));
    importRoster(file, csv('bare.csv', '"Sidorov, Semyon",sidorov,./repos/sidorov.git\n'));
    expect(roster().slice(1)).toEqual([
      ['petrov', 'Boris Petrov', 'git@gitlab.example.org:nn2/petrov.git', 'solutions'],
      ['sidorov', 'Sidorov, Semyon', path.join(dir, 'repos', 'sidorov.git'), 'main'],
    ]);
  });

  it('refuses bad rows by line, conflicts with the roster and duplicates in the CSV, and writes nothing', () => {
    const before = fs.readFileSync(file, 'utf8');
    const bad = csv(
      'bad.csv',
      [
        'name,id,repository',
        'Boris,petrov,https://github.com/nn2/petrov.git',
        'Only two,cells',
        'Bad Id,has space,https://github.com/nn2/x.git',
        'Anna Other,ivanova,https://github.com/nn2/other.git',
        'Copy of Boris,petrov2,https://GITHUB.com/nn2/petrov',
        'Nobody,nobody,ftp://example.org/x.git',
        'Boris again,petrov,https://github.com/nn2/petrov-b.git',
      ].join('\n'),
    );
    let error: unknown;
    try {
      importRoster(file, bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RosterImportError);
    const problems = (error as RosterImportError).problems;
    expect(problems).toEqual([
      "line 3: expected 3 columns (name, id, repository), found 2: 'Only two,cells'",
      expect.stringMatching(/^line 4: id: a student id/),
      expect.stringMatching(/^line 5: 'ivanova' is already in the roster as Anna Ivanova <https:\/\/github.com\/nn2-2025\/nn2-ivanova.git> \(main\); the CSV says Anna Other/),
      "line 6: the repository of 'petrov2' is already that of 'petrov' in line 2 of the CSV",
      "line 7: 'ftp://example.org/x.git' is not a repository URL or path",
      expect.stringMatching(/^line 8: 'petrov' is already in line 2 of the CSV/),
    ]);
    expect((error as Error).message).toMatch(/bad\.csv: nothing imported, 6 problems/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('names a quote left open, a Classroom roster without a template, and an empty file', () => {
    expect(parseRosterCsv('name,id,repository\n"Anna,ivanova,x\n').problems).toEqual(['line 2: a quoted field is never closed (a " is missing)']);
    expect(parseRosterCsv(CLASSROOM).problems).toEqual([expect.stringMatching(/needs --repo-template with \{github_username\}/)]);
    expect(parseRosterCsv('\n').problems).toEqual(['the file holds no rows']);
  });

  it('writes nothing on a dry run, and keeps a JSON course file JSON', () => {
    const jsonFile = path.join(dir, 'course.json');
    fs.writeFileSync(jsonFile, JSON.stringify({ course: 'nn2', roster: [] }));
    const dry = importRoster(jsonFile, csv('a.csv', 'Anna,anna,https://github.com/nn2/anna.git\n'), { dryRun: true });
    expect(dry).toMatchObject({ written: false, added: [{ id: 'anna' }] });
    expect(JSON.parse(fs.readFileSync(jsonFile, 'utf8'))).toEqual({ course: 'nn2', roster: [] });
    importRoster(jsonFile, path.join(dir, 'a.csv'));
    expect(JSON.parse(fs.readFileSync(jsonFile, 'utf8'))).toEqual({ course: 'nn2', roster: [{ id: 'anna', name: 'Anna', repo: 'https://github.com/nn2/anna.git' }] });
  });
});
