/** Entries of a card's "More actions" menu (UI.md §4.7, §6.10, §16.2). */
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
