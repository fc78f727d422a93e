/**
 * Hidden tests, found and removed in an assignment's TypeScript sources (the kit's bundles are
 * built from the stripped text; the spec files themselves are never changed).
 *
 * A hidden test is an object literal with `visibility: 'hidden'` (a test of a spec's `tests`
 * array, or any other hidden-visibility record, such as mnist-mlp's hidden accuracy bands).
 * The transform removes it where it can stand:
 *   - as an element of an array literal: the element is dropped;
 *   - as the value a function returns (a test factory such as classifier-grading's
 *     `reproducibleTest`): the factory's body becomes a throw, and every call of the factory
 *     that is an element of an array literal or an argument of `.push(…)` is dropped;
 *   - as the initialiser of a `const`: the constant becomes `undefined as never`, and its uses
 *     as array elements or `.push(…)` arguments are dropped.
 * A hidden literal anywhere else is reported as an error: the kit is not built rather than
 * shipped with a hidden test in it. esbuild's tree shaking then drops the code that only the
 * hidden tests used.
 *
 * `analyzeHidden` describes, for the leak test, what must then be absent from the kit: the
 * hidden tests' string literals that the rest of the file does not also contain, and the
 * top-level declarations that only hidden code (transitively) uses.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

export interface HiddenProblem {
  file: string;
  line: number;
  message: string;
}

export class HiddenTestStripError extends Error {
  readonly code = 'KIT_HIDDEN_TEST';
  constructor(readonly problems: HiddenProblem[]) {
    super(`hidden tests the kit cannot remove: ${problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('; ')}`);
    this.name = 'HiddenTestStripError';
  }
}

function unwrap(e: ts.Expression): ts.Expression {
  let x = e;
  while (ts.isAsExpression(x) || ts.isSatisfiesExpression(x) || ts.isParenthesizedExpression(x) || ts.isTypeAssertionExpression(x)) x = x.expression;
  return x;
}

function propertyName(p: ts.ObjectLiteralElementLike): string | undefined {
  if (!ts.isPropertyAssignment(p)) return undefined;
  if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) return p.name.text;
  return undefined;
}

/** `{ …, visibility: 'hidden', … }` with the literal written out. */
export function isHiddenLiteral(node: ts.Node): node is ts.ObjectLiteralExpression {
  if (!ts.isObjectLiteralExpression(node)) return false;
  return node.properties.some((p) => {
    if (propertyName(p) !== 'visibility' || !ts.isPropertyAssignment(p)) return false;
    const value = unwrap(p.initializer);
    return ts.isStringLiteralLike(value) && value.text === 'hidden';
  });
}

/** A test (it has `run`), not a record of settings such as an accuracy band. */
function isTestLiteral(node: ts.ObjectLiteralExpression): boolean {
  return node.properties.some((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'run');
}

const nodeKey = (n: ts.Node) => `${n.pos}:${n.end}`;

/**
 * Where the hidden object literals of some source files are: those whose `visibility` is
 * 'hidden' as written, or as the type checker knows it (`visibility: BANDS.good.visibility`
 * with `BANDS` declared `as const`). File → node key → whether it is a test.
 */
export type HiddenIndex = ReadonlyMap<string, ReadonlyMap<string, { test: boolean }>>;

export function indexHidden(files: readonly string[]): HiddenIndex {
  const program = ts.createProgram({
    rootNames: [...files],
    options: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
  });
  const checker = program.getTypeChecker();
  const index = new Map<string, Map<string, { test: boolean }>>();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) continue;
    const found = new Map<string, { test: boolean }>();
    const visit = (n: ts.Node): void => {
      if (ts.isObjectLiteralExpression(n)) {
        const prop = n.properties.find((p) => propertyName(p) === 'visibility');
        if (prop !== undefined && ts.isPropertyAssignment(prop)) {
          const value = unwrap(prop.initializer);
          const literal = ts.isStringLiteralLike(value) ? value.text : undefined;
          const type = literal === undefined ? checker.getTypeAtLocation(value) : undefined;
          const typed = type !== undefined && type.isStringLiteral() ? type.value : undefined;
          if ((literal ?? typed) === 'hidden') found.set(nodeKey(n), { test: isTestLiteral(n) });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    index.set(file, found);
  }
  return index;
}

/** Which object literals of one file are hidden, and which of those are tests. */
interface HiddenOf {
  hidden(n: ts.Node): n is ts.ObjectLiteralExpression;
  test(n: ts.ObjectLiteralExpression): boolean;
}

function hiddenOf(file: string, index?: HiddenIndex): HiddenOf {
  const known = index?.get(file);
  if (known === undefined) return { hidden: isHiddenLiteral, test: isTestLiteral };
  return {
    hidden: (n): n is ts.ObjectLiteralExpression => ts.isObjectLiteralExpression(n) && known.has(nodeKey(n)),
    test: (n) => known.get(nodeKey(n))?.test === true,
  };
}

type FunctionLike = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

/** Whether a function returns a hidden test literal (directly, not through a nested function). */
function returnsHidden(fn: FunctionLike, h: HiddenOf): boolean {
  if (fn.body === undefined) return false;
  const returned = (e: ts.Expression) => {
    const x = unwrap(e);
    return h.hidden(x) && h.test(x);
  };
  if (!ts.isBlock(fn.body)) return returned(fn.body);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression !== undefined && returned(n.expression)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return found;
}

interface HiddenNames {
  /** Functions that return a hidden test. */
  factories: Set<string>;
  /** Constants initialised with a hidden test. */
  constants: Set<string>;
}

function collectHiddenNames(sf: ts.SourceFile, h: HiddenOf): HiddenNames {
  const names: HiddenNames = { factories: new Set(), constants: new Set() };
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name !== undefined && returnsHidden(n, h)) names.factories.add(n.name.text);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer !== undefined) {
      const init = unwrap(n.initializer);
      if ((ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && returnsHidden(init, h)) names.factories.add(n.name.text);
      else if (h.hidden(init) && h.test(init)) names.constants.add(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return names;
}

/** An element that stands for a hidden test or record: a literal, a factory call or a hidden constant. */
function isHiddenItem(e: ts.Expression, names: HiddenNames, h: HiddenOf): boolean {
  const x = unwrap(e);
  if (h.hidden(x)) return true;
  if (ts.isCallExpression(x) && ts.isIdentifier(x.expression) && names.factories.has(x.expression.text)) return true;
  return ts.isIdentifier(x) && names.constants.has(x.text);
}

function isTopLevel(d: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(d.parent) && ts.isVariableStatement(d.parent.parent) && ts.isSourceFile(d.parent.parent.parent);
}

function isPushCall(n: ts.CallExpression): boolean {
  return ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push';
}

const REMOVED_MESSAGE = 'not part of the student kit';

export interface StripResult {
  text: string;
  /** How many hidden tests (literals, factory calls, constants) were removed. */
  removed: number;
}

/**
 * The source without its hidden tests (see the top of this file). Throws HiddenTestStripError
 * when a hidden literal is somewhere the transform cannot remove it.
 */
export function stripHiddenTests(fileName: string, text: string, index?: HiddenIndex, hiddenOnly: ReadonlySet<string> = new Set()): StripResult {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const h = hiddenOf(fileName, index);
  const names = collectHiddenNames(sf, h);
  let removed = 0;
  const problems: HiddenProblem[] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;

  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const f = context.factory;
    const throwBody = () => f.createBlock([f.createThrowStatement(f.createNewExpression(f.createIdentifier('Error'), undefined, [f.createStringLiteral(REMOVED_MESSAGE)]))], true);
    const nothing = () => f.createAsExpression(f.createIdentifier('undefined'), f.createKeywordTypeNode(ts.SyntaxKind.NeverKeyword));
    const visit = (node: ts.Node): ts.Node | undefined => {
      // What only hidden tests used (a zod schema, a constant): its initialiser goes too.
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && hiddenOnly.has(node.name.text) && node.initializer !== undefined && isTopLevel(node)) {
        removed++;
        return f.updateVariableDeclaration(node, node.name, node.exclamationToken, node.type, nothing());
      }
      if (ts.isArrayLiteralExpression(node)) {
        const kept = node.elements.filter((e) => {
          const hidden = isHiddenItem(e, names, h);
          if (hidden) removed++;
          return !hidden;
        });
        return f.updateArrayLiteralExpression(node, f.createNodeArray(kept.map((e) => ts.visitNode(e, visit) as ts.Expression)));
      }
      if (ts.isCallExpression(node) && isPushCall(node)) {
        const kept = node.arguments.filter((a) => {
          const hidden = isHiddenItem(a, names, h);
          if (hidden) removed++;
          return !hidden;
        });
        return f.updateCallExpression(
          node,
          ts.visitNode(node.expression, visit) as ts.Expression,
          node.typeArguments,
          kept.map((a) => ts.visitNode(a, visit) as ts.Expression),
        );
      }
      if (ts.isFunctionDeclaration(node) && node.name !== undefined && names.factories.has(node.name.text) && node.body !== undefined) {
        return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, throwBody());
      }
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer !== undefined) {
        if (names.factories.has(node.name.text)) {
          const init = unwrap(node.initializer);
          if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) {
            const replaced = f.createArrowFunction(undefined, undefined, init.parameters, init.type, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), throwBody());
            return f.updateVariableDeclaration(node, node.name, node.exclamationToken, node.type, replaced);
          }
        }
        if (names.constants.has(node.name.text)) return f.updateVariableDeclaration(node, node.name, node.exclamationToken, node.type, nothing());
      }
      if (h.hidden(node) && h.test(node)) {
        problems.push({ file: fileName, line: lineOf(node), message: 'a hidden test outside an array literal, a `.push(…)` argument, a test factory or a constant' });
        return node;
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (root) => ts.visitNode(root, visit) as ts.SourceFile;
  };

  const result = ts.transform(sf, [transformer]);
  try {
    if (problems.length > 0) throw new HiddenTestStripError(problems);
    // Printed again even when nothing was removed: without comments (esbuild keeps some, inside
    // object literals, and a comment may speak of a hidden test).
    const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: true });
    return { text: printer.printFile(result.transformed[0]), removed };
  } finally {
    result.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// What the hidden tests are made of, for the leak test.

export interface HiddenCode {
  /** String literals (and template literal texts) of hidden code that the rest of the files lack, 16 characters or more. */
  strings: string[];
  /** All of them, short ones included (probe names, say). */
  hiddenOnlyStrings: Set<string>;
  /** Top-level declarations that only hidden code uses, directly or through each other. */
  declarations: string[];
  /** The same, per file. */
  declarationsByFile: Map<string, Set<string>>;
}

function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    ((ts.isFunctionDeclaration(p) || ts.isVariableDeclaration(p) || ts.isClassDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.name === id) ||
    ts.isImportSpecifier(p) ||
    ts.isExportSpecifier(p) ||
    ts.isImportClause(p) ||
    ts.isNamespaceImport(p) ||
    (ts.isPropertyAssignment(p) && p.name === id) ||
    (ts.isPropertyAccessExpression(p) && p.name === id) ||
    (ts.isPropertySignature(p) && p.name === id) ||
    (ts.isMethodDeclaration(p) && p.name === id)
  );
}

interface TopLevel {
  name: string;
  node: ts.Node;
}

function topLevelDeclarations(sf: ts.SourceFile): TopLevel[] {
  const out: TopLevel[] = [];
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name !== undefined) out.push({ name: st.name.text, node: st });
    else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.push({ name: d.name.text, node: d });
    } else if (ts.isClassDeclaration(st) && st.name !== undefined) out.push({ name: st.name.text, node: st });
  }
  return out;
}

/** Who imports what from a file of the set: `import { imported as local }` or `import * as local`. */
interface ImportLink {
  importer: ts.SourceFile;
  imported: string;
  local: string;
  namespace: boolean;
  reexport: boolean;
}

function importLinks(files: readonly ts.SourceFile[]): Map<ts.SourceFile, ImportLink[]> {
  const byPath = new Map(files.map((sf) => [path.resolve(sf.fileName), sf]));
  const resolve = (from: string, spec: string): ts.SourceFile | undefined => {
    if (!spec.startsWith('.')) return undefined;
    const base = path.resolve(path.dirname(from), spec);
    return byPath.get(base) ?? byPath.get(`${base}.ts`) ?? byPath.get(path.join(base, 'index.ts')) ?? byPath.get(base.replace(/\.js$/, '.ts'));
  };
  const links = new Map<ts.SourceFile, ImportLink[]>();
  for (const importer of files) {
    for (const st of importer.statements) {
      // A re-export passes names on to files this analysis does not follow: each counts as a visible use.
      if (ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined && ts.isStringLiteral(st.moduleSpecifier)) {
        const target = resolve(importer.fileName, st.moduleSpecifier.text);
        if (target === undefined) continue;
        const list = links.get(target) ?? [];
        const names = st.exportClause !== undefined && ts.isNamedExports(st.exportClause) ? st.exportClause.elements.map((el) => (el.propertyName ?? el.name).text) : ['*'];
        for (const name of names) list.push({ importer, imported: name, local: name, namespace: name === '*', reexport: true });
        links.set(target, list);
        continue;
      }
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.importClause === undefined) continue;
      const target = resolve(importer.fileName, st.moduleSpecifier.text);
      if (target === undefined) continue;
      const list = links.get(target) ?? [];
      const bindings = st.importClause.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) list.push({ importer, imported: '*', local: bindings.name.text, namespace: true, reexport: false });
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) list.push({ importer, imported: (el.propertyName ?? el.name).text, local: el.name.text, namespace: false, reexport: false });
      }
      links.set(target, list);
    }
  }
  return links;
}

function within(node: ts.Node, ranges: ts.Node[]): boolean {
  return ranges.some((r) => node.pos >= r.pos && node.end <= r.end);
}

/**
 * The hidden code of a set of source files (an assignment's spec and the modules it imports),
 * given as file name → text. Uses across files count: a declaration used by another file's
 * visible code is not hidden-only.
 */
export function analyzeHidden(files: ReadonlyMap<string, string>, index?: HiddenIndex): HiddenCode {
  const parsed = [...files].map(([name, text]) => ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
  // Hidden regions per file: what the transform removes (hidden tests, hidden records in
  // arrays) and the factories that return hidden tests. Hidden records kept as data (an
  // object of bands, say) are not regions: they stay in the kit.
  const regions = new Map<ts.SourceFile, ts.Node[]>();
  for (const sf of parsed) {
    const h = hiddenOf(sf.fileName, index);
    const names = collectHiddenNames(sf, h);
    const nodes: ts.Node[] = [];
    const visit = (n: ts.Node): void => {
      if (h.hidden(n) && (h.test(n) || ts.isArrayLiteralExpression(n.parent))) {
        nodes.push(n);
        return;
      }
      if (ts.isFunctionDeclaration(n) && n.name !== undefined && names.factories.has(n.name.text)) {
        nodes.push(n);
        return;
      }
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && (names.factories.has(n.name.text) || names.constants.has(n.name.text))) {
        nodes.push(n);
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    regions.set(sf, nodes);
  }
  // Grow the regions with top-level declarations used only inside them, to a fixpoint. A use
  // counts for a declaration only where the name is that declaration's: in its own file, or in
  // a file that imports it (by name, or the whole module as a namespace). Counting by name
  // across files let one assignment's hidden `spec.limits` make another's `spec` hidden-only.
  const links = importLinks(parsed);
  const declarations = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    const uses = new Map<ts.SourceFile, Map<string, { hidden: number; visible: number }>>();
    for (const sf of parsed) {
      const hiddenNodes = regions.get(sf) ?? [];
      const mine = new Map<string, { hidden: number; visible: number }>();
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n) && !isDeclarationName(n)) {
          const u = mine.get(n.text) ?? { hidden: 0, visible: 0 };
          if (within(n, hiddenNodes)) u.hidden++;
          else u.visible++;
          mine.set(n.text, u);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
      uses.set(sf, mine);
    }
    const usesOf = (sf: ts.SourceFile, name: string): { hidden: number; visible: number } => {
      const total = { hidden: 0, visible: 0 };
      const add = (file: ts.SourceFile, local: string) => {
        const u = uses.get(file)?.get(local);
        if (u !== undefined) {
          total.hidden += u.hidden;
          total.visible += u.visible;
        }
      };
      add(sf, name);
      for (const link of links.get(sf) ?? []) {
        if (link.reexport && (link.namespace || link.imported === name)) total.visible++;
        else add(link.importer, link.namespace ? link.local : link.imported === name ? link.local : '');
      }
      return total;
    };
    for (const sf of parsed) {
      const hiddenNodes = regions.get(sf) ?? [];
      for (const d of topLevelDeclarations(sf)) {
        if (within(d.node, hiddenNodes)) continue;
        const u = usesOf(sf, d.name);
        if (u.hidden > 0 && u.visible === 0) {
          declarations.add(d.name);
          hiddenNodes.push(d.node);
          changed = true;
        }
      }
      regions.set(sf, hiddenNodes);
    }
  }
  const declarationsByFile = new Map<string, Set<string>>();
  for (const sf of parsed) {
    const mine = new Set<string>();
    for (const n of regions.get(sf) ?? []) {
      if ((ts.isFunctionDeclaration(n) || ts.isVariableDeclaration(n) || ts.isClassDeclaration(n)) && n.name !== undefined && ts.isIdentifier(n.name) && n.parent !== undefined) {
        const topLevel = ts.isSourceFile(n.parent) || (ts.isVariableDeclarationList(n.parent) && ts.isVariableStatement(n.parent.parent) && ts.isSourceFile(n.parent.parent.parent));
        if (!topLevel) continue;
        declarations.add(n.name.text);
        mine.add(n.name.text);
      }
    }
    declarationsByFile.set(sf.fileName, mine);
  }
  // Strings of hidden code that visible code does not also hold.
  const hiddenStrings = new Set<string>();
  const visibleStrings = new Set<string>();
  for (const sf of parsed) {
    const hiddenNodes = regions.get(sf) ?? [];
    const visit = (n: ts.Node): void => {
      let textOf: string | undefined;
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) textOf = n.text;
      else if (ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) textOf = n.text;
      if (textOf !== undefined && !ts.isImportDeclaration(n.parent) && !ts.isExportDeclaration(n.parent)) {
        (within(n, hiddenNodes) ? hiddenStrings : visibleStrings).add(textOf);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  const hiddenOnlyStrings = new Set([...hiddenStrings].filter((s) => !visibleStrings.has(s)));
  // For a search: long enough to be specific, and not part of a visible string.
  const visibleText = [...visibleStrings].join('\u0000');
  const strings = [...hiddenOnlyStrings].filter((s) => s.trim().length >= 16 && !visibleText.includes(s));
  return { strings: strings.sort(), hiddenOnlyStrings, declarations: [...declarations].sort(), declarationsByFile };
}

/**
 * The probes module without the probes that only hidden tests call: the properties `names` of
 * the object passed to `defineProbes(…)` (or assigned to `probes`) are dropped.
 */
export function pruneProbes(fileName: string, text: string, names: ReadonlySet<string>): string {
  if (names.size === 0) return text;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  let pruned = 0;
  const isProbesObject = (node: ts.ObjectLiteralExpression): boolean => {
    const p = node.parent;
    if (ts.isCallExpression(p) && ts.isIdentifier(p.expression) && p.expression.text === 'defineProbes') return true;
    return ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && p.name.text === 'probes';
  };
  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isObjectLiteralExpression(node) && isProbesObject(node)) {
        const kept = node.properties.filter((p) => {
          const name = p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
          const drop = name !== undefined && names.has(name);
          if (drop) pruned++;
          return !drop;
        });
        return context.factory.updateObjectLiteralExpression(node, kept);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (root) => ts.visitNode(root, visit) as ts.SourceFile;
  };
  const result = ts.transform(sf, [transformer]);
  try {
    if (pruned === 0) return text;
    return ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: true }).printFile(result.transformed[0]);
  } finally {
    result.dispose();
  }
}

/** Whether JavaScript code reads `reference` off something (`ctx.reference`, `{ reference } = ctx`). */
export function readsReference(fileName: string, code: string): boolean {
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'reference') found = true;
    else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) && n.argumentExpression.text === 'reference') found = true;
    else if (ts.isBindingElement(n) && ((n.propertyName !== undefined && ts.isIdentifier(n.propertyName) && n.propertyName.text === 'reference') || (n.propertyName === undefined && ts.isIdentifier(n.name) && n.name.text === 'reference'))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}
