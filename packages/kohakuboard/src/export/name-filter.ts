/**
 * `--metric GLOB…`: which names an export takes. `*` matches within one path segment (`train/*` is every
 * metric directly under train/), `**` across segments; a name without wildcards matches only itself.
 */
import picomatch from 'picomatch';

export type NameFilter = (name: string) => boolean;

export function nameFilter(globs: readonly string[]): NameFilter {
  if (globs.length === 0) return () => true;
  const matchers = globs.map((g) => picomatch(g, { dot: true }));
  return (name) => matchers.some((m) => m(name));
}
