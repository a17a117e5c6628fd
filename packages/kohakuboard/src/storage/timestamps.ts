/**
 * Timestamps in run folders (docs/format.md#timestamps): Python's datetime.isoformat() of an aware UTC time.
 */

/** `2025-01-29T07:04:23.123000+00:00`, or without the fraction when the milliseconds are 0. */
export function formatPythonIso(date: Date | number): string {
  const d = typeof date === 'number' ? new Date(date) : date;
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const base = iso.slice(0, 19);
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? `${base}+00:00` : `${base}.${String(ms).padStart(3, '0')}000+00:00`;
}

/**
 * The API's derived form (docs/api.md#json-encoding): always six fractional digits and an explicit
 * offset.
 */
export function formatIsoMicros(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000+00:00`;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO 8601 time as written by Python or SQLite (`YYYY-MM-DD HH:MM:SS`) into Unix milliseconds.
 * A fraction of any length is accepted (truncated to ms); no offset means UTC. Returns null when unparsable.
 */
export function parseIsoToMs(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), s ? Number(s) : 0);
  if (frac) ms += Number(frac.slice(0, 3).padEnd(3, '0'));
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offsetMin * 60_000;
  }
  return Number.isFinite(ms) ? ms : null;
}
