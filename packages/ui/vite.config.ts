import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The production build goes straight into the kohakuboard package, which `kobo open` serves.
export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      // Import the shared series math from source so the UI never depends on its build.
      '@kohakuboard/series': fileURLToPath(new URL('../series/src/index.ts', import.meta.url)),
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../kohakuboard/ui-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // mermaid's core (docs diagrams only, loaded on demand) is one ~660 kB chunk.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5175,
    proxy: { '/api': 'http://localhost:48889' },
  },
});
