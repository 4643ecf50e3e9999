// The built-in plugins, applied to every runtime before the users' own, through the same API.
import type { Plugin } from '../hooks/index.js';
import overlay from './overlay.js';
import aufs from './aufs.js';
import exec from './exec.js';
import cgroups from './cgroups.js';
import volumes from './volumes.js';
import network from './network.js';
import bridge from './bridge.js';

export const builtinPlugins: readonly Plugin[] = [overlay, aufs, exec, cgroups, volumes, network, bridge];
