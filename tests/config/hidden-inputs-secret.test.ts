/** The course secret hidden inputs are drawn with: named in the course file, or derived. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CourseConfigError, loadCourseConfig } from '../../grader/config/load-course-config';
import { SECRET_ENV, tempDir, writeCourseFile } from '../repo/git-helpers';

describe('secrets.hiddenInputsSecretEnv', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('hidden-secret');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const course = (extraSecrets: Record<string, string>, name = 'test-course') => {
    const file = writeCourseFile(dir, {
      students: [{ id: 'alice', repo: path.join(dir, 'alice.git') }],
      extra: { course: name, secrets: { webhookSecretEnv: 'TEST_GRADER_WEBHOOK_SECRET', instructorTokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN', ...extraSecrets } },
    });
    return file;
  };

  it('reads the secret from the variable the course file names, and keeps it from printing', () => {
    const env = { ...SECRET_ENV, TEST_HIDDEN_INPUTS: 'hidden-inputs-secret-0123456789' };
    const config = loadCourseConfig(course({ hiddenInputsSecretEnv: 'TEST_HIDDEN_INPUTS' }), { env });
    expect(config.secrets.hiddenInputs.reveal()).toBe('hidden-inputs-secret-0123456789');
    expect(config.secrets.hiddenInputs.source).toBe('TEST_HIDDEN_INPUTS');
    expect(JSON.stringify(config)).not.toContain('hidden-inputs-secret-0123456789');
  });

  it('refuses a named variable that is unset, short or shared with another secret', () => {
    const problems = (env: NodeJS.ProcessEnv, name: string) => {
      try {
        loadCourseConfig(course({ hiddenInputsSecretEnv: name }), { env });
      } catch (err) {
        if (err instanceof CourseConfigError) return err.problems.join('\n');
        throw err;
      }
      return '';
    };
    expect(problems(SECRET_ENV, 'TEST_HIDDEN_INPUTS')).toContain('secrets.hiddenInputsSecretEnv: the environment variable TEST_HIDDEN_INPUTS is not set');
    expect(problems({ ...SECRET_ENV, TEST_HIDDEN_INPUTS: 'short' }, 'TEST_HIDDEN_INPUTS')).toContain('shorter than 16');
    expect(problems(SECRET_ENV, 'TEST_GRADER_INSTRUCTOR_TOKEN')).toContain('a variable of its own');
  });

  it('derives a default from the instructor token, different per course and from the token itself', () => {
    const a = loadCourseConfig(course({}), { env: SECRET_ENV }).secrets.hiddenInputs;
    const again = loadCourseConfig(course({}), { env: SECRET_ENV }).secrets.hiddenInputs;
    const other = loadCourseConfig(course({}, 'other-course'), { env: SECRET_ENV }).secrets.hiddenInputs;
    expect(a.reveal()).toBe(again.reveal());
    expect(a.reveal()).not.toBe(other.reveal());
    expect(a.reveal()).not.toContain(SECRET_ENV.TEST_GRADER_INSTRUCTOR_TOKEN);
    expect(a.reveal().length).toBeGreaterThanOrEqual(32);
  });
});
