/** `GET /api/system/info`, read once at start (docs/ui.md#api-use): which extensions the server has. */
import { reactive } from 'vue';
import { getSystemInfo } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { SystemInfo } from '../api/types';

export type Feature =
  | 'downsample'
  | 'after_step'
  | 'kbc'
  | 'smooth'
  | 'logs'
  | 'config'
  | 'tensors'
  | 'kernel_density'
  | 'events'
  | 'run_query';

export const system = reactive({
  loaded: false,
  info: null as SystemInfo | null,
  error: null as string | null,
});

let loading: Promise<void> | null = null;

export function loadSystemInfo(): Promise<void> {
  if (!loading) {
    loading = getSystemInfo()
      .then((info) => {
        system.info = info;
        system.error = null;
      })
      .catch((err: unknown) => {
        system.error = errorMessage(err);
        loading = null;
      })
      .finally(() => {
        system.loaded = true;
      });
  }
  return loading;
}

export function hasFeature(name: Feature): boolean {
  return system.info?.features?.includes(name) ?? false;
}
