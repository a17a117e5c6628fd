/**
 * Media that belong to a table: the client stores every media cell of table T as a media entry named
 * `T_r<row>_c<col>` (STORAGE/CLIENT specs). Such names get no default media card of their own; the
 * table card shows them, and Add Chart still lists them.
 */

const CELL_SUFFIX = /_r\d+_c\d+$/;

/** Whether `mediaName` is a cell of one of the run's `tables`. */
export function isTableCellMedia(mediaName: string, tables: ReadonlySet<string>): boolean {
  const m = CELL_SUFFIX.exec(mediaName);
  return m !== null && tables.has(mediaName.slice(0, m.index));
}

/** The media names that are not table cells, in their given order. */
export function standaloneMedia(media: readonly string[], tables: readonly string[]): string[] {
  const set = new Set(tables);
  return media.filter((n) => !isTableCellMedia(n, set));
}
