// How the browser tests and the UI benchmarks start Chromium: headless, sandbox-free, GPU-less and quiet
// (no background networking, updates, sync or first-run pages), so that nothing but the page under test
// uses the network or the CPU. Plain JavaScript, so that bench/ui.js can import it too.

/** The Chromium binary (Debian's by default). */
export const CHROMIUM = process.env.KOBO_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
