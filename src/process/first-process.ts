// How the runtime talks to mydocker-init (shim/mydocker-init.c), the first code of every container
// process. The init is started from a sealed memfd (see init-binary.ts) with three descriptors:
//   GO_FD     it reads the launch message (init-message.ts) there; EOF before a whole message,
//             because the runtime gave up or died, ends it with 125 before any user code
//   READY_FD  given --ready, it writes "ready <host pid>\n" there as soon as it runs, then closes
//             it (the runtime must not pivot_root while the exec of the init still reads the host's files)
//   INIT_FD   its own binary, which it is exec'd through; close-on-exec like everything above 2
// The first process (PID 1) has all three; an `exec`'d process has no READY_FD.
export { INIT_FD, INIT_PATH } from './init-binary.js';
export const GO_FD = 3;
export const READY_FD = 4;
export const READY_MESSAGE = 'ready';
/** argv[0] of the init while it waits: what `ps` shows on the host. */
export const INIT_ARGV0 = 'mydocker-init';
/** The first process's argument: say "ready" on READY_FD. */
export const INIT_READY_FLAG = '--ready';
