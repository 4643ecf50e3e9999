// `.dockerignore`, read as Docker's pattern matcher does: one pattern per line, `#` comments,
// paths cleaned and relative to the context (a leading `/` dropped), `*` and `?` within one path
// component, `[...]` classes, `**` across any number of directories, `!` re-including what an
// earlier pattern excluded. A path is excluded when the last pattern matching it, or one of its
// parent directories, is not a `!` one. Pure.
import * as path from 'node:path';

interface Pattern {
  regex: RegExp;
  exclusion: boolean;
  /** Leading literal directories, to know whether an exception may reach inside an excluded directory. */
  text: string;
}

export class IgnoreRules {
  private readonly patterns: Pattern[];

  constructor(text: string) {
    this.patterns = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclusion = line.startsWith('!');
      if (exclusion) line = line.slice(1).trim();
      line = path.posix.normalize(line).replace(/^\/+/, '');
      if (line === '.' || line === '') continue;
      this.patterns.push({ regex: toRegex(line), exclusion, text: line });
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether a path (relative to the context, '/'-separated) is left out. */
  excludes(rel: string): boolean {
    const parents = parentsOf(rel);
    let excluded = false;
    for (const p of this.patterns) {
      if (p.regex.test(rel) || parents.some((dir) => p.regex.test(dir))) excluded = !p.exclusion;
    }
    return excluded;
  }

  /**
   * Whether an excluded directory must still be walked: some `!` pattern may re-include a path
   * below it. Without exceptions an excluded directory is skipped whole.
   */
  mayReinclude(dir: string): boolean {
    return this.patterns.some((p) => p.exclusion && (p.text.includes('*') || p.text.startsWith(`${dir}/`) || dir.startsWith(`${p.text}/`) || p.text.includes('?') || p.text.includes('[')));
  }
}

function parentsOf(rel: string): string[] {
  const parts = rel.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** A pattern as a regular expression over the whole path. */
export function toRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?'; // "**/" : zero or more directories
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegex(pattern[++i]!);
    } else {
      out += escapeRegex(ch);
    }
  }
  return new RegExp(`^${out}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
