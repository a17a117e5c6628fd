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

/** A line card's menu: copy the exported image, and the "Data" view of its loaded points. */
export function lineCardMenu(dataShown: boolean): CardMenuItem[] {
  return [
    { id: 'copy-image', label: 'Copy image' },
    { id: 'toggle-data', label: 'Data (table of loaded points)', checked: dataShown },
  ];
}
