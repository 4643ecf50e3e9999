// Typed reads of a parsed JSON document, each failure naming the field by its path in the document
// ("process.user.uid must be a non-negative integer"), for config.json and the other files of the
// OCI runtime command line. Pure.
import { MydockerError } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A bad document: one line naming the file and the field. */
export class SpecError extends MydockerError {
  constructor(file: string, message: string, hint?: string) {
    super(`${file}: ${message}`, hint === undefined ? {} : { hint });
  }
}

/** Where a value sits in its document, for messages, and the file it came from. */
export class At {
  constructor(
    readonly file: string,
    readonly path: string,
  ) {}

  child(key: string | number): At {
    return new At(this.file, typeof key === 'number' ? `${this.path}[${key}]` : this.path === '' ? key : `${this.path}.${key}`);
  }

  fail(problem: string, hint?: string): never {
    throw new SpecError(this.file, `${this.path === '' ? 'the document' : this.path} ${problem}`, hint);
  }
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: Json | undefined, at: At): JsonObject {
  if (!isObject(value)) at.fail('must be an object');
  return value;
}

export function optionalObject(value: Json | undefined, at: At): JsonObject | undefined {
  return value === undefined || value === null ? undefined : object(value, at);
}

export function string(value: Json | undefined, at: At): string {
  if (typeof value !== 'string') at.fail('must be a string');
  return value;
}

export function optionalString(value: Json | undefined, at: At): string | undefined {
  return value === undefined || value === null ? undefined : string(value, at);
}

export function boolean(value: Json | undefined, at: At, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') at.fail('must be true or false');
  return value;
}

export function integer(value: Json | undefined, at: At, range: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) at.fail('must be an integer');
  if (range.min !== undefined && value < range.min) at.fail(`must be at least ${range.min}`);
  if (range.max !== undefined && value > range.max) at.fail(`must be at most ${range.max}`);
  return value;
}

export function optionalInteger(value: Json | undefined, at: At, range: { min?: number; max?: number } = {}): number | undefined {
  return value === undefined || value === null ? undefined : integer(value, at, range);
}

export function list(value: Json | undefined, at: At): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) at.fail('must be a list');
  return value;
}

export function strings(value: Json | undefined, at: At): string[] {
  return list(value, at).map((item, i) => string(item, at.child(i)));
}

/** A field this runtime cannot honour: refused when it says anything, never ignored. */
export function refuseSet(value: Json | undefined, at: At, why: string): void {
  const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
  if (!empty) at.fail(`is not supported by mydocker (${why})`, 'remove it from config.json, or use runc for this container');
}
