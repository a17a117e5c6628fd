/**
 * A popover opened by a button: toggling moves the focus into it, and a click outside or Esc closes
 * it. Esc gives the focus back to the button when it was inside (docs/ui.md#keyboard). The component marks
 * the popover's root element `ref="popover-root"` and its button `ref="popover-button"`.
 */
import { nextTick, onBeforeUnmount, ref, useTemplateRef } from 'vue';

export interface PopoverOptions {
  /** The control that gets the focus on opening. */
  focus: string;
  /** Runs before the popover shows, e.g. to load what it lists. */
  beforeOpen?: () => Promise<void> | void;
}

export function usePopover(o: PopoverOptions) {
  const open = ref(false);
  const root = useTemplateRef<HTMLElement>('popover-root');
  const button = useTemplateRef<HTMLButtonElement>('popover-button');

  async function toggle(): Promise<void> {
    open.value = !open.value;
    if (!open.value) return;
    await o.beforeOpen?.();
    await nextTick();
    root.value?.querySelector<HTMLElement>(o.focus)?.focus();
  }

  function close(returnFocus: boolean): void {
    if (!open.value) return;
    open.value = false;
    if (returnFocus) button.value?.focus();
  }

  function onDocPointer(e: PointerEvent): void {
    if (open.value && root.value && !root.value.contains(e.target as Node)) close(false);
  }
  // Esc closes it wherever the focus went (a control inside may have disappeared).
  function onDocKey(e: KeyboardEvent): void {
    if (open.value && e.key === 'Escape') close(root.value?.contains(document.activeElement) ?? false);
  }
  document.addEventListener('pointerdown', onDocPointer);
  document.addEventListener('keydown', onDocKey);
  onBeforeUnmount(() => {
    document.removeEventListener('pointerdown', onDocPointer);
    document.removeEventListener('keydown', onDocKey);
  });

  return { open, toggle, close };
}
