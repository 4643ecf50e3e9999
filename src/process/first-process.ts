// The container's first process before it becomes the user's command. Runs as PID 1 of the new
// PID namespace: the host's /bin/sh, born inside the namespaces. It says "ready" on fd 4 once it
// runs (the parent must not pivot_root while the host's sh is still being exec'd and loading its
// libraries from the host's root), then waits on fd 3 until the parent has finished the root
// filesystem, cgroups and network; then it execs the command, which replaces it and keeps PID 1.
// Its argv after `-c SCRIPT`:
//   $0 = "mydocker-init"   $1 = tty path inside the container, or ""   $2 = working directory
//   $3 = PWD and $4 = OLDPWD as the user set them, or ""   $5... = the user's command, untouched
//
// Everything that must happen to the process itself before the user's code runs belongs in this
// script, in this order (a later issue adds capability dropping and no_new_privs here, by exec'ing
// through a setpriv of the container's own or a static helper in front of "$@"):
//   0. say "ready <its host pid>" on fd 4 and close it
//   1. wait for "go"; anything else (or EOF: the parent died) ends it with 125 before any user code
//   2. close the sync fd so the user's command never sees it
//   3. reopen the terminal: as session leader (spawned with setsid) opening the pty makes it the
//      controlling terminal, so job control and Ctrl-C work, and `tty` names /dev/pts/N
//   4. enter the working directory (the parent created it, inside the container's root)
//   5. undo dash's own PWD/OLDPWD so the environment is exactly the container's
//   6. exec: a missing command exits 127, a non-executable one 126 (Docker's codes)
export const FIRST_PROCESS_SHELL = '/bin/sh';
export const FIRST_PROCESS_ARGV0 = 'mydocker-init';
export const GO_MESSAGE = 'go\n';
export const READY_MESSAGE = 'ready\n';
/** The child's fds: it reads "go" from GO_FD and writes "ready" to READY_FD. */
export const GO_FD = 3;
export const READY_FD = 4;

export const FIRST_PROCESS_SCRIPT = [
  // Our pid as the host sees it: /proc is still the host's here (and `read` forks nothing).
  'read -r pid _ </proc/self/stat && echo "ready $pid" >&4 && exec 4>&-',
  'read -r msg <&3 && [ "$msg" = go ] || exit 125',
  'exec 3<&-',
  'if [ -n "$1" ]; then exec 0<>"$1" 1>&0 2>&0; fi',
  'cd -- "$2" || exit 125',
  'unset PWD OLDPWD',
  'if [ -n "$3" ]; then export PWD="$3"; fi',
  'if [ -n "$4" ]; then export OLDPWD="$4"; fi',
  'shift 4',
  'exec "$@"',
].join('\n');

export function firstProcessArgs(opts: { ttyPath: string | null; workdir: string; env: readonly string[]; command: readonly string[] }): string[] {
  const userValue = (key: string): string => opts.env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';
  return ['-c', FIRST_PROCESS_SCRIPT, FIRST_PROCESS_ARGV0, opts.ttyPath ?? '', opts.workdir, userValue('PWD'), userValue('OLDPWD'), ...opts.command];
}
