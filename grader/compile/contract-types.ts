/**
 * Compares a submission's exports with the assignment's interface (the `Contract` type of
 * the assignment's contract.ts), one member at a time, with the TypeScript checker.
 *
 * The type checker sees a virtual file next to the entry:
 * ```ts
 * import * as __submission from './solution';
 * import type { Contract as __Contract } from '/abs/assignments/<id>/contract.ts';
 * export declare const __contract: __Contract;
 * ```
 * For each member of __Contract: not exported (or only as a type) → CONTRACT_EXPORT on the
 * entry; exported with a type that is not assignable → CONTRACT_TYPE at the declaration,
 * with what was expected, what came, and the first reason (not a function, too many
 * required parameters, return type, a parameter's type).
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { diagnosticAt, fileDiagnostic, type CompileDiagnostic } from './diagnostics';

export const CHECK_FILE_BASENAME = '__grader_contract_check__';

export interface ContractSpec {
  /** Absolute path of a .ts file exporting the interface. */
  path: string;
  /** The exported interface (or type) that the module's exports must satisfy. */
  typeName: string;
}

export function checkFileText(entry: string, contract: ContractSpec): string {
  const entrySpecifier = `./${entry.replace(/\.ts$/, '')}`;
  return [
    `import * as __submission from ${JSON.stringify(entrySpecifier)};`,
    `import type { ${contract.typeName} as __Contract } from ${JSON.stringify(contract.path)};`,
    'export declare const __contract: __Contract;',
    'export { __submission };',
    '',
  ].join('\n');
}

export interface ContractTypesInput {
  program: ts.Program;
  checkFile: ts.SourceFile;
  dir: string;
  entry: string;
  sources: ReadonlyMap<string, string>;
  contract: ContractSpec;
  /** Makes a message free of the grader's absolute paths. */
  clean(message: string): string;
}

/** Contract files already found free of errors (a SourceFile is reused while its text is unchanged). */
const verifiedContracts = new WeakSet<ts.SourceFile>();

function flatten(d: ts.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(d.messageText, '\n');
}

/** The assignment's contract file is broken: a grader bug, never the student's. */
export class ContractSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractSetupError';
  }
}

/** Throws ContractSetupError when the grader's own contract is broken. */
function assertContractSound(input: ContractTypesInput): void {
  const { program, checkFile, contract } = input;
  const contractSf = program.getSourceFile(contract.path);
  if (!contractSf) throw new ContractSetupError(`contract file not found: ${contract.path}`);
  if (!verifiedContracts.has(contractSf)) {
    const errors = [...program.getSyntacticDiagnostics(contractSf), ...program.getSemanticDiagnostics(contractSf)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error,
    );
    if (errors.length > 0) {
      throw new ContractSetupError(`contract ${contract.path} does not type-check: ${errors.map(flatten).join('; ')}`);
    }
    verifiedContracts.add(contractSf);
  }
  // Errors on the contract's import line of the check file: e.g. no such exported type.
  const importLine = checkFile.statements[1];
  const bad = program
    .getSemanticDiagnostics(checkFile)
    .filter((d) => importLine && d.start !== undefined && d.start >= importLine.pos && d.start < importLine.end);
  if (bad.length > 0) {
    throw new ContractSetupError(`contract ${contract.path} (${contract.typeName}): ${bad.map(flatten).join('; ')}`);
  }
}

function isOptionalParameter(p: ts.Symbol): boolean {
  const d = p.valueDeclaration;
  return !!d && ts.isParameter(d) && (!!d.questionToken || !!d.initializer || !!d.dotDotDotToken);
}

/** The first concrete reason why `actual` is not assignable to `expected`, if one is found. */
function explain(checker: ts.TypeChecker, actual: ts.Type, expected: ts.Type, str: (t: ts.Type) => string): string | undefined {
  const eSigs = checker.getSignaturesOfType(expected, ts.SignatureKind.Call);
  const aSigs = checker.getSignaturesOfType(actual, ts.SignatureKind.Call);
  if (eSigs.length > 0 && aSigs.length === 0) return 'it is not a function';
  const [e] = eSigs;
  const [a] = aSigs;
  if (eSigs.length !== 1 || aSigs.length !== 1 || !e || !a) return undefined;
  const required = a.parameters.filter((p) => !isOptionalParameter(p)).length;
  if (required > e.parameters.length) {
    return `it requires ${required} arguments, but it is called with ${e.parameters.length}`;
  }
  const eRet = checker.getReturnTypeOfSignature(e);
  const aRet = checker.getReturnTypeOfSignature(a);
  if (!checker.isTypeAssignableTo(aRet, eRet)) return `it returns \`${str(aRet)}\` where \`${str(eRet)}\` is expected`;
  for (let i = 0; i < Math.min(e.parameters.length, a.parameters.length); i++) {
    const ep = e.parameters[i];
    const ap = a.parameters[i];
    if (!ep || !ap) continue;
    const eT = checker.getTypeOfSymbol(ep);
    const aT = checker.getTypeOfSymbol(ap);
    if (!checker.isTypeAssignableTo(eT, aT) && !checker.isTypeAssignableTo(aT, eT)) {
      return `its parameter \`${ap.name}\` has type \`${str(aT)}\`, but it is called with \`${str(eT)}\``;
    }
  }
  return undefined;
}

export function checkContractTypes(input: ContractTypesInput): CompileDiagnostic[] {
  const { program, checkFile, dir, entry, sources, clean } = input;
  assertContractSound(input);
  const checker = program.getTypeChecker();
  const flags = ts.TypeFormatFlags.NoTruncation;
  // tfjs's Tensor prints as Tensor<Rank>; the contracts and the lecture write Tensor.
  const tidy = (s: string): string => clean(s).replace(/\bTensor<Rank>/g, 'Tensor');
  const str = (t: ts.Type): string => tidy(checker.typeToString(t, undefined, flags));
  /** `f(x: Tensor, y: Tensor): Tensor` for a function, `name: type` otherwise. */
  const describe = (name: string, t: ts.Type): string => {
    const sigs = checker.getSignaturesOfType(t, ts.SignatureKind.Call);
    const [sig] = sigs;
    if (sigs.length === 1 && sig && t.getProperties().length === 0) {
      return `${name}${tidy(checker.signatureToString(sig, undefined, flags))}`;
    }
    return `${name}: ${str(t)}`;
  };

  const importDecl = checkFile.statements[0];
  const contractDecl = checkFile.statements[2];
  if (!importDecl || !ts.isImportDeclaration(importDecl) || !contractDecl || !ts.isVariableStatement(contractDecl)) {
    throw new Error('the contract check file has an unexpected shape');
  }
  const contractVar = contractDecl.declarationList.declarations[0];
  if (!contractVar) throw new Error('the contract check file has an unexpected shape');
  const contractType = checker.getTypeAtLocation(contractVar.name);
  const moduleSymbol = checker.getSymbolAtLocation(importDecl.moduleSpecifier);
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];

  const out: CompileDiagnostic[] = [];
  for (const member of checker.getPropertiesOfType(contractType)) {
    const name = member.name;
    const expected = checker.getTypeOfSymbol(member);
    const optional = (member.flags & ts.SymbolFlags.Optional) !== 0;
    const exported = exports.find((s) => s.name === name);
    let target = exported;
    if (target && target.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(target);
    if (!target || !(target.flags & ts.SymbolFlags.Value)) {
      if (optional && !exported) continue;
      const why = !moduleSymbol
        ? ` (${entry} has no exports at all)`
        : exported
          ? ' as a value (it is exported only as a type)'
          : '';
      out.push(
        fileDiagnostic(
          entry,
          'CONTRACT_EXPORT',
          `${entry} does not export \`${name}\`${why}: expected \`${describe(name, expected)}\``,
        ),
      );
      continue;
    }
    const actual = checker.getTypeOfSymbol(target);
    if (checker.isTypeAssignableTo(actual, expected)) continue;
    const reason = explain(checker, actual, expected, str);
    const message = `${entry} does not export \`${name}\` with the expected type: ${reason ? `${reason}; ` : ''}expected \`${describe(name, expected)}\`, got \`${describe(name, actual)}\``;
    out.push(locate(target, exported, dir, entry, sources, message));
  }
  return out;
}

/** At the declaration in a submission file when there is one, else on the entry as a whole. */
function locate(
  target: ts.Symbol,
  alias: ts.Symbol | undefined,
  dir: string,
  entry: string,
  sources: ReadonlyMap<string, string>,
  message: string,
): CompileDiagnostic {
  const candidates = [target.valueDeclaration, ...(target.declarations ?? []), ...(alias?.declarations ?? [])];
  for (const decl of candidates) {
    if (!decl) continue;
    const sf = decl.getSourceFile();
    const rel = path.relative(dir, sf.fileName).split(path.sep).join('/');
    const text = sources.get(rel);
    if (text === undefined) continue;
    const node = ts.getNameOfDeclaration(decl) ?? decl;
    return diagnosticAt(rel, text, node.getStart(sf), 'CONTRACT_TYPE', message);
  }
  return fileDiagnostic(entry, 'CONTRACT_TYPE', message);
}
