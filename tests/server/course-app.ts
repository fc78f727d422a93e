/**
 * A course and its Express app for tests that need the HTTP layer but no grading: a course
 * file on disk (the demo-add fixtures), a real SQLite file, a GradingService that is never
 * started. Not a test file itself.
 */
import * as fs from 'node:fs';
import type { Express } from 'express';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import type { CourseConfig } from '../../grader/config/course-config-schema';
import { GradingService } from '../../grader/queue/grading-service';
import { openDatabase, type Database } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { createApp } from '../../server/app';
import { SECRET_ENV, tempDir, writeCourseFile, type CourseFileOptions } from '../repo/git-helpers';

export interface CourseApp {
  root: string;
  file: string;
  config: CourseConfig;
  db: Database;
  service: GradingService;
  app: Express;
  close(): void;
}

export function courseApp(prefix: string, options: Partial<CourseFileOptions> = {}): CourseApp {
  const root = tempDir(prefix);
  const file = writeCourseFile(root, {
    students: options.students ?? [
      { id: 'alice', repo: 'https://github.com/nn2/alice.git' },
      { id: 'bob', repo: 'git@gitlab.example.org:nn2/bob.git', branch: 'solutions' },
    ],
    ...(options.extra !== undefined ? { extra: options.extra } : {}),
  });
  const config = loadCourseConfig(file, { env: { ...process.env, ...SECRET_ENV } });
  const db = openDatabase(config.databaseFile);
  const service = new GradingService({ config, store: new GradeStore(db) });
  const app = createApp(config, { service, logError: () => undefined });
  return {
    root,
    file,
    config,
    db,
    service,
    app,
    close() {
      db.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
