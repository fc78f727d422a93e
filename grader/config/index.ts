/** The course configuration: schema, loader, late policy, secrets. */
export * from './course-config-schema';
export { loadCourseConfig, resolveCourseConfig, CourseConfigError, MIN_SECRET_LENGTH, findStudent, getStudent, findStudentByRepoKey, findAssignment } from './load-course-config';
export type { LoadCourseConfigOptions } from './load-course-config';
export { lateness, applyPenalty } from './late-policy';
export type { LatePolicy, Lateness } from './late-policy';
export { Secret } from './secret';
export { deriveHiddenInputsSecret, hiddenInputsKey } from './hidden-inputs';
