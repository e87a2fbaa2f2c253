export { identityOf, openDirectory, type OpenedDirectory } from './open-directory.js';
export { MountPinner, type PinnedMount, type PinsMounts } from './mount-pinner.js';
export {
  findMountRoot,
  formatMountRoot,
  normalizeRoot,
  NOBODY,
  parseMountRoot,
  parseRootUser,
  taskUserFor,
  type MountRoot,
  type RootUser,
} from './mount-root.js';
