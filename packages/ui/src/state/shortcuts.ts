/**
 * Keyboard shortcuts (docs/ui.md#keyboard). Pages register handlers for their keys; shortcuts are ignored
 * while the user types in an input.
 */
import { onBeforeUnmount, ref } from 'vue';

export const keyboardHelpOpen = ref(false);

type Handler = (e: KeyboardEvent) => void;
const stack: Array<Map<string, Handler>> = [];

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

function onKeydown(e: KeyboardEvent): void {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (typing(e.target)) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    const h = stack[i].get(e.key);
    if (h) {
      h(e);
      return;
    }
  }
}

export function installShortcuts(): void {
  window.addEventListener('keydown', onKeydown);
}

/** Registers page-level shortcuts for the lifetime of the calling component. */
export function useShortcuts(map: Record<string, Handler>): void {
  const m = new Map(Object.entries(map));
  stack.push(m);
  onBeforeUnmount(() => {
    const i = stack.indexOf(m);
    if (i >= 0) stack.splice(i, 1);
  });
}

export const SHORTCUT_HELP: Array<[string, string]> = [
  ['?', 'Keyboard help'],
  ['/', 'Focus search (run filter, or the card finder on a run page)'],
  ['[ / ]', 'Previous / next tab'],
  ['g', 'Cycle panels Charts → Config → Logs (run page)'],
  ['r', 'Refresh the page data'],
  ['l', 'Pause or resume live updates'],
  ['t', 'Toggle the theme'],
  ['f', 'Full screen for the focused card'],
  ['Esc', 'Close a dialog, lightbox or full screen'],
  ['← / →', 'Chart focused: move the cursor by one point'],
  ['+ / −', 'Chart focused: zoom x in / out around the cursor'],
  ['0', 'Chart focused: reset the view'],
  ['Shift + ← / →', 'Chart focused: pan'],
  ['← / →, Home / End', 'Step slider focused: previous / next, first / last entry'],
  ['Shift (held)', 'Move every step slider together'],
  ['Alt + ↑ / ↓', 'Card handle focused: move the card'],
  ['Space / Enter', 'Run row focused: toggle visibility / open the run'],
];
