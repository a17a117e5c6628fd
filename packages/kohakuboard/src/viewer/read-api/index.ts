/**
 * The read API for a server that mounts it (`kohakuboard/read-api`): the Fastify plugin, the options it is
 * given (a run index, an access check, the system info, the services it reads with), the route schemas and
 * the response types.
 */
export type * from './api-types.js';
export {
  type AccessCheck,
  ALLOW_ALL,
  type Principal,
  type ReadApiOptions,
  type ReadIndex,
} from './options.js';
export { readApiPlugin } from './plugin.js';
export * as schemas from './schemas.js';
