// The public contract between mydocker's core and its plugins (built-in and users'): `mydocker/hooks`.
// Plugins import only from here (or the files it re-exports), never from src/; nothing here imports
// src/ or plugins/. Loaded in every process that runs hooks: `run`, `exec`, `rm`, `cleanup`.
//
// Every hook is a tapable hook. A plugin taps it with its own name:
//   hooks.prepareRootfs.tapPromise('my-plugin', async (ctx) => { ... })
// The tap's name is what errors and traces name, and it is the key of `ctx.state` (see PluginState).
//
//   container.ts       ContainerInfo, SecuritySettings, DeviceRule, DeviceMapping, PluginState, JsonValue
//   contexts.ts        what each hook's taps receive (RootfsContext, CgroupsContext, ProcessContext, ...), InitStep
//   lifecycle.ts       HOOKS, the one table of hooks; LifecycleHooks, HOOK_NAMES, ContextOf derived from it
//   storage-driver.ts  StorageDriver, StorageContext, WhiteoutFormat, WhiteoutRules
//   network-driver.ts  NetworkDriver and its contexts, NetworkInfo, PortMapping, Networks, Ipam
//   volumes.ts         VolumeDriver (api.registerVolumeDriver), Volumes (api.volumes), VolumeInfo, VolumeError, VolumeUser
//   stats.ts           StatsProvider (api.registerStatsProvider), StatsContext, ContainerStats
//   inspect.ts         InspectFields (api.registerInspectSection), InspectContext
//   plugin.ts          Plugin, PluginApi, definePlugin
//   kernel.ts          the Kernel interface; CLONE, MS, MNT, MFD, SEAL, CONTAINER_NAMESPACES
//   namespaces.ts      enterNamespaces, withNamespaces: the one way into another process's namespaces and back
//   errors.ts          PluginFailure (a failure with a hint), KernelFailure, errnoCode
//   sizes.ts           parseBytes: Docker's size units (100m, 1g)
export type { JsonValue, PluginState, ContainerInfo, SecuritySettings, DeviceRule, DeviceMapping } from './container.js';
export type {
  HookContextBase,
  CheckOptionsContext,
  RootfsContext,
  RootfsReleaseContext,
  CgroupsContext,
  ProcessContext,
  InitStep,
  TeardownContext,
  EnterContext,
  UpdateContext,
} from './contexts.js';
export { HOOKS, HOOK_NAMES, type HookKind, type HookRole, type HookSpec, type HookName, type ContextOf, type LifecycleHooks } from './lifecycle.js';
export type { StorageContext, StorageDriver, WhiteoutFormat, WhiteoutRules } from './storage-driver.js';
export type {
  NetworkInfo,
  PortMapping,
  NetworkContext,
  AddressContext,
  JoinContext,
  LeaveContext,
  NetworkDriver,
  Networks,
  Ipam,
} from './network-driver.js';
export { VolumeError, type VolumeDriver, type VolumeInfo, type VolumeErrorReason, type VolumeUser, type Volumes } from './volumes.js';
export type { StatsProvider, StatsContext, ContainerStats } from './stats.js';
export type { InspectFields, InspectContext } from './inspect.js';
export { definePlugin, type Plugin, type PluginApi } from './plugin.js';
export { CLONE, CONTAINER_NAMESPACES, MS, MNT, MFD, SEAL, type Kernel } from './kernel.js';
export {
  enterNamespaces,
  enterNamespaceFds,
  withNamespaces,
  withNamespaceFds,
  openOwnNamespaces,
  closeOwnNamespaces,
  returnToOwnNamespaces,
  NamespaceReturnError,
  type NamespaceFile,
  type NamespaceFd,
  type NamespaceKernel,
  type NamespaceOptions,
  type OwnNamespaces,
  type EnteredNamespaces,
} from './namespaces.js';
export { PluginFailure, errnoCode, type KernelFailure } from './errors.js';
export { parseBytes } from './sizes.js';
