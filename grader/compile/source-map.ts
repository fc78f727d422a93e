/**
 * Maps positions in the compiled bundle (what a stack trace from the runner names:
 * `solution.js:28:9`) back to the student's sources (`solution.ts:31:9`, `helpers.ts:5:11`),
 * from the inline source map that bundle.ts makes esbuild write. The map's sources are
 * folder-relative, so a multi-file submission maps to each file by its own name.
 *
 * Runs in the trusted grader, on the bundle the grader itself produced: nothing the runner
 * says is used except the line and column numbers it reports.
 */
import * as fs from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';

/** A position in a student's source file: 1-based line and column (UTF-16 units, like tsc). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

export class BundleSourceMap {
  private constructor(
    private readonly map: SourceMap,
    /** The map's sources (folder-relative paths). */
    readonly sources: readonly string[],
  ) {}

  /** The map of a bundle's text, or undefined when it has none (or an unreadable one). */
  static fromCode(code: string): BundleSourceMap | undefined {
    const tail = code.slice(Math.max(0, code.lastIndexOf('//# sourceMappingURL=')));
    const m = INLINE_MAP.exec(tail);
    if (m === null) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) as SourceMapPayload;
      if (!Array.isArray(payload.sources)) return undefined;
      return new BundleSourceMap(new SourceMap(payload), payload.sources.map(String));
    } catch {
      return undefined;
    }
  }

  /** The map of a bundle file, or undefined when it cannot be read or has none. */
  static fromFile(bundlePath: string): BundleSourceMap | undefined {
    try {
      return BundleSourceMap.fromCode(fs.readFileSync(bundlePath, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * The student's position of a 1-based line and column of the bundle (as V8 prints them), or
   * undefined when the position is in esbuild's own glue code (no source there).
   */
  original(line: number, column: number): SourcePosition | undefined {
    if (!Number.isInteger(line) || !Number.isInteger(column) || line < 1 || column < 1) return undefined;
    const entry = this.map.findEntry(line - 1, column - 1) as Partial<{
      generatedLine: number;
      generatedColumn: number;
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) {
      return undefined;
    }
    // findEntry gives the closest mapping at or before the position; one on an earlier line
    // belongs to another statement.
    if (entry.generatedLine !== line - 1) return undefined;
    return { file: cleanSource(entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
}

/** esbuild writes folder-relative sources ('solution.ts', 'lib/ops.ts'); keep them so. */
function cleanSource(source: string): string {
  return source.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}
