/**
 * The catalogue of diagnostic codes that the compile stage produces besides TypeScript's own
 * `TS<number>` codes. Codes are stable: reports, docs and tests refer to them.
 */

/** Source bytes allowed per assignment folder (the student contract: 64 KiB). */
export const SOURCE_LIMIT_BYTES = 64 * 1024;

/** The one bare import a submission may use; the runner supplies it. */
export const ALLOWED_PACKAGE = '@tensorflow/tfjs';

export const COMPILE_CODES = {
  CONTRACT_SIZE: 'the assignment folder holds more than 64 KiB of files (all files count)',
  CONTRACT_SYMLINK: 'a symbolic link in the assignment folder (the folder itself included); links are never followed',
  CONTRACT_IMPORT:
    "an import other than '@tensorflow/tfjs' or a relative .ts file inside the assignment folder (Node builtins, other packages, absolute paths, paths leaving the folder, non-.ts files, computed require()/import(), any other use of `require`)",
  CONTRACT_REFERENCE: 'a `/// <reference ...>` directive (path, types, lib, no-default-lib)',
  CONTRACT_FILETYPE:
    'a file that is neither a .ts module nor an ignored note (.md, .txt, README, LICENSE, hidden files), or a .d.ts file, or a special file',
  CONTRACT_NESTING: 'a source nested so deeply (around a thousand levels of brackets) that it cannot be parsed safely',
  CONTRACT_EXPORT: "a member of the assignment's interface is not exported by the entry file",
  CONTRACT_TYPE: "an export does not have the type that the assignment's interface asks for",
  ESBUILD: 'a syntax error or another problem reported by the bundler (esbuild)',
  TYPECHECK_LIMIT:
    'the type check ran past its time or memory limit (type-level code that asks the checker for too much work); the submission is not graded',
  TYPECHECK_FAILED: 'the type checker itself failed on the submission (a warning: grading goes on without type information)',
  WARNINGS_TRUNCATED: 'more warnings than a report shows; the rest are counted',
} as const;

export type CompileCode = keyof typeof COMPILE_CODES;
