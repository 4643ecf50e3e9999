// Fault injection for the test suite, and nothing else: with MYDOCKER_TEST_STOP_AT=<step> in its
// environment, a mydocker process SIGKILLs itself when it reaches the named step (a crash at that
// exact instant, as `kill -9` would make it), so that tests can check that whatever it had begun is
// found and removed afterwards. One environment lookup per step when unset. The steps are listed in
// docs/architecture.md ("Crashes"); plugins may mark their own.
export function stopPoint(step: string): void {
  if (process.env.MYDOCKER_TEST_STOP_AT === step) process.kill(process.pid, 'SIGKILL');
}
