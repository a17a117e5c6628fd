/**
 * Diagram blocks of the docs (docs/ui.md#docs-pages): drawn by mermaid in its strict security mode (its
 * output is sanitized), in the current theme, with pan and zoom from @panzoom/panzoom. This module and the
 * libraries load on demand, only for pages that have a diagram.
 */
import Panzoom, { type PanzoomObject } from '@panzoom/panzoom';
import mermaid from 'mermaid';
import { errorMessage } from '../api/errors';

let seq = 0;

export interface DrawnDiagrams {
  dispose: () => void;
}

/** Draws every `[data-diagram="mermaid"]` block under `root`; a failed block shows its source and the error. */
export async function renderDiagrams(root: HTMLElement, dark: boolean): Promise<DrawnDiagrams> {
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: 'strict',
    theme: dark ? 'dark' : 'default',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  });
  const zooms: PanzoomObject[] = [];
  const cleanups: Array<() => void> = [];
  for (const block of root.querySelectorAll<HTMLElement>('[data-diagram="mermaid"]')) {
    const source = block.querySelector('.diagram-source')?.textContent ?? '';
    block.querySelector('.diagram-view')?.remove();
    block.querySelector('.diagram-error')?.remove();
    try {
      const { svg } = await mermaid.render(`kobo-diagram-${++seq}`, source);
      const view = document.createElement('div');
      view.className = 'diagram-view';
      view.dataset.testid = 'diagram';
      const stage = document.createElement('div');
      stage.className = 'diagram-stage';
      stage.innerHTML = svg;
      view.append(stage, zoomButtons());
      block.append(view);
      block.classList.add('drawn');
      const pz = Panzoom(stage, { maxScale: 6, minScale: 0.3, step: 0.2, cursor: 'grab' });
      zooms.push(pz);
      // Ctrl/⌘ + wheel zooms, as on charts; a plain wheel scrolls the page.
      const onWheel = (e: WheelEvent) => {
        if (!(e.ctrlKey || e.metaKey)) return;
        pz.zoomWithWheel(e);
      };
      const onClick = (e: MouseEvent) => {
        const action = (e.target as HTMLElement).closest<HTMLElement>('[data-zoom]')?.dataset.zoom;
        // The animations switch (docs/ui.md#theme-and-animations) also stills zoom transitions.
        const animate = !document.documentElement.classList.contains('no-animations');
        if (action === 'in') pz.zoomIn({ animate });
        else if (action === 'out') pz.zoomOut({ animate });
        else if (action === 'reset') pz.reset({ animate });
      };
      view.addEventListener('wheel', onWheel, { passive: false });
      view.addEventListener('click', onClick);
      stage.addEventListener('dblclick', () => pz.reset());
      cleanups.push(() => {
        view.removeEventListener('wheel', onWheel);
        view.removeEventListener('click', onClick);
      });
    } catch (err) {
      const note = document.createElement('p');
      note.className = 'diagram-error';
      note.textContent = `This diagram could not be drawn: ${errorMessage(err)}`;
      block.append(note);
      block.classList.remove('drawn');
    }
  }
  return {
    dispose: () => {
      for (const c of cleanups) c();
      for (const z of zooms) z.destroy();
    },
  };
}

function zoomButtons(): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'diagram-zoom';
  for (const [action, label, text] of [
    ['in', 'Zoom in', '+'],
    ['out', 'Zoom out', '−'],
    ['reset', 'Reset zoom', '⟲'],
  ] as const) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'icon-btn';
    b.dataset.zoom = action;
    b.setAttribute('aria-label', label);
    b.title = label;
    b.textContent = text;
    bar.append(b);
  }
  return bar;
}
