/**
 * The run's config as a plain JSON value (docs/client.md#what-the-constructor-does): the same rules as the
 * run-folder JSON dialect (toJSON honoured; undefined, functions and symbols dropped in objects and null in
 * arrays; bigint and non-finite numbers kept), in a form that can be handed to the writer thread. A cycle
 * throws TypeError.
 */
export function configSnapshot(value: unknown): unknown {
  return plain(value, '$', []);
}

function plain(value: unknown, path: string, stack: object[]): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(path);
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) return obj.valueOf();
  if (stack.includes(obj)) throw new TypeError(`${path}: contains a cycle`);
  stack.push(obj);
  try {
    if (Array.isArray(obj) || ArrayBuffer.isView(obj)) {
      const arr = obj as ArrayLike<unknown>;
      const out: unknown[] = [];
      for (let i = 0; i < arr.length; i++) out.push(plain(arr[i], `${path}[${i}]`, stack) ?? null);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const v = plain((obj as Record<string, unknown>)[key], `${path}.${key}`, stack);
      if (v !== undefined)
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    stack.pop();
  }
}
