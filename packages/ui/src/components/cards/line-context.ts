/** What a line card needs from its page: the data source, runs, looks and sync group. */
import type { InjectionKey } from 'vue';
import type { LineSource } from '../../data/line-sources';
import type { SeriesLook } from '../../data/use-line-data';

export interface LineCardContext {
  /** The project of the runs (downloads through the export route). */
  project: string;
  source: LineSource;
  runIds: string[];
  firstTimestampMs: (runId: string) => number;
  /** How a series is drawn; `dashed`: the card asks to distinguish series by dash pattern. */
  look: (runId: string, metric: string, index: number, dashed: boolean) => SeriesLook;
  /** The hover-sync group prefix: the tab. */
  syncPrefix: string;
  emphasized: string | null;
  /** Project page: points per series from the comparison budget (docs/ui.md#comparison-charts). */
  pointsFor?: (plotWidth: number, seriesCount: number) => number;
  maxSeries: number;
  onEmphasize?: (group: string | null) => void;
  /** Names the page in the cache of off-screen cards' data (with the card id). */
  cacheScope: string;
}

export const LINE_CONTEXT: InjectionKey<LineCardContext> = Symbol('line-card-context');
