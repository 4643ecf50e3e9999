// One container's lock across processes, for the commands that change it (create, start, kill,
// delete): two callers on one ID (not containerd, which serialises its own calls) take turns, so a
// `delete --force` never tears down a container a `create` is still building, and of two `create`
// the second waits, then finds the ID taken. The lock is a Unix socket bound to an abstract name
// made of the state root and the ID: binding is exclusive, needs no file, and the kernel lets go of
// it when its holder dies however it dies, so a killed command never leaves it held. Abstract names
// belong to a network namespace: callers must share one (the host's, as containerd's shim and a
// person at a shell do).
// The socket is bound, never listened on, through Node's own pipe handle (the binding node:net is
// built on): 0.4 ms, where node:net and the cluster modules its listen() loads cost a `start` or a
// `delete` 9 ms at best here, and an flock() through koffi 22 (its load). Where that binding is
// missing (another Node), node:net binds the same name: the two exclude each other.
import * as path from 'node:path';
import { getSystemErrorName } from 'node:util';
import { MydockerError } from '../errors.js';
import { checkContainerId } from './state.js';

/** How long a command waits for another one on the same ID before giving up (a `create` under load takes seconds). */
export const ID_LOCK_WAIT_MS = 60_000;
const RETRY_MS = 10;
/** libuv's error numbers are Linux's, negated. */
const UV_EADDRINUSE = -98;

/** The abstract socket name (107 bytes at most): the ID itself when it fits, so `ss -xa` tells whose it is. */
export function idLockName(root: string, id: string): string {
  checkContainerId(id);
  const prefix = `mydocker-runc/${fnv1a(path.resolve(root))}/`;
  return `\0${prefix}${prefix.length + id.length <= 100 ? id : fnv1a(id)}`;
}

export async function withIdLock<T>(root: string, id: string, body: () => Promise<T>, waitMs = ID_LOCK_WAIT_MS): Promise<T> {
  const held = await hold(idLockName(root, id), id, waitMs);
  try {
    return await body();
  } finally {
    held.close();
  }
}

interface Held {
  close(): void;
}

async function hold(name: string, id: string, waitMs: number): Promise<Held> {
  const deadline = Date.now() + waitMs;
  const bind = pipeBinding() ?? bindWithNet;
  for (;;) {
    const held = await bind(name, id);
    if (held !== null) return held;
    // Only reached when two callers contend: containerd's calls never wait here.
    if (Date.now() >= deadline) throw new MydockerError(`container ${id} is busy: another mydocker-runc command is working on it`, { exitCode: 1 });
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/** Binds `name`: the socket that holds it, or null when another process holds it. */
type Bind = (name: string, id: string) => Held | null | Promise<Held | null>;

interface PipeHandle {
  bind(name: string): number;
  close(): void;
}

/** Node's pipe handle (pipe_wrap, node:net's own): a bind without node:net. */
function pipeBinding(): Bind | null {
  let binding: { Pipe: new (type: number) => PipeHandle; constants: { SERVER: number } };
  try {
    binding = (process as unknown as { binding(name: string): typeof binding }).binding('pipe_wrap');
  } catch {
    return null;
  }
  if (typeof binding?.Pipe !== 'function' || typeof binding.constants?.SERVER !== 'number') return null;
  return (name, id) => {
    const handle = new binding.Pipe(binding.constants.SERVER);
    const error = handle.bind(name);
    if (error === 0) return handle;
    handle.close();
    if (error === UV_EADDRINUSE) return null;
    throw new MydockerError(`cannot lock container ${id}: ${getSystemErrorName(error)}`, { exitCode: 1 });
  };
}

async function bindWithNet(name: string, id: string): Promise<Held | null> {
  const net = await import('node:net');
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
  if (error.code === 'EADDRINUSE') return null;
  throw new MydockerError(`cannot lock container ${id}: ${error.code ?? error.message}`, { exitCode: 1 });
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
