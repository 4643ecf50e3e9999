// One container's lock across processes, for the commands that change it (create, start, kill,
// delete): two callers on one ID (not containerd, which serialises its own calls) take turns, so a
// `delete --force` never tears down a container a `create` is still building, and of two `create`
// the second waits, then finds the ID taken. The lock is a listening Unix socket bound to an
// abstract name made of the state root and the ID: binding is exclusive, needs no file, no libc
// call (no koffi on `start`'s and `kill`'s path) and the kernel lets go of it when its holder dies
// however it dies, so a killed command never leaves it held. Abstract names belong to a network
// namespace: callers must share one (the host's, as containerd's shim and a person at a shell do).
import * as net from 'node:net';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';
import { checkContainerId } from './state.js';

/** How long a command waits for another one on the same ID before giving up (a `create` under load takes seconds). */
export const ID_LOCK_WAIT_MS = 60_000;
const RETRY_MS = 10;

/** The abstract socket name (107 bytes at most): the ID itself when it fits, so `ss -xl` tells whose it is. */
export function idLockName(root: string, id: string): string {
  checkContainerId(id);
  const prefix = `mydocker-runc/${fnv1a(path.resolve(root))}/`;
  return `\0${prefix}${prefix.length + id.length <= 100 ? id : fnv1a(id)}`;
}

export async function withIdLock<T>(root: string, id: string, body: () => Promise<T>, waitMs = ID_LOCK_WAIT_MS): Promise<T> {
  const server = await bind(idLockName(root, id), id, waitMs);
  try {
    return await body();
  } finally {
    server.close();
  }
}

async function bind(name: string, id: string, waitMs: number): Promise<net.Server> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const server = net.createServer();
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('error', resolve);
      server.listen({ path: name }, () => resolve(null));
    });
    if (error === null) {
      // Held, not served: it must not keep this process alive (create's exit waits for nothing).
      server.unref();
      return server;
    }
    if (error.code !== 'EADDRINUSE') throw new MydockerError(`cannot lock container ${id}: ${error.code ?? error.message}`, { exitCode: 1 });
    // Only reached when two callers contend: containerd's calls never wait here.
    if (Date.now() >= deadline) throw new MydockerError(`container ${id} is busy: another mydocker-runc command is working on it`, { exitCode: 1 });
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** 32-bit FNV-1a, hex: names a state root (or a long ID) in a few characters, without loading node:crypto. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
