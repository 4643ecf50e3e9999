// Reading the state files mydocker and its plugins keep (records, maps, lists), validated: a file
// that is not what it should be is reported by its path, with what is wrong and what to do about
// it, never taken as empty and never trusted half-way (a record of `{}` would crash whatever reads
// it next). Each file kind has a small typed check built from the ones here; no dependency.
// A helper of hooks/, for plugins and the core alike.
import * as fs from 'node:fs';

/** A state file that cannot be used: "<path>: <problem>", and what the user can do. */
export class StateFileError extends Error {
  /** What to do, e.g. "remove it with: mydocker rm -f ID"; the CLI prints it after the message. */
  readonly hint: string | undefined;

  constructor(
    readonly file: string,
    readonly problem: string,
    hint?: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'StateFileError';
    this.hint = hint;
  }
}

/** Recognised by name, not class: a plugin loaded from a file may hold its own copy of this module. */
export function isStateFileError(error: unknown): error is StateFileError {
  return error instanceof Error && error.name === 'StateFileError' && typeof (error as StateFileError).file === 'string';
}

/**
 * A check of a parsed value: `find` returns what is wrong with it ("field state.pid must be a
 * number or null") or null. `T` is the type the value has once it passed.
 */
export interface Check<T> {
  /** What a valid value is, in words ("a number or null"). */
  readonly what: string;
  /** Missing keys of an object are allowed for this check (see `optional`). */
  readonly optional?: boolean;
  find(value: unknown, field: string): string | null;
  /**
   * Whether the value passes, without saying why not: what a reader calls first. It builds no
   * field name and no message, so checking a valid file allocates nothing (`ps` checks every
   * record on each call). A check without it is asked `find`.
   */
  ok?(value: unknown): boolean;
  /** Carries T for `Checked<>`; never set. */
  readonly type?: T;
}

export type Checked<C> = C extends Check<infer T> ? T : never;

function mustBe(field: string, what: string): string {
  return field === '' ? `the content must be ${what}` : `field ${field} must be ${what}`;
}

function leaf<T>(what: string, ok: (value: unknown) => boolean): Check<T> {
  return { what, ok, find: (value, field) => (ok(value) ? null : mustBe(field, what)) };
}

/**
 * `check.ok`, or for a check that lacks it (one a plugin wrote) its `find`. Taken once, when the
 * check is built: a record's check makes a few hundred calls, and each one saved counts while
 * they all run in the interpreter (a command checks each record once).
 */
function okOf(check: Check<unknown>): (value: unknown) => boolean {
  return check.ok ?? ((value) => check.find(value, '') === null);
}

export const string = leaf<string>('a string', (v) => typeof v === 'string');
export const number = leaf<number>('a number', (v) => typeof v === 'number' && Number.isFinite(v));
export const integer = leaf<number>('an integer', (v) => Number.isSafeInteger(v));
export const boolean = leaf<boolean>('true or false', (v) => typeof v === 'boolean');
/** Any JSON value (what a plugin keeps, the options as given): parsed is valid. */
export const anything = leaf<unknown>('any value', () => true);

export function matching(pattern: RegExp, what: string): Check<string> {
  return leaf<string>(what, (v) => typeof v === 'string' && pattern.test(v));
}

export function oneOf<T extends string>(...values: T[]): Check<T> {
  return leaf<T>(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, (v) => (values as unknown[]).includes(v));
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  const what = `${check.what} or null`;
  const ok = okOf(check);
  return {
    what,
    ok: (value) => value === null || ok(value),
    find(value, field) {
      const problem = value === null ? null : check.find(value, field);
      // "must be a number" becomes "must be a number or null"; a deeper problem is kept as it is.
      return problem !== null && problem === mustBe(field, check.what) ? mustBe(field, what) : problem;
    },
  };
}

/** A key an object may lack (older records); present, it must pass `check`. */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  const ok = okOf(check);
  return {
    what: check.what,
    optional: true,
    ok: (value) => value === undefined || ok(value),
    find: (value, field) => (value === undefined ? null : check.find(value, field)),
  };
}

export function listOf<T>(item: Check<T>): Check<T[]> {
  const itemOk = okOf(item);
  return {
    what: 'a list',
    ok(value) {
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) if (!itemOk(value[i])) return false;
      return true;
    },
    find(value, field) {
      if (!Array.isArray(value)) return mustBe(field, 'a list');
      for (let i = 0; i < value.length; i++) {
        const problem = item.find(value[i], `${field}[${i}]`);
        if (problem) return problem;
      }
      return null;
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object whose every value passes `item` (a map: tag -> image ID, address -> owner). */
export function recordOf<T>(item: Check<T>): Check<Record<string, T>> {
  const itemOk = okOf(item);
  return {
    what: 'an object',
    ok(value) {
      if (!isPlainObject(value)) return false;
      for (const key in value) if (Object.hasOwn(value, key) && !itemOk(value[key])) return false;
      return true;
    },
    find(value, field) {
      if (!isPlainObject(value)) return mustBe(field, 'an object');
      for (const [key, v] of Object.entries(value)) {
        const problem = item.find(v, field === '' ? key : `${field}.${key}`);
        if (problem) return problem;
      }
      return null;
    },
  };
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Checked<S[K]> ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Checked<S[K]> } & { [K in OptionalKeys<S>]?: Checked<S[K]> };

/** An object with these keys (others are allowed: a newer mydocker may have added some). */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  const entries = Object.entries(shape);
  // Plain indexed loops: a for-of allocates its iterator's results until the JIT has compiled it,
  // and a command that checks 200 records once never waits that long.
  const keys = entries.map(([key]) => key);
  const required = entries.map(([, check]) => check.optional !== true);
  const oks = entries.map(([, check]) => okOf(check));
  return {
    what: 'an object',
    ok(value) {
      if (!isPlainObject(value)) return false;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (!(key in value) && required[i]) return false;
        if (!oks[i]!(value[key])) return false;
      }
      return true;
    },
    find(value, field) {
      if (!isPlainObject(value)) return mustBe(field, 'an object');
      for (const [key, check] of entries) {
        const at = field === '' ? key : `${field}.${key}`;
        if (!(key in value) && !check.optional) return `field ${at} is missing`;
        const problem = check.find(value[key], at);
        if (problem) return problem;
      }
      return null;
    },
  };
}

/** Parses and checks a state file's text; throws a StateFileError naming `file`. */
export function parseStateFile<T>(file: string, text: string, check: Check<T>, hint?: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFileError(file, text.trim() === '' ? 'empty, not valid JSON' : 'not valid JSON', hint);
  }
  if (check.ok?.(value) !== true) {
    const problem = check.find(value, '');
    if (problem) throw new StateFileError(file, problem, hint);
  }
  return value as T;
}

/** Reads and checks a state file. A missing file throws the fs error (ENOENT): the caller decides. */
export function readStateFile<T>(file: string, check: Check<T>, hint?: string): T {
  return parseStateFile(file, fs.readFileSync(file, 'utf8'), check, hint);
}

/** As readStateFile, but null when the file does not exist. */
export function readStateFileIfExists<T>(file: string, check: Check<T>, hint?: string): T | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseStateFile(file, text, check, hint);
}
