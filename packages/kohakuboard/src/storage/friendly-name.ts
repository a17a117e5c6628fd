import { randomInt } from 'node:crypto';
import { OBJECTS, PREDICATES } from './friendly-words.js';

const capitalise = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** A default run name such as "Aback Zucchini" (docs/format.md#default-run-names). */
export function friendlyRunName(): string {
  const predicate = PREDICATES[randomInt(PREDICATES.length)];
  const object = OBJECTS[randomInt(OBJECTS.length)];
  return `${capitalise(predicate)} ${capitalise(object)}`;
}
