// Containers on disk: <root>/containers/<id>/container.json, and <root>/names/<name> holding the id.
// A name is reserved by creating its file exclusively, so two runs can never both take it. The name
// file is written first and holds the ID: a run killed before its record still leaves what finds
// the rest (`rm NAME`, `system check`). A removal renames the directory away first (atomic: a
// crash never leaves half a directory under containers/), then drops the name, then deletes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError, NoSuchContainerError } from '../errors.js';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { StateFileError, isStateFileError, readStateFile } from '../../hooks/state-file.js';
import type { StateRoot } from '../state-root.js';
import type { ContainerRecord } from './record.js';
import { containerRecordCheck, recordHint } from './record-check.js';
import { readNameFile, reserveName, reserveNameSyncingLater } from './name-file.js';
import { nameProblem, quoteName, shortId } from './ids.js';
import { stopPoint } from '../../hooks/stop-point.js';

/** A container whose record cannot be used (unreadable, or its directory gone while its data is not). */
export interface BrokenContainer {
  id: string;
  /** The name whose file points to it, if any. */
  name: string | null;
  error: StateFileError;
}

const RECORD_FILE = 'container.json';
/** Prefix of a container's directory renamed into <root>/tmp by a removal under way. */
export const REMOVING_PREFIX = 'removing-';
const ID = /^[0-9a-f]{64}$/;

/**
 * How a container whose record cannot be read is named where it blocks a removal (rmi, network rm,
 * volume rm): it may be running with the image, network or volume, and only `rm -f` can tell.
 */
export function unreadableContainer(b: BrokenContainer): string {
  return `${shortId(b.id)} (its record cannot be read; mydocker rm -f ${shortId(b.id)} removes it)`;
}

export class ContainerStore {
  constructor(private readonly root: StateRoot) {}

  get rootDir(): string {
    return this.root.dir;
  }

  dir(id: string): string {
    return path.join(this.root.containers, id);
  }

  /** Reserves the name and writes the first record; refuses a taken name before creating anything. */
  create(record: ContainerRecord): void {
    this.createWith(record, (nameFile) => reserveName(nameFile, record.id));
  }

  /**
   * create, with the name's fsyncs still under way when it returns: the promise settles when the
   * name is on disk (see reserveNameSyncingLater). A rejection is the caller's to await: none is
   * left unhandled meanwhile.
   */
  createSyncingLater(record: ContainerRecord): Promise<void> {
    const made: { durable?: Promise<void> } = {};
    this.createWith(record, (nameFile) => {
      const durable = reserveNameSyncingLater(nameFile, record.id);
      if (durable === null) return false;
      durable.catch(() => {});
      made.durable = durable;
      return true;
    });
    return made.durable!;
  }

  private createWith(record: ContainerRecord, reserve: (nameFile: string) => boolean): void {
    const problem = nameProblem(record.name);
    if (problem) throw new MydockerError(`invalid container name ${quoteName(record.name)}: ${problem}`);
    fs.mkdirSync(this.root.names, { recursive: true, mode: 0o700 });
    const nameFile = path.join(this.root.names, record.name);
    if (!reserve(nameFile)) {
      const owner = settledOwner(nameFile); // a file that holds no ID is reported as such
      // Never taken over: the name's holder may be a run at work. Without a record it is almost
      // surely what a run or rm killed half-way left, which rm -f removes by the ID said here.
      if (owner !== null && !this.exists(owner)) {
        throw new MydockerError(`the container name "${record.name}" is held by container ${shortId(owner)}, which has no record (a run or rm killed half-way)`, {
          hint: `mydocker rm -f ${shortId(owner)} removes what is left of it and frees the name`,
        });
      }
      throw new MydockerError(`the container name "${record.name}" is already in use by container ${owner ? shortId(owner) : 'unknown'}`, {
        hint: 'remove that container or choose another name',
      });
    }
    stopPoint('run:name-reserved');
    try {
      fs.mkdirSync(this.dir(record.id), { recursive: true, mode: 0o700 });
      this.save(record);
    } catch (error) {
      fs.rmSync(this.dir(record.id), { recursive: true, force: true });
      fs.rmSync(nameFile, { force: true });
      throw error;
    }
  }

  /**
   * Gives the container another name: the new name is reserved first (refused if taken), then the
   * record says it, then the old name file goes. A crash in between leaves both names pointing at
   * the container, the other one said in the record's `otherName` from before its file exists:
   * `rm` removes both, and so does the next rename. The caller holds the lock.
   */
  rename(record: ContainerRecord, name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new MydockerError(`invalid container name ${quoteName(name)}: ${problem}`, { exitCode: 1 });
    if (name === record.name) throw new MydockerError(`container ${quoteName(name)} already has that name`, { exitCode: 1, hint: 'give a different name' });
    // A rename killed half-way left its other name: its file goes first (it held this ID, or nothing).
    if (record.otherName !== undefined) {
      const leftover = path.join(this.root.names, record.otherName);
      if (readOrNull(leftover) === record.id) fs.rmSync(leftover, { force: true });
      delete record.otherName;
    }
    const nameFile = path.join(this.root.names, name);
    // Said in the record before the new name's file exists: a removal after a crash from here on
    // drops it too (see `otherName`).
    this.save({ ...record, otherName: name });
    if (!reserveName(nameFile, record.id)) {
      const owner = settledOwner(nameFile);
      this.save(record);
      throw new MydockerError(`the container name "${name}" is already in use by container ${owner ? shortId(owner) : 'unknown'}`, {
        exitCode: 1,
        hint: 'remove that container or choose another name',
      });
    }
    const old = record.name;
    try {
      this.save({ ...record, name, otherName: old });
    } catch (error) {
      fs.rmSync(nameFile, { force: true });
      throw error;
    }
    record.name = name;
    stopPoint('rename:record-saved');
    const oldFile = path.join(this.root.names, old);
    if (readOrNull(oldFile) === record.id) fs.rmSync(oldFile, { force: true });
    delete record.otherName;
    this.save(record);
  }

  save(record: ContainerRecord): void {
    writeJsonAtomic(path.join(this.dir(record.id), RECORD_FILE), record);
  }

  /** The record, checked: one that is not valid JSON or lacks a field throws a StateFileError naming it. */
  load(id: string): ContainerRecord {
    // An ID (what scan passes, for every container on each ps) needs no path.join, whose
    // normalising, char by char, cost ps more than reading the record.
    const file = ID.test(id) ? `${this.root.containers}/${id}/${RECORD_FILE}` : path.join(this.dir(id), RECORD_FILE);
    const record = readStateFile(file, containerRecordCheck, recordHint(id));
    if (record.id !== id) throw new StateFileError(file, `field id is ${shortId(record.id)}, not the ID of its directory`, recordHint(id));
    return record;
  }

  /** Finds a container by full ID, name, or unique ID prefix. */
  resolve(ref: string): ContainerRecord {
    if (ref === '' || ref.includes('/') || ref.startsWith('.')) throw new NoSuchContainerError(ref);
    if (/^[0-9a-f]{64}$/.test(ref)) {
      if (this.exists(ref)) return this.load(ref); // an exact ID first, as Docker
      this.throwIfLeftover(ref);
    }
    const byName = readNameFile(path.join(this.root.names, ref));
    if (byName !== null) {
      if (this.exists(byName)) return this.load(byName);
      this.throwIfLeftover(byName);
    }
    const ids = this.ids().filter((id) => id.startsWith(ref));
    if (ids.length === 1) return this.load(ids[0]!);
    if (ids.length > 1) throw new MydockerError(`container ID prefix "${ref}" is ambiguous (${ids.length} matches)`, { exitCode: 1, hint: 'give more characters or the name' });
    const leftovers = this.leftoverIds().filter((id) => id.startsWith(ref));
    if (leftovers.length === 1) this.throwIfLeftover(leftovers[0]!);
    throw new NoSuchContainerError(ref);
  }

  /**
   * The ID a reference means even when the container has no readable record (a run or rm killed
   * half-way): a name's file, or the ID (or a unique prefix of it) of anything the root holds of a
   * container: a directory, a removal's renamed directory, a name's ID (the only trace of a run
   * killed right after it reserved the name, which the name conflict tells the user by its ID),
   * storage.
   */
  idOf(ref: string): string | null {
    if (ref === '' || ref.includes('/') || ref.startsWith('.')) return null;
    const byName = readOrNull(path.join(this.root.names, ref));
    if (byName !== null && ID.test(byName) && !ID.test(ref)) return byName;
    const ids = this.tracedIds().filter((id) => id.startsWith(ref));
    if (ids.length === 1) return ids[0]!;
    return byName !== null && ID.test(byName) ? byName : null;
  }

  /** Every container ID with a trace under the root: directories, removals under way, names, storage. */
  private tracedIds(): string[] {
    const ids = new Set(this.ids());
    for (const entry of listDir(this.root.tmp)) if (entry.startsWith(REMOVING_PREFIX) && ID.test(entry.slice(REMOVING_PREFIX.length))) ids.add(entry.slice(REMOVING_PREFIX.length));
    for (const { id } of this.names()) if (ID.test(id)) ids.add(id);
    for (const id of this.leftoverIds()) ids.add(id);
    return [...ids];
  }

  /** Names (file names under names/) and the IDs they hold. */
  names(): Array<{ name: string; id: string }> {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.root.names);
    } catch {
      return [];
    }
    return entries.map((name) => ({ name, id: readOrNull(path.join(this.root.names, name)) ?? '' }));
  }

  /**
   * Every container whose record cannot be used: `ps -a` shows them, and commands that must know
   * every container (network rm, volume rm, rmi) refuse rather than guess. A directory without a
   * record is a run still creating it, not broken.
   */
  scan(): { records: ContainerRecord[]; broken: BrokenContainer[] } {
    const { items, broken } = this.scanEach((record) => record);
    return { records: items, broken };
  }

  /**
   * As scan, each usable record handed to `take` as it is read and dropped after: what `ps` keeps
   * of 200 containers is then their summaries, not their records, which the young generation's
   * collections would copy again and again.
   */
  scanEach<T>(take: (record: ContainerRecord) => T): { items: T[]; broken: BrokenContainer[] } {
    const items: T[] = [];
    const broken: BrokenContainer[] = [];
    const names = new Map<string, string>();
    const ids = this.ids();
    for (const id of ids) {
      let record: ContainerRecord;
      try {
        record = this.load(id);
      } catch (error) {
        if (isStateFileError(error)) broken.push({ id, name: null, error });
        else if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        continue;
      }
      items.push(take(record));
    }
    for (const id of this.leftoverIds(ids)) broken.push({ id, name: null, error: this.leftoverError(id) });
    if (broken.length > 0) {
      for (const name of listDir(this.root.names)) {
        try {
          const id = readNameFile(path.join(this.root.names, name));
          if (id !== null) names.set(id, name);
        } catch {
          // A name file that holds no ID names no container.
        }
      }
      for (const b of broken) b.name = names.get(b.id) ?? null;
    }
    return { items, broken };
  }

  /**
   * IDs whose storage is still there while their container directory is gone (deleted by hand while
   * the container ran): what is left of them is the container's, and only `rm -f ID` knows it.
   */
  private leftoverIds(ids: string[] = this.ids()): string[] {
    const present = new Set(ids);
    const found = new Set<string>();
    const storage = path.join(this.root.dir, 'storage');
    for (const driver of listDir(storage)) {
      for (const id of listDir(path.join(storage, driver))) if (/^[0-9a-f]{64}$/.test(id) && !present.has(id)) found.add(id);
    }
    return [...found];
  }

  private leftoverError(id: string): StateFileError {
    return new StateFileError(this.dir(id), 'the container directory is missing, but its storage and what it ran may be left', recordHint(id));
  }

  private throwIfLeftover(id: string): void {
    if (!fs.existsSync(this.dir(id)) && this.leftoverIds().includes(id)) throw this.leftoverError(id);
  }

  ids(): string[] {
    try {
      return fs.readdirSync(this.root.containers).filter((id) => ID.test(id));
    } catch {
      return [];
    }
  }

  /** The containers whose records can be used (see scan for the others). */
  list(): ContainerRecord[] {
    return this.scan().records;
  }

  exists(id: string): boolean {
    return fs.existsSync(path.join(this.dir(id), RECORD_FILE));
  }

  /**
   * Removes the record, its directory and its names (only those that still point to it). Its names
   * are the record's, and the other one of a rename under way: no other name file holds its ID,
   * so none is read (a root with 200 containers has 200 of them).
   */
  delete(record: ContainerRecord): void {
    this.deleteById(record.id, [record.name, ...(record.otherName !== undefined ? [record.otherName] : [])], { everyName: false });
  }

  /**
   * Removes whatever of the container's files exists, by ID: its directory (renamed away first),
   * then the names given and, unless `everyName` is false (the caller knows them all), every
   * other name that holds the ID, then the renamed directory.
   */
  deleteById(id: string, names: string[] = [], options: { everyName?: boolean } = {}): void {
    const removing = path.join(this.root.tmp, `${REMOVING_PREFIX}${id}`);
    fs.mkdirSync(this.root.tmp, { recursive: true, mode: 0o700 });
    try {
      fs.renameSync(this.dir(id), removing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: no directory (left a run killed before it); ENOTEMPTY/EEXIST: an earlier removal's.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        fs.rmSync(removing, { recursive: true, force: true });
        fs.renameSync(this.dir(id), removing);
      } else if (code !== 'ENOENT') throw error;
    }
    stopPoint('rm:dir-renamed');
    // Every name that holds the ID: a rename killed half-way leaves two.
    const others = options.everyName === false ? [] : this.names().filter((n) => n.id === id).map((n) => n.name);
    const candidates = [...new Set([...names, ...others])];
    for (const name of candidates) {
      const nameFile = path.join(this.root.names, name);
      if (readOrNull(nameFile) === id) fs.rmSync(nameFile, { force: true });
    }
    stopPoint('rm:name-removed');
    fs.rmSync(removing, { recursive: true, force: true });
  }
}

/**
 * The ID a taken name's file holds. A run reserving the same name at this very moment has created
 * the file and not yet written its ID (it writes and fsyncs next): an empty file is read again for
 * a while before it counts as a damaged one (twenty parallel runs drawing the same random name
 * met that).
 */
function settledOwner(file: string, waitMs = 500): string | null {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return readNameFile(file);
    } catch (error) {
      if (!isStateFileError(error) || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

