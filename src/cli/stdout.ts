// Output written straight to fd 1, for the commands whose start-up counts (ps). The first touch of
// process.stdout builds a stream (a file's SyncWriteStream, a pipe's or a terminal's socket), and
// with it Node loads and compiles its ~20 stream modules: milliseconds of every ps, for one write.
// A write that fd 1 cannot take at once (a non-blocking pipe: EAGAIN) goes on through the stream.
// A reader that left early (EPIPE: `mydocker ps | head -0`) ends the output quietly, as the
// stream's write did, since the process exited before its error was emitted.
import * as fs from 'node:fs';

export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(1, bytes, done);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(bytes.subarray(done));
    else if (code !== 'EPIPE') throw error;
  }
}
