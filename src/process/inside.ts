// What the runtime does from inside a container's root, on its main thread, for `run` (the launch
// window, after pivot_root) and `exec` (after enterNamespace): paths resolve in the container's
// root there, so the image's symlinks cannot lead to the host. Also the one write of a launch
// message to mydocker-init.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandError, MydockerError } from '../errors.js';

/** Finds the command as execvp() would, so the common failures get Docker's message and code. */
export function checkCommand(command: readonly string[], env: readonly string[], access: (p: string) => 'ok' | 'missing' | 'notexec' = accessCheck): void {
  const name = command[0];
  if (name === undefined || name === '') throw new CommandError('no command given and the image has none', 127);
  if (name.includes('/')) {
    const result = access(name);
    if (result === 'missing') throw new CommandError(`exec: "${name}": no such file or directory`, 127);
    if (result === 'notexec') throw new CommandError(`exec: "${name}": permission denied`, 126);
    return;
  }
  const searchPath = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  let sawNotExec = false;
  for (const dir of searchPath.split(':')) {
    const result = access(path.posix.join(dir || '.', name));
    if (result === 'ok') return;
    if (result === 'notexec') sawNotExec = true;
  }
  if (sawNotExec) throw new CommandError(`exec: "${name}": permission denied`, 126);
  throw new CommandError(`exec: "${name}": executable file not found in $PATH`, 127);
}

function accessCheck(file: string): 'ok' | 'missing' | 'notexec' {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'missing';
  }
  if (!stat.isFile()) return 'notexec';
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return 'ok';
  } catch {
    return 'notexec';
  }
}

/** /etc/passwd or /etc/group of the root this thread is in (the container's, after pivot_root). */
export function readContainerFile(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MydockerError(`cannot read ${file} in the container: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** A pipe may take a long message in several writes; the init reads until it has it all. */
export function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done);
}
/**
 * One line from a blocking pipe, without its newline; null at EOF before one. Byte by byte: the
 * next line (or message) that follows on the same pipe is not ours to take.
 */
export function readLine(fd: number, max = 512): string | null {
  const buf = Buffer.alloc(max);
  let got = 0;
  while (got < max) {
    if (fs.readSync(fd, buf, got, 1, null) === 0) return null;
    if (buf[got] === 10) return buf.subarray(0, got).toString();
    got++;
  }
  return buf.toString();
}

