/**
 * What `kobo dump` of a run must show after rows outside [lo, hi] were pruned, computed from the dump taken
 * before: every series, row list and blob list cut at the steps, metrics and histogram files left without
 * rows gone, and blobs or payloads that only removed rows referred to gone. Checksums and chunk layouts,
 * which a rewrite changes by design, are left out on both sides (the invariant checker covers layouts).
 */
type Json = Record<string, unknown>;

const SERIES = ['step', 'global_step', 'timestamp', 'value'];

function cutSeries(section: Json, keep: boolean[]): Json {
  const out: Json = { ...section, count: keep.filter(Boolean).length };
  for (const k of SERIES)
    if (Array.isArray(section[k])) out[k] = (section[k] as unknown[]).filter((_, i) => keep[i]);
  delete out.sha256_le;
  return out;
}

/** The parts of a dump that a prune must preserve or cut; the rest dropped. */
export function comparable(dump: Json): Json {
  const out: Json = { ...dump };
  delete out.layout;
  delete out.wal_files;
  const steps = out.steps as Json | null;
  if (steps) out.steps = { ...steps, sha256_le: undefined };
  out.metrics = Object.fromEntries(
    Object.entries(dump.metrics as Record<string, Json>).map(([k, v]) => [k, { ...v, sha256_le: undefined }]),
  );
  return JSON.parse(JSON.stringify(out));
}

export function cutDump(before: Json, lo: number, hi: number, onlyMetrics = false): Json {
  const inRange = (s: unknown) => typeof s === 'number' && s >= lo && s <= hi;
  const out: Json = comparable(before);
  const metrics: Record<string, Json> = {};
  for (const [name, m] of Object.entries(out.metrics as Record<string, Json>)) {
    const keep = (m.step as number[]).map(inRange);
    if (keep.some(Boolean)) metrics[name] = cutSeries(m, keep);
  }
  out.metrics = metrics;
  if (onlyMetrics) return JSON.parse(JSON.stringify(out));
  const steps = out.steps as Json | null;
  if (steps) out.steps = cutSeries(steps, (steps.step as number[]).map(inRange));
  const hist: Record<string, Json> = {};
  for (const [f, h] of Object.entries(out.histogram_files as Record<string, Json>)) {
    const rows = (h.rows as Json[]).filter((r) => inRange(r.step));
    if (rows.length) hist[f] = { ...h, rows };
  }
  out.histogram_files = hist;
  const media = before.media as Json[];
  const keptMedia = media.filter((m) => inRange(m.step));
  const keptKeys = new Set(keptMedia.map((m) => m.blob_key));
  const goneKeys = new Set(
    media.filter((m) => !inRange(m.step) && !keptKeys.has(m.blob_key)).map((m) => m.blob_key),
  );
  out.media = keptMedia;
  out.tables = (out.tables as Json[]).filter((t) => inRange(t.step));
  const payloadRows = [...(before.tensors as Json[]), ...(before.kernel_density as Json[])];
  const keptPayloads = new Set(
    payloadRows.filter((r) => inRange(r.step)).map((r) => `data/tensors/${r.kv_file}.db|${r.kv_key}`),
  );
  const gonePayloads = new Set(
    payloadRows
      .filter((r) => !inRange(r.step))
      .map((r) => `data/tensors/${r.kv_file}.db|${r.kv_key}`)
      .filter((k) => !keptPayloads.has(k)),
  );
  out.tensors = (out.tensors as Json[]).filter((t) => inRange(t.step));
  out.kernel_density = (out.kernel_density as Json[]).filter((t) => inRange(t.step));
  const kvault: Record<string, Json> = {};
  for (const [file, entries] of Object.entries(out.kvault as Record<string, Json>)) {
    kvault[file] = Object.fromEntries(
      Object.entries(entries).filter(([key]) =>
        file === 'media/blobs.db' ? !goneKeys.has(key) : !gonePayloads.has(`${file}|${key}`),
      ),
    );
  }
  out.kvault = kvault;
  return JSON.parse(JSON.stringify(out));
}
