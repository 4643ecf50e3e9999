// The streams of a container process's stdio targets given as 'pipe' (types only: nothing to load). The CLI relays them rather
// than hand its own descriptors to the container: a process inside could otherwise keep the user's
// terminal (a descriptor of it, reopened through /proc/<pid>/fd) after `exec` or `run` returned,
// and read what is typed into it later, as Docker's client never allows.
import type { Readable, Writable } from 'node:stream';

export interface StdioPipes {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}
