// mydocker as a library: the same runtime the CLI drives and the plugins see.
//   import { createRuntime } from 'mydocker';
//   const rt = await createRuntime({ root: '/tmp/world' });
//   const c = await rt.run({ image: 'busybox', command: ['echo', 'hi'], stdio: ['ignore', 'inherit', 'inherit'] });
//   console.log(await c.wait());
export { Runtime, createRuntime, type RuntimeOptions, type ContainerSummary, type BuildEvent, type BuildOptions, type BuildResult } from './runtime/runtime.js';
export type { RunSpec, RunningContainer } from './runtime/run.js';
export type { ImageConfig, ImageRecord, ImageSummary } from './image/store.js';
export type { LogEntry, LogQuery } from './runtime/logs.js';
export type { Change } from './image/container-diff.js';
export type { RuntimeInfo } from './runtime/info.js';
export type { EventQuery, RuntimeEvent } from './runtime/events.js';
export type { PruneReport } from './runtime/prune.js';
export { parseLogTime } from './container/log-time.js';
export { MydockerError, CommandError, PluginError, NoSuchContainerError } from './errors.js';
export { KernelError } from './kernel/kernel-error.js';
export { relayTerminal, type TerminalStreams } from './process/terminal.js';
export * from '../hooks/index.js';
