/**
 * The TypeScript files an assignment's spec is made of inside the catalogue (the spec and the
 * assignment modules it imports, relatively, transitively; type-only imports included, since
 * they name what the spec is built from), and the probe names a probes module defines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

function resolveTs(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function relativeImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0]) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** The assignment sources under `assignmentsDir` that `entry` reaches (itself included), examples excluded. */
export function assignmentSourceFiles(entry: string, assignmentsDir: string): string[] {
  const seen = new Set<string>();
  const queue = [path.resolve(entry)];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const spec of relativeImports(file, text)) {
      const target = resolveTs(file, spec);
      if (target === undefined) continue;
      const rel = path.relative(assignmentsDir, target);
      if (rel.startsWith('..') || path.isAbsolute(rel) || rel.split(path.sep).includes('examples')) continue;
      queue.push(target);
    }
  }
  return [...seen].sort();
}

/**
 * The names of the probes a probes module defines (the keys of the object given to
 * defineProbes); in bundled JavaScript too, where esbuild may have renamed it defineProbes2.
 */
export function probeNames(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const names: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && /^defineProbes\d*$/.test(n.expression.text) && n.arguments.length > 0 && ts.isObjectLiteralExpression(n.arguments[0])) {
      for (const p of n.arguments[0].properties) {
        if (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) names.push(p.name.text);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return names;
}

/**
 * A contract as one file, for the student's folder: a contract that re-exports another
 * assignment's (mnist-cnn's is mnist-mlp's) would otherwise import from outside the folder,
 * which a submission may not. Relative imports and re-exports are replaced by the text of the
 * file they name (recursively); package imports are kept once.
 */
export function flattenContract(file: string, seen: Set<string> = new Set()): string {
  const abs = path.resolve(file);
  if (seen.has(abs)) return '';
  seen.add(abs);
  const text = fs.readFileSync(abs, 'utf8');
  const sf = ts.createSourceFile(abs, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const relative = sf.statements.filter(
    (st) => (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier !== undefined && ts.isStringLiteral(st.moduleSpecifier) && /^\.\.?\//.test(st.moduleSpecifier.text),
  );
  if (relative.length === 0) return text;
  let out = '';
  let at = 0;
  for (const st of relative) {
    const target = resolveTs(abs, ((st as ts.ImportDeclaration | ts.ExportDeclaration).moduleSpecifier as ts.StringLiteral).text);
    out += text.slice(at, st.getStart(sf));
    if (target !== undefined) out += flattenContract(target, seen).replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    at = st.getEnd();
  }
  out += text.slice(at);
  // Package imports once.
  const lines = out.split('\n');
  const imports = new Set<string>();
  return lines
    .filter((l) => {
      if (!/^import .* from '[^.]/.test(l)) return true;
      if (imports.has(l)) return false;
      imports.add(l);
      return true;
    })
    .join('\n');
}
