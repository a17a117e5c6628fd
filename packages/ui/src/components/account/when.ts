/** Dates in the signed-in pages' tables: the day in the cell, the full time in its tooltip. */
import { formatDate } from '../../charts/format';

/** "12/7/2026" in the reader's locale; '' for none. */
export function formatDay(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleDateString() : '';
}

export { formatDate as formatTime };
