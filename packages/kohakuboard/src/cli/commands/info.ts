/**
 * `kobo info RUN`: one run's summary (docs/export.md#info).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { formatBytes, runInfo, STAGING_DIR } from '../../housekeeping/index.js';
import { toStrictJson } from '../../reader/run-dump.js';
import { stringifyDialectJson } from '../../storage/index.js';
import { seconds, shortTime, textTable, withCliErrors } from './housekeeping-common.js';

const num = (x: number | null) => (x === null ? '-' : Number.isFinite(x) ? String(x) : String(x));

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description(
      'Summarise one run: status, config, metrics with counts and last values, media, histograms, size, log tail.',
    )
    .argument('<run_dir>', 'a run folder')
    .option('--json', 'print JSON')
    .option(
      '--log-lines <n>',
      'lines of the writer log to show',
      (v) => Math.max(0, Number.parseInt(v, 10) || 0),
      10,
    )
    .option('--stale-after <seconds>', 'a running run without activity for this long is stale', seconds, 300)
    .action(async (runDir: string, opts: { json?: boolean; logLines: number; staleAfter: number }) => {
      const info = await withCliErrors(() =>
        runInfo(runDir, { logLines: opts.logLines, staleAfterMs: opts.staleAfter * 1000 }),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(toStrictJson(info), null, 2)}\n`);
        return;
      }
      const out: string[] = [];
      out.push(`run       ${info.project}/${info.folder}  "${info.name}"`);
      out.push(`path      ${info.path}`);
      out.push(`status    ${info.status}${info.finishedAt ? ` (finished ${info.finishedAt})` : ''}`);
      out.push(`created   ${info.createdAt ?? '-'}`);
      out.push(
        `steps     ${info.lastStep === null ? 0 : info.lastStep + 1} (last update ${shortTime(info.updatedAtMs)})`,
      );
      out.push(
        `size      ${formatBytes(info.size.total)} (data ${formatBytes(info.size.data)}, media ${formatBytes(info.size.media)}, logs ${formatBytes(info.size.logs)})`,
      );
      if (existsSync(`${info.path}/${STAGING_DIR}`))
        out.push(`note      an interrupted prune is pending: kobo prune ${runDir} --recover finishes it`);
      out.push('', 'config', indent(stringifyDialectJson(info.config, { indent: 2 })));
      out.push('', `metrics (${info.metrics.length})`);
      if (info.metrics.length) {
        const rows = info.metrics.map((m) =>
          'error' in m
            ? [m.name, '-', '-', `unreadable: ${m.error}`]
            : [m.name, String(m.count), `${num(m.firstStep)}..${num(m.lastStep)}`, num(m.lastValue)],
        );
        out.push(indent(textTable(['NAME', 'POINTS', 'STEPS', 'LAST VALUE'], rows, new Set([1]))).trimEnd());
      }
      if (info.histograms.length) {
        out.push('', `histogram files (${info.histograms.length})`);
        for (const h of info.histograms) {
          out.push(
            'error' in h
              ? `  ${h.file}: unreadable: ${h.error}`
              : `  ${h.file}: ${h.rows} rows, ${h.bins} bins (${h.precision}): ${h.names.join(', ')}`,
          );
        }
      }
      if (info.media.length) {
        out.push('', `media (${info.media.length})`);
        out.push(
          indent(
            textTable(
              ['NAME', 'TYPE', 'ITEMS', 'STEPS'],
              info.media.map((m) => [m.name, m.type, String(m.count), `${m.firstStep}..${m.lastStep}`]),
              new Set([2]),
            ),
          ).trimEnd(),
        );
      }
      for (const [label, list] of [
        ['tables', info.tables],
        ['tensors', info.tensors],
        ['kernel densities', info.kernelDensity],
      ] as const) {
        if (list.length) out.push('', `${label} (${list.length}): ${list.join(', ')}`);
      }
      if (info.log)
        out.push(
          '',
          `${info.log.file} (last ${info.log.tail.length} lines)`,
          ...info.log.tail.map((l) => `  ${l}`),
        );
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
