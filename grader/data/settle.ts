/**
 * Like Promise.all, but waits for every promise and then throws the FIRST rejection in
 * argument order, not whichever came first in time: with several broken files, the error
 * reported is the same on every run.
 */
export async function allInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const values: unknown[] = [];
  for (const r of settled) {
    if (r.status === 'rejected') throw r.reason;
    values.push(r.value);
  }
  return values as unknown as T;
}
