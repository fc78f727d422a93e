/**
 * The student contract, checked before anything is built: the folder's files (folder-scan)
 * and, in every .ts source, each module reference and triple-slash directive.
 *
 * Module references found: import/export ... from, import x = require(), import(),
 * require(), require.resolve() and type-level import('...'). A require() or import() whose
 * argument is not a string literal is refused because it cannot be checked, and so is any
 * other use of `require` (`const r = require; r('fs')`). These static checks are not a
 * sandbox: the runner's isolation is what stops `module.require`, `process.binding`, eval.
 */
import * as ts from 'typescript';
import { diagnosticAt, fileDiagnostic, type CompileDiagnostic } from './diagnostics';
import { scanFolder, type FolderScan } from './folder-scan';
import { judgeImport } from './import-rules';

/** The folder scan, with the violations of the sources' imports and directives added. */
export type ContractCheck = FolderScan;

interface ModuleReference {
  /** The specifier, or undefined when computed at run time. */
  specifier: string | undefined;
  /** Offset of the specifier (or the call) in the text. */
  pos: number;
  what: string;
  /** `require` used otherwise than called (`const r = require`): a way round the rule. */
  indirect?: boolean;
}

/** `obj.require`, `{ require: 1 }`, `class { require() {} }`: a name, not the function. */
function isPropertyName(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isQualifiedName(p)) return p.right === node;
  if (
    ts.isPropertyAccessExpression(p) ||
    ts.isPropertyAssignment(p) ||
    ts.isPropertyDeclaration(p) ||
    ts.isPropertySignature(p) ||
    ts.isMethodDeclaration(p) ||
    ts.isMethodSignature(p) ||
    ts.isGetAccessorDeclaration(p) ||
    ts.isSetAccessorDeclaration(p) ||
    ts.isEnumMember(p)
  ) {
    return p.name === node;
  }
  return false;
}

/** `require(...)` or `require.resolve(...)`: the forms that are checked as imports. */
function isCheckedCallee(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isCallExpression(p)) return p.expression === node;
  return (
    ts.isPropertyAccessExpression(p) &&
    p.expression === node &&
    p.name.text === 'resolve' &&
    ts.isCallExpression(p.parent) &&
    p.parent.expression === p
  );
}

function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

function collectModuleReferences(sf: ts.SourceFile): ModuleReference[] {
  const refs: ModuleReference[] = [];
  const add = (spec: ts.Node | undefined, at: ts.Node, what: string): void => {
    refs.push({ specifier: literalText(spec), pos: (spec ?? at).getStart(sf), what });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier)) {
      add(node.moduleSpecifier, node, 'import');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node, 'import');
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      add(ts.isLiteralTypeNode(arg) ? arg.literal : arg, node, 'import type');
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isRequireResolve =
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require' &&
        callee.name.text === 'resolve';
      if (isImport || isRequire || isRequireResolve) {
        const what = isImport ? 'import()' : isRequire ? 'require()' : 'require.resolve()';
        add(node.arguments[0], node, what);
      }
    } else if (ts.isIdentifier(node) && node.text === 'require' && !isPropertyName(node) && !isCheckedCallee(node)) {
      refs.push({ specifier: undefined, pos: node.getStart(sf), what: 'require', indirect: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

function checkReferences(rel: string, text: string, sf: ts.SourceFile): CompileDiagnostic[] {
  const out: CompileDiagnostic[] = [];
  const refuse = (pos: number, kind: string, value: string): void => {
    out.push(
      diagnosticAt(
        rel,
        text,
        pos,
        'CONTRACT_REFERENCE',
        `\`/// <reference ${kind}="${value}" />\` is not allowed in a submission: import from '@tensorflow/tfjs' or a relative .ts file instead`,
      ),
    );
  };
  for (const r of sf.referencedFiles) refuse(r.pos, 'path', r.fileName);
  for (const r of sf.typeReferenceDirectives) refuse(r.pos, 'types', r.fileName);
  for (const r of sf.libReferenceDirectives) refuse(r.pos, 'lib', r.fileName);
  if (sf.hasNoDefaultLib) {
    const m = /\/\/\/\s*<reference\s+no-default-lib/.exec(text);
    refuse(m ? m.index : 0, 'no-default-lib', 'true');
  }
  return out;
}

/** Checks the module references and directives of one source. */
export function checkSource(rel: string, text: string, tsFiles: ReadonlySet<string>): CompileDiagnostic[] {
  let sf: ts.SourceFile;
  let refs: ModuleReference[];
  try {
    sf = ts.createSourceFile(rel, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    refs = collectModuleReferences(sf);
  } catch (e) {
    // TypeScript's parser recurses per nesting level: about a thousand nested brackets
    // overflow the stack. Such a file cannot be checked, so it is refused.
    if (!(e instanceof RangeError)) throw e;
    return [
      fileDiagnostic(
        rel,
        'CONTRACT_NESTING',
        `${rel} is nested too deeply to be checked (around a thousand levels of brackets or operators); split the expression`,
      ),
    ];
  }
  const out = checkReferences(rel, text, sf);
  for (const ref of refs) {
    if (ref.indirect) {
      out.push(
        diagnosticAt(
          rel,
          text,
          ref.pos,
          'CONTRACT_IMPORT',
          "`require` may only be called directly with a string literal (its other uses cannot be checked): write `import * as tf from '@tensorflow/tfjs'`",
        ),
      );
      continue;
    }
    if (ref.specifier === undefined) {
      out.push(
        diagnosticAt(
          rel,
          text,
          ref.pos,
          'CONTRACT_IMPORT',
          `${ref.what} with a computed argument cannot be checked: import modules with a static path, e.g. \`import * as tf from '@tensorflow/tfjs'\``,
        ),
      );
      continue;
    }
    const verdict = judgeImport(ref.specifier, rel, tsFiles);
    if (verdict.kind === 'refused') out.push(diagnosticAt(rel, text, ref.pos, 'CONTRACT_IMPORT', verdict.reason));
  }
  return out;
}

/**
 * The folder's contract: files first (nothing is read when they break the rules), then every
 * source's imports and directives. All violations are reported together.
 */
export function checkContract(dir: string, limitBytes?: number): ContractCheck {
  const scan = scanFolder(dir, limitBytes);
  if (scan.diagnostics.length > 0) return scan;
  const tsFiles = new Set(scan.sources.keys());
  const diagnostics: CompileDiagnostic[] = [];
  for (const [rel, text] of scan.sources) diagnostics.push(...checkSource(rel, text, tsFiles));
  return { ...scan, diagnostics };
}
