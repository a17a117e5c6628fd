/**
 * `…/config` (docs/api.md#config): the config and its flat form (keys in code-point order).
 */
import { flattenConfig } from '../../reader/config-flatten.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { apiJson } from '../json-encode.js';
import { orderedObjectJson } from '../json-ordered.js';
import type { RunRef } from '../run-ref.js';
import { fullMetadata } from './run-metadata.js';

export function configJson(ctx: ReaderContext, run: RunRef): string {
  const config = fullMetadata(ctx, run).config ?? {};
  return (
    `{"run_id":${JSON.stringify(run.runIdPart)},"project":${JSON.stringify(run.project)},` +
    `"config":${apiJson(config)},"flat":${orderedObjectJson(flattenConfig(config))}}`
  );
}
