// The board's internal test switches (src/client/internal-hooks.ts): a symbol-keyed entry of the options.
export const INTERNAL_HOOKS = Symbol.for('kohakuboard.internalHooks');

/** Board options with internal hooks added. */
export function withHooks(options, hooks) {
  return { ...options, [INTERNAL_HOOKS]: hooks };
}
