/**
 * Walks an assignment folder without ever following a link (lstat only, files opened with
 * O_NOFOLLOW) and reads its .ts sources into memory. Everything later (contract checks,
 * esbuild, TypeScript) works on these in-memory texts, so what is checked is what is built.
 *
 * The folder's rules (the student contract, plus the choices made here):
 * - every regular file counts towards the 64 KiB limit, notes included;
 * - any symbolic link is refused, wherever it points;
 * - `.ts` files are the sources; `.d.ts` files are refused (put types in a .ts file);
 * - notes are ignored: `*.md`, `*.markdown`, `*.txt`, README/LICENSE without extension,
 *   and hidden entries (a name starting with '.', e.g. .gitkeep, .DS_Store);
 * - any other file (data.json, weights.bin, helper.js) and any special file is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SOURCE_LIMIT_BYTES } from './codes';
import { fileDiagnostic, type CompileDiagnostic } from './diagnostics';

export interface FolderScan {
  /** Folder-relative POSIX path → text of every .ts source. Empty when the scan found violations. */
  sources: Map<string, string>;
  /** Bytes of all regular files in the folder. */
  sourceBytes: number;
  diagnostics: CompileDiagnostic[];
}

/** A folder with more entries than this is refused before its sizes are summed. */
const MAX_ENTRIES = 2000;
const MAX_DEPTH = 16;

function isIgnoredNote(name: string): boolean {
  return name.startsWith('.') || /\.(md|markdown|txt)$/i.test(name) || /^(readme|license|licence)$/i.test(name);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB (${bytes.toLocaleString('en-US')} bytes)`;
}

function readNoFollow(abs: string): string {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function scanFolder(dir: string, limitBytes: number = SOURCE_LIMIT_BYTES): FolderScan {
  const diagnostics: CompileDiagnostic[] = [];
  const tsFiles: string[] = [];
  const sizes: Array<{ rel: string; size: number }> = [];
  let sourceBytes = 0;
  let entries = 0;
  let tooMany = false;

  const walk = (relDir: string, depth: number): void => {
    const absDir = path.join(dir, relDir);
    const names = fs.readdirSync(absDir).sort();
    for (const name of names) {
      if (++entries > MAX_ENTRIES) {
        tooMany = true;
        return;
      }
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const abs = path.join(absDir, name);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) {
        let target = '?';
        try {
          target = fs.readlinkSync(abs);
        } catch {
          /* keep '?' */
        }
        diagnostics.push(
          fileDiagnostic(
            rel,
            'CONTRACT_SYMLINK',
            `${rel} is a symbolic link (to ${target}); links are not allowed in a submission: commit the file itself`,
          ),
        );
      } else if (st.isDirectory()) {
        if (depth >= MAX_DEPTH) {
          diagnostics.push(fileDiagnostic(rel, 'CONTRACT_FILETYPE', `${rel}: folders are nested too deeply`));
        } else {
          walk(rel, depth + 1);
          if (tooMany) return;
        }
      } else if (st.isFile()) {
        sourceBytes += st.size;
        sizes.push({ rel, size: st.size });
        if (isIgnoredNote(name)) continue;
        if (name.endsWith('.d.ts')) {
          diagnostics.push(
            fileDiagnostic(rel, 'CONTRACT_FILETYPE', `${rel} is a declaration file: put types in an ordinary .ts file`),
          );
        } else if (name.endsWith('.ts')) {
          tsFiles.push(rel);
        } else {
          diagnostics.push(
            fileDiagnostic(
              rel,
              'CONTRACT_FILETYPE',
              `${rel} is not allowed here: an assignment folder holds .ts files (and .md/.txt notes, which are ignored)`,
            ),
          );
        }
      } else {
        diagnostics.push(fileDiagnostic(rel, 'CONTRACT_FILETYPE', `${rel} is not a regular file`));
      }
    }
  };
  walk('', 0);

  if (tooMany) {
    diagnostics.push(
      fileDiagnostic('.', 'CONTRACT_SIZE', `the assignment folder holds more than ${MAX_ENTRIES} files and folders`),
    );
  } else if (sourceBytes > limitBytes) {
    const largest = [...sizes]
      .sort((a, b) => b.size - a.size)
      .slice(0, 3)
      .map((s) => `${s.rel} ${(s.size / 1024).toFixed(1)} KiB`)
      .join(', ');
    diagnostics.push(
      fileDiagnostic(
        '.',
        'CONTRACT_SIZE',
        `the assignment folder holds ${kib(sourceBytes)} of files; the limit is ${kib(limitBytes)} (largest: ${largest}). Weights, data and generated code do not belong in a submission`,
      ),
    );
  }

  const sources = new Map<string, string>();
  if (diagnostics.length === 0) {
    for (const rel of tsFiles) sources.set(rel, readNoFollow(path.join(dir, rel)));
  }
  return { sources, sourceBytes, diagnostics };
}
