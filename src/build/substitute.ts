// Variable substitution in Dockerfile arguments, as Docker's shell lexer does it: `$NAME`,
// `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`, `${NAME:?message}`;
// single quotes keep everything literal, double quotes allow substitution, the escape character
// makes the next character literal, and quotes are removed. An unset variable is empty. Words are
// split on whitespace outside quotes only: a value with spaces stays one word. Pure.

export class SubstitutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubstitutionError';
  }
}

export type Vars = ReadonlyMap<string, string>;

/** One word: quotes removed, variables substituted. */
export function processWord(text: string, vars: Vars, escape = '\\'): string {
  return new Lexer(text, vars, escape).words(false)[0] ?? '';
}

/** Several words, split on unquoted whitespace (COPY's sources, EXPOSE's ports, VOLUME's paths). */
export function processWords(text: string, vars: Vars, escape = '\\'): string[] {
  return new Lexer(text, vars, escape).words(true);
}

class Lexer {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly vars: Vars,
    private readonly escape: string,
  ) {}

  words(split: boolean): string[] {
    const out: string[] = [];
    let word = '';
    let inWord = false;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (split && /\s/.test(ch)) {
        if (inWord) out.push(word);
        word = '';
        inWord = false;
        this.pos++;
        continue;
      }
      inWord = true;
      word += this.part(null);
    }
    if (inWord || !split) out.push(word);
    return out;
  }

  /** One lexical part at pos: a quoted string, an escaped character, a substitution or a character. */
  private part(stopAt: string | null): string {
    const ch = this.text[this.pos]!;
    if (ch === "'") return this.singleQuoted();
    if (ch === '"') return this.doubleQuoted();
    if (ch === this.escape) {
      this.pos += 2;
      return this.text[this.pos - 1] ?? '';
    }
    if (ch === '$') return this.dollar();
    if (stopAt !== null && ch === stopAt) return '';
    this.pos++;
    return ch;
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.pos + 1);
    if (end < 0) throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private doubleQuoted(): string {
    this.pos++;
    let value = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.pos++;
        return value;
      }
      if (ch === this.escape) {
        const next = this.text[this.pos + 1];
        // Inside double quotes only these are escaped; elsewhere the escape character stays.
        if (next === '"' || next === '$' || next === this.escape) {
          value += next;
          this.pos += 2;
          continue;
        }
      }
      if (ch === '$') {
        value += this.dollar();
        continue;
      }
      value += ch;
      this.pos++;
    }
  }

  private dollar(): string {
    this.pos++; // the '$'
    const next = this.text[this.pos];
    if (next === '{') return this.braced();
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (name === undefined) return '$';
    this.pos += name.length;
    return this.vars.get(name) ?? '';
  }

  private braced(): string {
    this.pos++; // the '{'
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (name === undefined) throw new SubstitutionError(`bad substitution: \${${this.text.slice(this.pos, this.pos + 10)}`);
    this.pos += name.length;
    const value = this.vars.get(name);
    if (this.text[this.pos] === '}') {
      this.pos++;
      return value ?? '';
    }
    const modifier = /^:?[-+?]/.exec(this.text.slice(this.pos))?.[0];
    if (modifier === undefined) throw new SubstitutionError(`unsupported modifier (${this.text[this.pos] ?? 'end'}) in substitution of ${name}`);
    this.pos += modifier.length;
    let word = '';
    while (this.text[this.pos] !== '}') {
      if (this.pos >= this.text.length) throw new SubstitutionError(`missing '}' in substitution of ${name}`);
      word += this.part('}');
    }
    this.pos++;
    const set = modifier.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    switch (modifier.at(-1)) {
      case '-':
        return set ? value! : word;
      case '+':
        return set ? word : '';
      default:
        if (!set) throw new SubstitutionError(`${name}: ${word === '' ? 'is not allowed to be unset' : word}`);
        return value!;
    }
  }
}

/**
 * The words of ENV and LABEL (`a=1 b="x y"`), split on unquoted, unescaped whitespace with their
 * quotes kept: each is then read by processWord. A quote left open is refused.
 */
export function splitRaw(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let word = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      word += ch + text[++i];
      continue;
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if (/\s/.test(ch)) {
      if (word !== '') out.push(word);
      word = '';
      continue;
    }
    word += ch;
  }
  if (quote !== null) throw new SubstitutionError(`unexpected end of statement while looking for matching ${quote === '"' ? 'double' : 'single'}-quote`);
  if (word !== '') out.push(word);
  return out;
}
