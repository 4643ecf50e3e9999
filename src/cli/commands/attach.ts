// `mydocker attach [--no-stdin] [--sig-proxy=false] [--detach-keys KEYS] CONTAINER`: the caller's
// terminal (or stdio) connected to a running detached container's, until the container ends (then
// its exit code) or, with a terminal, the detach keys (ctrl-p ctrl-q) leave it running. Without a
// terminal the signals the command gets go to the container (--sig-proxy, as Docker's); with one,
// keys like ctrl-c reach it as input.
import { cliRuntime } from '../runtime.js';
import { lastValue } from '../argv.js';
import { FORWARDED_SIGNALS } from '../foreground.js';
import { DEFAULT_DETACH_KEYS, detachScanner, parseDetachKeys } from '../detach-keys.js';
import { isClosedPipe } from '../closed-pipe.js';

export default async function attach(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const ref = String(args[0]);
  const keys = parseDetachKeys(lastValue(options.detachKeys) ?? DEFAULT_DETACH_KEYS);
  const sigProxy = options.sigProxy !== false && lastValue(options.sigProxy) !== 'false';
  const runtime = await cliRuntime(options);
  const attachment = await runtime.attach(ref, { stdin: options.stdin !== false });
  const { socket } = attachment;
  socket.on('error', () => {}); // its end is what counts ('close' follows)
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: unknown) => {
      if (!isClosedPipe(error)) throw error;
      socket.destroy(); // our reader left: so do we, the container runs on
    });
  }
  if (attachment.tty) {
    socket.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  } else {
    const { frameReader } = await import('../../runtime/attach-frames.js');
    socket.on('data', frameReader((stream, data) => (stream === 'stdout' ? process.stdout : process.stderr).write(data)));
  }

  const forward = (signal: NodeJS.Signals): void => void runtime.kill(ref, signal).catch(() => {});
  const proxied = !attachment.tty && sigProxy;
  if (proxied) for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

  // The container's terminal takes the size of ours, now and whenever ours changes.
  const resize = (): void => {
    if (process.stdout.isTTY && process.stdout.rows > 0) void attachment.resize(process.stdout.rows, process.stdout.columns);
  };
  if (attachment.tty) {
    resize();
    process.stdout.on('resize', resize);
  }

  let detached = false;
  const raw = attachment.tty && attachment.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const onInput = attachment.tty ? detachScanner(keys) : (chunk: Buffer) => ({ pass: chunk, detach: false });
  if (attachment.stdin) {
    process.stdin.on('data', (chunk: Buffer) => {
      const { pass, detach } = onInput(chunk);
      if (pass.length > 0) socket.write(pass);
      if (detach) {
        detached = true;
        socket.destroy();
      }
    });
    // The end of our input is not the container's: its stdin stays open (as Docker's), its output comes on.
    process.stdin.on('end', () => socket.end());
  }
  try {
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  } finally {
    if (raw && process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stdin.destroy();
  }
  process.stdout.off('resize', resize);
  if (detached) return 0;
  // The output ended with the container (or the shim dropped us): its code, once it is recorded.
  const code = await runtime.wait(ref);
  if (proxied) for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  return code ?? 0;
}
