/**
 * Nesting deeper than any real payload is refused before anything recurses over it
 * (JSON.stringify, validators): a hostile document must not overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** The depth of the deepest container in `root` (1 for a flat object), stopping past `limit`. */
export function exceedsJsonDepth(root: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
