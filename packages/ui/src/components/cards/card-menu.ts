/**
 * Entries of a card's "More actions" menu (docs/ui.md#card-frame, docs/ui.md#export-png,
 * docs/ui.md#accessibility).
 */
export interface CardMenuItem {
  id: string;
  label: string;
  /** Present for toggles: whether the toggle is on. */
  checked?: boolean;
}

/**
 * A line card's menu: copy the exported image, download its points (docs/ui.md#downloads), and the "Data"
 * view of its loaded points.
 */
export function lineCardMenu(dataShown: boolean): CardMenuItem[] {
  return [
    { id: 'copy-image', label: 'Copy image' },
    { id: 'download-shown-csv', label: 'Download CSV (shown)' },
    { id: 'download-full-csv', label: 'Download CSV (full resolution)' },
    { id: 'toggle-data', label: 'Data (table of loaded points)', checked: dataShown },
  ];
}
