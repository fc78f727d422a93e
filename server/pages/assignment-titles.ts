/** An assignment's title from its spec (the id when the spec cannot be loaded). */
import { getAssignment } from '../../grader/spec/discover';
import type { AppContext } from '../app';

const cache = new Map<string, string>();

export function assignmentTitle(ctx: AppContext, id: string): string {
  const key = `${ctx.config.catalogueRoot ?? ''}\u0000${id}`;
  let title = cache.get(key);
  if (title === undefined) {
    try {
      title = getAssignment(id, ctx.config.catalogueRoot).spec.title;
    } catch {
      title = id;
    }
    cache.set(key, title);
  }
  return title;
}
