/**
 * Records the reference's loss curve of the MNIST assignments in
 * assignments/<id>/reference-curve.json (see reference-curves.ts). Run after changing a
 * reference, a spec's training settings or the data set:
 *
 *   npm run build && node dist/tests/tools/record-reference-curves.js [id…]
 *
 * Without ids, every assignment of CURVE_IDS is recorded.
 */
import * as fs from 'node:fs';
import { referenceCurvePath } from '../../assignments/mnist-mlp/student-models';
import { CURVE_IDS, trainReferenceCurve, type CurveId } from './reference-curves';

function isCurveId(value: string): value is CurveId {
  return (CURVE_IDS as readonly string[]).includes(value);
}

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((a) => !isCurveId(a));
  if (unknown.length > 0) throw new Error(`unknown assignment ${unknown.join(', ')}; known: ${CURVE_IDS.join(', ')}`);
  const ids = args.length > 0 ? args.filter(isCurveId) : [...CURVE_IDS];
  for (const id of ids) {
    const started = Date.now();
    const curve = await trainReferenceCurve(id);
    const file = referenceCurvePath(id);
    fs.writeFileSync(file, `${JSON.stringify(curve, null, 2)}\n`);
    const test = Object.entries(curve.test)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(', ');
    console.log(`${id}: losses ${curve.losses.map((l) => l.toFixed(4)).join(', ')}; ${test} (${curve.backend}, ${curve.dataset}, ${((Date.now() - started) / 1000).toFixed(1)} s) → ${file}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
