/**
 * The buffers of a logging call's items: transferred to the writer with the message, never cloned
 * (docs/client.md#transport). Every one is a copy the client made at log time, so transferring it detaches
 * nothing the caller still uses.
 */
import type { LogItem } from '../writer/messages.js';

export function payloadsOf(item: LogItem): ArrayBufferView[] {
  const present = <T>(xs: Array<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined);
  switch (item.kind) {
    case 'media':
      return present<ArrayBufferView>([item.bytes, item.pixels?.data]);
    case 'table':
      return item.media.flatMap((m) => (m ? payloadsOf(m) : []));
    case 'histogram':
      return present<ArrayBufferView>([
        item.values,
        item.computed !== 'empty' ? item.computed?.counts : undefined,
      ]);
    case 'tensor':
      return [item.data];
    case 'kde':
      return present<ArrayBufferView>([item.values, item.grid, item.density]);
  }
}

/** The distinct transferable buffers of some items and their total size. */
export function transferListOf(items: readonly LogItem[]): { transfer: ArrayBuffer[]; bytes: number } {
  const seen = new Set<ArrayBuffer>();
  let bytes = 0;
  for (const item of items) {
    for (const view of payloadsOf(item)) {
      if (!(view.buffer instanceof ArrayBuffer) || seen.has(view.buffer)) continue;
      seen.add(view.buffer);
      bytes += view.byteLength;
    }
  }
  return { transfer: [...seen], bytes };
}
