// The subset of Go's text/template that Docker users write in `--format` (`ps`, `inspect`, `images`):
//   {{.ID}} {{.State.Pid}} {{.}}                     fields, nested; `.` the value itself
//   {{json .}} {{json .Config.Env}}                  Docker's functions: json, join, split, upper,
//   {{upper .Names}} {{join .Args ","}}              lower, title, truncate, pad, println
//   {{index .Config.Labels "com.example"}}           Go's builtins: index, len, print, printf (%s %d
//   {{len .Mounts}} {{printf "%s:%d" .A .B}}         %v %q), eq, ne, lt, le, gt, ge, not, and, or
//   {{.Label "com.example"}}                         a field that is a function takes arguments
//   {{if .X}}..{{else if .Y}}..{{else}}..{{end}}     control: if, range (over lists and maps, with
//   {{range .Mounts}}{{.Source}} {{end}}             {{else}}), with; `{{-` and `-}}` trim spaces
//   {{with .State}}{{.Status}}{{end}}  {{/* c */}}   comments; a pipeline: {{.Names | upper}}
// Values are printed as Go prints them (`[a b]`, `map[k:v]`, `<no value>`). Variables ($x) are not
// supported: one clear error names what is not. The parse is done once; executing is pure.
import { MydockerError } from '../errors.js';

type Value = unknown;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipeline; then: Node[]; otherwise: Node[] };

/** A pipeline: commands joined by `|`; each command's result is the last argument of the next. */
type Pipeline = Command[];
type Command = Operand[];
type Operand =
  | { kind: 'field'; path: string[] } // `.A.B`, or `.` (empty path)
  | { kind: 'literal'; value: Value }
  | { kind: 'function'; name: string }
  | { kind: 'group'; pipe: Pipeline; path: string[] }; // ( pipeline ), or (pipeline).A.B

export class TemplateError extends MydockerError {
  constructor(template: string, what: string) {
    super(`template parsing error: ${what}`, { hint: `in ${JSON.stringify(template)}` });
  }
}

export interface Template {
  /** Executes the template against one value; throws TemplateError for what Go reports at run time. */
  execute(data: Value): string;
}

export function parseTemplate(source: string): Template {
  const tokens = split(source);
  const parser = new Parser(tokens, source);
  const nodes = parser.nodes(new Set());
  if (parser.pending()) throw new TemplateError(source, `unexpected {{${parser.peekWord()}}}`);
  return {
    execute: (data) => {
      const out: string[] = [];
      run(nodes, data, out, source);
      return out.join('');
    },
  };
}

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

/** Text and `{{ }}` actions, with `{{-`/`-}}` trimming the whitespace next to them. */
function split(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    tokens.push({ kind: 'text', text: source.slice(i, open) });
    const close = findClose(source, open + 2);
    if (close < 0) throw new TemplateError(source, 'unclosed action');
    let body = source.slice(open + 2, close);
    if (/^-\s/.test(body)) {
      body = body.slice(1);
      const last = tokens[tokens.length - 1] as { text: string };
      last.text = last.text.replace(/\s+$/, '');
    }
    let trimAfter = false;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      trimAfter = true;
    }
    tokens.push({ kind: 'action', body: body.trim() });
    i = close + 2;
    if (trimAfter) while (i < source.length && /\s/.test(source[i]!)) i++;
  }
  return tokens.filter((t) => t.kind === 'action' || t.text !== '');
}

/** The `}}` that closes an action, skipping quoted strings. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && (source[j] !== c || (c === '"' && source[j - 1] === '\\'))) j++;
      i = j;
    } else if (c === '}' && source[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  pending(): boolean {
    return this.at < this.tokens.length;
  }

  peekWord(): string {
    const t = this.tokens[this.at];
    return t?.kind === 'action' ? t.body : '';
  }

  /** Nodes until one of `stops` (`end`, `else`) or the end; the stop is left for the caller. */
  nodes(stops: Set<string>): Node[] {
    const out: Node[] = [];
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at]!;
      if (token.kind === 'text') {
        out.push({ kind: 'text', text: token.text });
        this.at++;
        continue;
      }
      const word = token.body.split(/\s+/)[0]!;
      if (stops.has(word)) return out;
      this.at++;
      if (token.body.startsWith('/*')) {
        if (!token.body.endsWith('*/')) throw new TemplateError(this.source, 'unclosed comment');
        continue;
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        out.push(this.block(word, token.body.slice(word.length)));
      } else if (word === 'end' || word === 'else') {
        throw new TemplateError(this.source, `unexpected {{${word}}}`);
      } else if (['define', 'template', 'block', 'break', 'continue'].includes(word) || token.body.includes('$')) {
        throw new TemplateError(this.source, `{{${token.body}}} is not supported (fields, functions, if, range and with are)`);
      } else {
        out.push({ kind: 'action', pipe: pipeline(token.body, this.source) });
      }
    }
    if (stops.size > 0) throw new TemplateError(this.source, 'missing {{end}}');
    return out;
  }

  private block(word: 'if' | 'with' | 'range', rest: string): Node {
    const pipe = pipeline(rest, this.source);
    if (pipe.length === 0) throw new TemplateError(this.source, `missing value for ${word}`);
    const body = this.nodes(new Set(['end', 'else']));
    let otherwise: Node[] = [];
    const stop = this.tokens[this.at] as { body: string };
    this.at++;
    if (stop.body.split(/\s+/)[0] === 'else') {
      const chained = stop.body.slice(4).trim();
      if (chained.startsWith('if ') && word === 'if') {
        // {{else if X}} is {{else}}{{if X}}...{{end}} sharing the one {{end}}.
        otherwise = [this.block('if', chained.slice(3))];
        return { kind: 'if', pipe, then: body, otherwise };
      }
      if (chained !== '') throw new TemplateError(this.source, `unexpected {{${stop.body}}}`);
      otherwise = this.nodes(new Set(['end']));
      this.at++;
    }
    return { kind: word, pipe, then: body, otherwise };
  }
}

/** Parses `.A.B | fn "x" 3 | fn2` into commands of operands. */
function pipeline(text: string, source: string): Pipeline {
  const words = lex(text, source);
  const pipe: Pipeline = [];
  let command: Command = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '|') {
      if (command.length === 0) throw new TemplateError(source, 'missing command before |');
      pipe.push(command);
      command = [];
    } else if (w === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < words.length && depth > 0; j++) depth += words[j] === '(' ? 1 : words[j]!.startsWith(')') ? -1 : 0;
      if (depth !== 0) throw new TemplateError(source, 'unclosed (');
      const path = words[j - 1]!.slice(2).split('.').filter(Boolean);
      command.push({ kind: 'group', pipe: pipeline(words.slice(i + 1, j - 1).join(' '), source), path });
      i = j - 1;
    } else if (w.startsWith(')')) {
      throw new TemplateError(source, 'unexpected )');
    } else {
      command.push(operand(w, source));
    }
  }
  if (command.length > 0) pipe.push(command);
  else if (pipe.length > 0) throw new TemplateError(source, 'missing command after |');
  return pipe;
}

function lex(text: string, source: string): string[] {
  const words: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)(?:\.\w+)*|\||[^\s()|]+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    words.push(m[1]!);
    end = re.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw new TemplateError(source, `cannot read ${text.slice(end).trim()}`);
  return words;
}

function operand(word: string, source: string): Operand {
  if (word === '.') return { kind: 'field', path: [] };
  if (word.startsWith('.')) {
    const path = word.slice(1).split('.');
    if (path.some((p) => !/^\w+$/.test(p))) throw new TemplateError(source, `bad field ${word}`);
    return { kind: 'field', path };
  }
  if (word.startsWith('"') || word.startsWith('`')) {
    if (word.length < 2 || !word.endsWith(word[0]!)) throw new TemplateError(source, `unterminated quoted string ${word}`);
    if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
    try {
      return { kind: 'literal', value: JSON.parse(word) as string };
    } catch {
      throw new TemplateError(source, `bad string ${word}`);
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(word)) return { kind: 'literal', value: Number(word) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (word === 'nil') return { kind: 'literal', value: null };
  if (Object.hasOwn(FUNCTIONS, word)) return { kind: 'function', name: word };
  throw new TemplateError(source, `function "${word}" not defined`);
}

function run(nodes: readonly Node[], dot: Value, out: string[], source: string): void {
  for (const node of nodes) {
    if (node.kind === 'text') out.push(node.text);
    else if (node.kind === 'action') out.push(print(evaluate(node.pipe, dot, source)));
    else if (node.kind === 'if' || node.kind === 'with') {
      const value = evaluate(node.pipe, dot, source);
      if (truthy(value)) run(node.then, node.kind === 'with' ? value : dot, out, source);
      else run(node.otherwise, dot, out, source);
    } else {
      const value = evaluate(node.pipe, dot, source);
      const items = value === null || value === undefined ? [] : Array.isArray(value) ? value : isMap(value) ? Object.keys(value).sort().map((k) => value[k]) : undefined;
      if (items === undefined) throw new TemplateError(source, `range can't iterate over ${print(value)}`);
      if (items.length === 0) run(node.otherwise, dot, out, source);
      for (const item of items) run(node.then, item, out, source);
    }
  }
}

function evaluate(pipe: Pipeline, dot: Value, source: string): Value {
  let carried: { value: Value } | undefined;
  for (const command of pipe) {
    const [head, ...rest] = command;
    const args = rest.map((o) => operandValue(o, dot, source));
    if (carried) args.push(carried.value);
    let value: Value;
    if (head!.kind === 'function') {
      value = FUNCTIONS[head!.name]!(args, source);
    } else if (head!.kind === 'field' && args.length > 0) {
      // A field that is a method (`.Label "k"`) takes the arguments.
      const method = field(dot, head!.path, source);
      if (typeof method !== 'function') throw new TemplateError(source, `.${head!.path.join('.')} is not a method but has arguments`);
      value = (method as (...a: Value[]) => Value)(...args);
    } else {
      if (rest.length > 0 || carried) throw new TemplateError(source, `can't give arguments to a non-function`);
      value = operandValue(head!, dot, source);
    }
    carried = { value };
  }
  return carried?.value;
}

function operandValue(op: Operand, dot: Value, source: string): Value {
  if (op.kind === 'literal') return op.value;
  if (op.kind === 'group') return field(evaluate(op.pipe, dot, source), op.path, source);
  if (op.kind === 'function') return FUNCTIONS[op.name]!([], source);
  const value = field(dot, op.path, source);
  return typeof value === 'function' ? (value as () => Value)() : value;
}

function field(dot: Value, path: readonly string[], source: string): Value {
  let value = dot;
  for (const name of path) {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object') throw new TemplateError(source, `can't evaluate field ${name} in type ${typeof value}`);
    if (Array.isArray(value)) throw new TemplateError(source, `can't evaluate field ${name} in a list`);
    const record = value as Record<string, Value>;
    if (!Object.hasOwn(record, name)) {
      // Docker's objects are Go structs: a field they lack is an error; a map's missing key is not.
      throw new TemplateError(source, `can't evaluate field ${name}`);
    }
    value = record[name];
  }
  return value;
}

function isMap(value: Value): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return value !== null && value !== undefined && value !== false && value !== 0 && value !== '';
}

/** As Go's fmt prints a value with %v. */
export function print(value: Value): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(print).join(' ')}]`;
  if (isMap(value)) {
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${print(value[k])}`)
      .join(' ')}]`;
  }
  return String(value);
}

type TemplateFunction = (args: Value[], source: string) => Value;

function arity(name: string, args: Value[], n: number, source: string): void {
  if (args.length !== n) throw new TemplateError(source, `wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function text(value: Value): string {
  return typeof value === 'string' ? value : print(value);
}

const compare =
  (name: string, test: (a: number | string, b: number | string) => boolean): TemplateFunction =>
  (args, source) => {
    arity(name, args, 2, source);
    const [a, b] = args as [number | string, number | string];
    if (typeof a !== typeof b) throw new TemplateError(source, `${name}: incompatible types for comparison`);
    return test(a, b);
  };

const FUNCTIONS: Record<string, TemplateFunction> = {
  // Docker's (docker/cli templates.basicFunctions)
  json: (args, source) => {
    arity('json', args, 1, source);
    return JSON.stringify(args[0] ?? null);
  },
  join: (args, source) => {
    arity('join', args, 2, source);
    return (Array.isArray(args[0]) ? args[0] : []).map(text).join(text(args[1]));
  },
  split: (args, source) => {
    arity('split', args, 2, source);
    return text(args[0]).split(text(args[1]));
  },
  upper: (args, source) => (arity('upper', args, 1, source), text(args[0]).toUpperCase()),
  lower: (args, source) => (arity('lower', args, 1, source), text(args[0]).toLowerCase()),
  title: (args, source) => (arity('title', args, 1, source), text(args[0]).replace(/\b\w/g, (c) => c.toUpperCase())),
  truncate: (args, source) => (arity('truncate', args, 2, source), text(args[0]).slice(0, Number(args[1]))),
  pad: (args, source) => (arity('pad', args, 3, source), `${' '.repeat(Number(args[1]))}${text(args[0])}${' '.repeat(Number(args[2]))}`),
  println: (args) => `${args.map(text).join(' ')}\n`,
  // Go's builtins
  print: (args) => args.map(text).join(''),
  printf: (args, source) => {
    if (args.length === 0) throw new TemplateError(source, 'printf needs a format');
    let i = 1;
    return text(args[0]).replace(/%[-+ 0#]*\d*[sdvqt%]/g, (verb) => {
      if (verb === '%%') return '%';
      const arg = args[i++];
      if (verb.endsWith('q')) return JSON.stringify(text(arg));
      const width = /\d+/.exec(verb.slice(1))?.[0];
      const s = verb.endsWith('d') ? String(Math.trunc(Number(arg))) : text(arg);
      if (width === undefined) return s;
      return verb.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width));
    });
  },
  len: (args, source) => {
    arity('len', args, 1, source);
    const v = args[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isMap(v)) return Object.keys(v).length;
    throw new TemplateError(source, `len of ${print(v)}`);
  },
  index: (args, source) => {
    if (args.length < 1) throw new TemplateError(source, 'index needs a value');
    let v = args[0];
    for (const key of args.slice(1)) {
      if (Array.isArray(v) && typeof key === 'number') {
        if (key < 0 || key >= v.length) throw new TemplateError(source, `index out of range: ${key}`);
        v = v[key];
      } else if (isMap(v)) {
        v = Object.hasOwn(v, text(key)) ? v[text(key)] : undefined;
      } else if (v === null || v === undefined) {
        return undefined;
      } else {
        throw new TemplateError(source, `can't index item of type ${typeof v}`);
      }
    }
    return v;
  },
  not: (args, source) => (arity('not', args, 1, source), !truthy(args[0])),
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  eq: (args, source) => {
    if (args.length < 2) throw new TemplateError(source, 'eq needs two values');
    return args.slice(1).some((b) => b === args[0]);
  },
  ne: compare('ne', (a, b) => a !== b),
  lt: compare('lt', (a, b) => a < b),
  le: compare('le', (a, b) => a <= b),
  gt: compare('gt', (a, b) => a > b),
  ge: compare('ge', (a, b) => a >= b),
};
