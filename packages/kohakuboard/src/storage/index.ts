/**
 * The storage library: reads and writes KohakuBoard run folders exactly as docs/format.md describes.
 * Everything that knows a byte of the format lives in this folder.
 */
export * from './column-codec.js';
export * from './column-vault.js';
export * from './errors.js';
export * from './friendly-name.js';
export * from './histogram-file.js';
export * from './json-dialect.js';
export * from './kvault.js';
export * from './media-hash.js';
export * from './metadata-db.js';
export * from './metadata-db-ids.js';
export * from './metadata-json.js';
export * from './metric-file.js';
export * from './names.js';
export * from './npy.js';
export * from './npz.js';
export * from './rows-after.js';
export * from './run-layout.js';
export * from './sqlite.js';
export * from './timestamps.js';
