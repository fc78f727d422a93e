/**
 * The students' starter repository: one folder per assignment with starter.ts as
 * solution.ts, the statements (README.md, README.ru.md) and the contract the exports are
 * type-checked against; a package.json, a tsconfig.json for editors, a pre-push hook and a
 * manifest (kit.json) naming the visible tests.
 *
 * Only files listed here are copied, never a folder wholesale: no reference code, no spec
 * (it holds the hidden tests' names), no probes or helpers, no examples, no data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverAssignments } from '../spec/discover';
import { GRADER_VERSION } from '../version';

export interface KitOptions {
  /** The folder to create; it must not exist or be empty. */
  out: string;
  /** Root holding assignments/ and reference/ (default: the grader's own). */
  catalogueRoot?: string;
}

export interface KitManifest {
  grader_version: string;
  assignments: Array<{ id: string; visible_tests: Array<{ name: string; points: number }> }>;
}

export interface KitOutcome {
  out: string;
  manifest: KitManifest;
  /** Every file written, relative to out. */
  files: string[];
}

export class KitOutputNotEmptyError extends Error {
  readonly code = 'KIT_OUTPUT_NOT_EMPTY';
  constructor(out: string) {
    super(`the kit's output folder is not empty: ${out}`);
    this.name = 'KitOutputNotEmptyError';
  }
}

const PRE_PUSH = `#!/bin/sh
# Runs the grader's visible tests before every push; installed by \`npm run install-hook\`.
exec npx --no-install grader check
`;

function kitReadme(manifest: KitManifest): string {
  const list = manifest.assignments.map((a) => `- \`${a.id}/solution.ts\`: see \`${a.id}/README.md\` (${a.visible_tests.length} visible tests)`).join('\n');
  return `# Neural networks, part 2: your solutions

One folder per assignment. Write your code in \`<assignment>/solution.ts\` (further \`.ts\` files in
the same folder may be imported relatively); the only package you may import is
\`@tensorflow/tfjs\`. \`contract.ts\` in each folder states the exports your solution must have.

${list}

Before pushing, run \`grader check\` (or \`grader check <assignment>\`) with the course's grader
installed as the instructors tell you: it grades your working copy on the visible tests and
exits 0 only when all of them pass. \`npm run install-hook\`
makes git run it before every push. The server also runs hidden tests after the deadline.
`;
}

export function buildKit(options: KitOptions): KitOutcome {
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new KitOutputNotEmptyError(out);
  const { assignments, broken } = discoverAssignments(options.catalogueRoot);
  if (broken.length > 0) {
    throw new Error(`broken assignments, no kit built: ${broken.map((b) => `${b.id}: ${b.error}`).join('; ')}`);
  }
  const files: string[] = [];
  const write = (rel: string, text: string, mode?: number) => {
    const target = path.join(out, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text, mode !== undefined ? { mode } : {});
    files.push(rel);
  };
  const copy = (from: string, rel: string) => write(rel, fs.readFileSync(from, 'utf8'));

  const manifest: KitManifest = { grader_version: GRADER_VERSION, assignments: [] };
  for (const a of assignments) {
    copy(path.join(a.dir, 'starter.ts'), path.join(a.id, a.spec.entry));
    for (const readme of ['README.md', 'README.ru.md']) {
      const file = path.join(a.dir, readme);
      if (fs.existsSync(file)) copy(file, path.join(a.id, readme));
    }
    if (a.contractPath !== null) copy(a.contractPath, path.join(a.id, path.basename(a.contractPath)));
    manifest.assignments.push({
      id: a.id,
      visible_tests: a.spec.tests.filter((t) => t.visibility === 'visible').map((t) => ({ name: t.name, points: t.points })),
    });
  }

  const pkg = {
    name: 'nn2-solutions',
    version: '1.0.0',
    private: true,
    description: 'Solutions to the assignments of "Neural networks, part 2"',
    scripts: {
      check: 'grader check',
      'install-hook': 'git config core.hooksPath .githooks',
    },
    dependencies: { '@tensorflow/tfjs': '4.22.0' },
    devDependencies: { typescript: '~5.9.3' },
  };
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true },
    include: ['*/*.ts'],
  };
  write('tsconfig.json', `${JSON.stringify(tsconfig, null, 2)}\n`);
  write('.gitignore', 'node_modules/\n');
  write(path.join('.githooks', 'pre-push'), PRE_PUSH, 0o755);
  write('kit.json', `${JSON.stringify(manifest, null, 2)}\n`);
  write('README.md', kitReadme(manifest));
  return { out, manifest, files: files.sort() };
}
