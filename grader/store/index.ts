/** The SQLite store: database, migrations, rows, submissions and results. */
export { openDatabase, schemaVersion } from './database';
export type { Database } from './database';
export { GradeStore } from './grade-store';
export type { NewSubmission, NewResult, ResultFilter } from './grade-store';
export * from './rows';
