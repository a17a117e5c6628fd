import { defineConfig } from 'vitest/config';

// One vitest run covers every package. Tests live in packages/<name>/test/.
// Browser tests (packages/ui/e2e) need a built UI and Debian's chromium; they run in the same command.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/ui/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./vitest.setup.ts'],
    reporters: ['default'],
  },
});
