/**
 * The run table's model (docs/ui.md#run-table): filter expressions, sorting with missing values and NaN
 * last, and cell values from the server's metric summaries (non-finite values as strings).
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/api/types';
import {
  FilterError,
  filterRows,
  parseColumnId,
  parseFilter,
  sortRows,
  type TableRow,
} from '../src/data/run-table';

function row(id: string, config: Record<string, unknown>, acc?: number | string, minLoss?: number): TableRow {
  const run = {
    run_id: id,
    name: `run ${id}`,
    status: 'finished',
    config,
    last_step: 9,
  } as unknown as RunRecord;
  const metrics: TableRow['metrics'] = {};
  if (acc !== undefined)
    metrics['val/acc'] = { count: 10, last: acc as number, last_step: 9, min: 0, max: 1 };
  if (minLoss !== undefined) metrics.loss = { count: 10, last: 1, last_step: 9, min: minLoss, max: 2 };
  return { run, metrics };
}

const rows = [
  row('a', { lr: 0.1, opt: 'sgd' }, 0.95, 0.3),
  row('b', { lr: 0.01, opt: 'adam' }, 0.5, 0.1),
  row('c', { lr: 0.001, opt: 'sgd' }, 'NaN', 0.05),
  row('d', { opt: 'adam' }),
  row('e', { lr: 0.01, opt: 'sgd' }, 'Infinity', 0.2),
];
const known = new Set(['val/acc', 'loss']);
const ids = (rs: TableRow[]) => rs.map((r) => r.run.run_id);

describe('run table filter expressions', () => {
  it('compare a metric’s last value, min() and config keys, joined with and', () => {
    expect(ids(filterRows(rows, parseFilter('val/acc > 0.9', known)))).toEqual(['a', 'e']);
    expect(ids(filterRows(rows, parseFilter('min(loss) < 0.25 and opt = sgd', known)))).toEqual(['c', 'e']);
    expect(ids(filterRows(rows, parseFilter('lr >= 0.01, opt != adam', known)))).toEqual(['a', 'e']);
    expect(ids(filterRows(rows, parseFilter('config.opt ~ AD', known)))).toEqual(['b', 'd']);
    expect(ids(filterRows(rows, parseFilter('val/acc = nan', known)))).toEqual(['c']);
    // A missing value fails every operator but !=.
    expect(ids(filterRows(rows, parseFilter('lr != 0.01', known)))).toEqual(['a', 'c', 'd']);
    expect(parseFilter('max(val/acc) > 1 && lr < 1', known).metrics).toEqual(['val/acc']);
  });

  it('reject what cannot be read', () => {
    expect(() => parseFilter('val/acc >', known)).toThrow(FilterError);
    expect(() => parseFilter('val/acc > high', known)).toThrow(FilterError);
    expect(parseFilter('  ', known).terms).toEqual([]);
  });
});

describe('run table sorting', () => {
  it('orders numbers either way with missing values and NaN last', () => {
    const acc = parseColumnId('last:val/acc');
    if (!acc) throw new Error('column id not read');
    expect(ids(sortRows(rows, acc, true))).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(ids(sortRows(rows, acc, false))).toEqual(['b', 'a', 'e', 'c', 'd']);
    const lr = parseColumnId('config:lr');
    if (!lr) throw new Error('column id not read');
    expect(ids(sortRows(rows, lr, false))).toEqual(['c', 'b', 'e', 'a', 'd']);
  });
});
