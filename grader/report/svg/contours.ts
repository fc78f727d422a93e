/**
 * Marching squares: the iso-lines of a sampled function, joined into polylines. Pure
 * geometry in grid-index space (x = column, y = row, fractional); the chart maps them to
 * pixels.
 */

export type Point = [number, number];

/**
 * The iso-lines of `values` (row-major, rows × cols) at `level`, as polylines in index
 * space. Saddle cells are resolved by the mean of their corners. Deterministic.
 */
export function contourLines(values: readonly number[], rows: number, cols: number, level: number): Point[][] {
  if (rows < 2 || cols < 2 || values.length !== rows * cols) return [];
  const at = (r: number, c: number) => values[r * cols + c];
  const above = (v: number) => v >= level;
  const frac = (a: number, b: number) => {
    const d = b - a;
    const t = d === 0 ? 0.5 : (level - a) / d;
    return Math.max(0, Math.min(1, t));
  };
  // Edge ids: horizontal edge from (r, c) to (r, c+1) → 2·(r·cols + c); vertical from (r, c)
  // to (r+1, c) → 2·(r·cols + c) + 1. A crossing on an edge is shared by its two cells.
  const points = new Map<number, Point>();
  const crossing = (id: number, p: () => Point): number => {
    if (!points.has(id)) points.set(id, p());
    return id;
  };
  const segments: [number, number][] = [];
  for (let r = 0; r < rows - 1; r++) {
    for (let c = 0; c < cols - 1; c++) {
      const v00 = at(r, c);
      const v01 = at(r, c + 1);
      const v10 = at(r + 1, c);
      const v11 = at(r + 1, c + 1);
      const a00 = above(v00);
      const a01 = above(v01);
      const a10 = above(v10);
      const a11 = above(v11);
      const top = a00 !== a01 ? crossing(2 * (r * cols + c), () => [c + frac(v00, v01), r]) : -1;
      const bottom = a10 !== a11 ? crossing(2 * ((r + 1) * cols + c), () => [c + frac(v10, v11), r + 1]) : -1;
      const left = a00 !== a10 ? crossing(2 * (r * cols + c) + 1, () => [c, r + frac(v00, v10)]) : -1;
      const right = a01 !== a11 ? crossing(2 * (r * cols + c + 1) + 1, () => [c + 1, r + frac(v01, v11)]) : -1;
      const found = [top, right, bottom, left].filter((e) => e >= 0);
      if (found.length === 2) segments.push([found[0], found[1]]);
      else if (found.length === 4) {
        const centre = above((v00 + v01 + v10 + v11) / 4);
        if (centre === a00) segments.push([top, right], [bottom, left]);
        else segments.push([top, left], [right, bottom]);
      }
    }
  }
  // Join segments that share a crossing into chains (every crossing joins at most two).
  const byPoint = new Map<number, number[]>();
  segments.forEach(([a, b], i) => {
    for (const p of [a, b]) {
      const list = byPoint.get(p);
      if (list) list.push(i);
      else byPoint.set(p, [i]);
    }
  });
  const used = new Uint8Array(segments.length);
  const lines: Point[][] = [];
  const extend = (chain: number[], from: number) => {
    let end = from;
    for (;;) {
      const next = (byPoint.get(end) ?? []).find((i) => !used[i]);
      if (next === undefined) return;
      used[next] = 1;
      const [a, b] = segments[next];
      end = a === end ? b : a;
      chain.push(end);
    }
  };
  for (let i = 0; i < segments.length; i++) {
    if (used[i]) continue;
    used[i] = 1;
    const [a, b] = segments[i];
    const forward = [a, b];
    extend(forward, b);
    const backward: number[] = [];
    extend(backward, a);
    const chain = [...backward.reverse(), ...forward];
    lines.push(chain.map((id) => points.get(id) as Point));
  }
  return lines;
}

/**
 * About `count` contour levels between min and max, spaced logarithmically above the minimum
 * (dense near the optimum, where paths end): min + (max − min)·10^t for t from −3 to −0.15.
 */
export function contourLevels(min: number, max: number, count = 8): number[] {
  const range = max - min;
  if (!Number.isFinite(range) || range <= 0) return [];
  const levels: number[] = [];
  for (let k = 0; k < count; k++) {
    const t = -3 + (k * (3 - 0.15)) / Math.max(1, count - 1);
    levels.push(min + range * Math.pow(10, t));
  }
  return levels;
}
