// The built-in plugins, applied to every runtime before the users' own, through the same API.
import type { Plugin } from '../hooks/index.js';
import overlay from './storage/overlay.js';
import aufs from './storage/aufs.js';
import exec from './exec/index.js';
import cgroups from './cgroups/index.js';
import volumes from './volumes/index.js';
import network from './network/index.js';
import bridge from './network/bridge/index.js';

export const builtinPlugins: readonly Plugin[] = [overlay, aufs, exec, cgroups, volumes, network, bridge];
