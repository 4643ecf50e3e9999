// The streams of a container process's stdio targets given as 'pipe'. The CLI relays them rather
// than hand its own descriptors to the container: a process inside could otherwise keep the user's
// terminal (a descriptor of it, reopened through /proc/<pid>/fd) after `exec` or `run` returned,
// and read what is typed into it later, as Docker's client never allows.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface StdioPipes {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

export function pipesOf(child: ChildProcess): StdioPipes {
  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr };
}
