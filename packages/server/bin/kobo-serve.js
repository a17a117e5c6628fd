#!/usr/bin/env node
// The `kobo-serve` command. The code lives in dist/ (built by `npm run build`).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('kobo-serve: the kohakuboard-server package is not built yet; run `npm run build` first.');
    process.exit(1);
  }
  throw err;
});
