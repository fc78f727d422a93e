/**
 * Command line of `npm run bench`. Parsing is pure; problems come back all together.
 */
export interface BenchArgs {
  /** Module names to run; empty means all. */
  only: string[];
  quick: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only NAME[,NAME...]]...

  --quick        smoke run: short warm-up and timing, numbers not worth comparing
  --only NAME    run only the named module (repeatable, or comma-separated)
  --help         this text

Writes bench-results/bench-<UTC time>.json and bench-results/latest.json.`;

export function parseBenchArgs(argv: readonly string[]): { args: BenchArgs; errors: string[] } {
  const args: BenchArgs = { only: [], quick: false, help: false };
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') {
      args.quick = true;
    } else if (arg === '--help' || arg === '-h') {
      args.help = true;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (value === undefined || value.startsWith('--') || names.length === 0) {
        errors.push('--only needs a module name');
        if (value?.startsWith('--')) i--;
      } else {
        args.only.push(...names);
      }
    } else {
      errors.push(`unknown argument '${arg}'`);
    }
  }
  return { args, errors };
}
