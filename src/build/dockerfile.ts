// Reads a Dockerfile into instructions, as Docker's parser does: the parser directives at the top
// (`# escape=` honoured, `# syntax=` and `# check=` ignored), comments, line continuations (the
// escape character at a line's end, comment lines inside a continuation dropped), one instruction
// per logical line with the line number it starts on, leading `--flag=value` options, and the JSON
// (exec) form where the arguments are a JSON array of strings. Pure: runs in the `build` process.
import { BuildError } from './build-error.js';

/** A Dockerfile that cannot be built as written: its message names the line. */
export class DockerfileError extends BuildError {
  constructor(
    readonly line: number,
    message: string,
    cause?: unknown,
  ) {
    super(`Dockerfile line ${line}: ${message}`, cause === undefined ? {} : { cause });
    this.name = 'DockerfileError';
  }
}

export interface Instruction {
  /** 1-based line the instruction starts on. */
  line: number;
  /** Upper-cased keyword: FROM, RUN, COPY... */
  keyword: string;
  /** `--name=value` options before the arguments (COPY --from, --chown; FROM --platform). */
  flags: Record<string, string>;
  /** The arguments as written, flags removed, trimmed. */
  args: string;
  /** The exec form's strings, when the arguments are a JSON array of strings. */
  json: string[] | null;
  /** The whole instruction as written (continuations joined), for progress lines. */
  original: string;
}

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

export const KEYWORDS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** Instructions whose flags are read (Docker's parser accepts flags on these only). */
const FLAGGED = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escape = '\\';
  // Parser directives: only before any comment, blank line or instruction; each name once.
  let first = 0;
  const seen = new Set<string>();
  for (; first < lines.length; first++) {
    const match = DIRECTIVE.exec(lines[first]!);
    if (!match) break;
    const name = match[1]!.toLowerCase();
    if (seen.has(name)) throw new DockerfileError(first + 1, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (match[2] !== '\\' && match[2] !== '`') throw new DockerfileError(first + 1, `invalid escape token '${match[2]}' does not match ` + '` or \\');
      escape = match[2]!;
    }
  }

  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | null = null;
  for (let i = first; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    // A comment line is dropped even inside a continuation; a blank one too (Docker warns).
    if (trimmed.startsWith('#') || (trimmed === '' && pending !== null)) continue;
    if (trimmed === '') continue;
    const body = raw.replace(/\s+$/, '');
    const continues = body.endsWith(escape);
    const part = continues ? body.slice(0, -1) : body;
    pending = pending === null ? { line: i + 1, text: part.replace(/^\s+/, '') } : { line: pending.line, text: pending.text + part };
    if (continues) continue;
    instructions.push(parseInstruction(pending.line, pending.text));
    pending = null;
  }
  if (pending !== null) instructions.push(parseInstruction(pending.line, pending.text));
  return { escape, instructions };
}

function parseInstruction(line: number, text: string): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim())!;
  const keyword = match[1]!.toUpperCase();
  if (!KEYWORDS.has(keyword)) throw new DockerfileError(line, `unknown instruction: ${match[1]}`);
  let args = match[2]!.trim();
  const flags: Record<string, string> = {};
  if (FLAGGED.has(keyword)) {
    for (;;) {
      const flag = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(args);
      if (!flag) break;
      if (flag[2] === undefined) throw new DockerfileError(line, `${keyword} --${flag[1]} needs a value (--${flag[1]}=VALUE)`);
      flags[flag[1]!] = flag[2];
      args = args.slice(flag[0].length);
    }
  }
  if (args === '' && keyword !== 'HEALTHCHECK') throw new DockerfileError(line, `${keyword} needs at least one argument`);
  return { line, keyword, flags, args, json: jsonForm(args), original: text.trim() };
}

/** The exec form: a JSON array of strings; anything else (even `[` that is not JSON) is the shell form. */
function jsonForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}
