// Containers on disk: <root>/containers/<id>/container.json, and <root>/names/<name> holding the id.
// A name is reserved by creating its file exclusively, so two runs can never both take it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError, NoSuchContainerError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../../hooks/atomic-file.js';
import type { StateRoot } from '../state-root.js';
import type { ContainerRecord } from './record.js';
import { nameProblem, quoteName, shortId } from './ids.js';

const RECORD_FILE = 'container.json';

export class ContainerStore {
  constructor(private readonly root: StateRoot) {}

  dir(id: string): string {
    return path.join(this.root.containers, id);
  }

  /** Reserves the name and writes the first record; refuses a taken name before creating anything. */
  create(record: ContainerRecord): void {
    const problem = nameProblem(record.name);
    if (problem) throw new MydockerError(`invalid container name ${quoteName(record.name)}: ${problem}`);
    fs.mkdirSync(this.root.names, { recursive: true, mode: 0o700 });
    const nameFile = path.join(this.root.names, record.name);
    try {
      fs.writeFileSync(nameFile, record.id, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOrNull(nameFile);
      throw new MydockerError(`the container name "${record.name}" is already in use by container ${owner ? shortId(owner) : 'unknown'}`, {
        hint: 'remove that container or choose another name',
      });
    }
    try {
      fs.mkdirSync(this.dir(record.id), { recursive: true, mode: 0o700 });
      this.save(record);
    } catch (error) {
      fs.rmSync(this.dir(record.id), { recursive: true, force: true });
      fs.rmSync(nameFile, { force: true });
      throw error;
    }
  }

  save(record: ContainerRecord): void {
    writeJsonAtomic(path.join(this.dir(record.id), RECORD_FILE), record);
  }

  load(id: string): ContainerRecord {
    return readJson<ContainerRecord>(path.join(this.dir(id), RECORD_FILE));
  }

  /** Finds a container by full ID, name, or unique ID prefix. */
  resolve(ref: string): ContainerRecord {
    if (ref === '' || ref.includes('/') || ref.startsWith('.')) throw new NoSuchContainerError(ref);
    if (/^[0-9a-f]{64}$/.test(ref) && this.exists(ref)) return this.load(ref); // an exact ID first, as Docker
    const byName = readOrNull(path.join(this.root.names, ref));
    if (byName !== null && this.exists(byName)) return this.load(byName);
    const ids = this.ids().filter((id) => id.startsWith(ref));
    if (ids.length === 1) return this.load(ids[0]!);
    if (ids.length > 1) throw new MydockerError(`container ID prefix "${ref}" is ambiguous (${ids.length} matches)`, { exitCode: 1, hint: 'give more characters or the name' });
    throw new NoSuchContainerError(ref);
  }

  ids(): string[] {
    try {
      return fs.readdirSync(this.root.containers).filter((id) => /^[0-9a-f]{64}$/.test(id));
    } catch {
      return [];
    }
  }

  list(): ContainerRecord[] {
    const records: ContainerRecord[] = [];
    for (const id of this.ids()) {
      try {
        records.push(this.load(id));
      } catch {
        // A directory without a readable record is a run that died before its first write.
      }
    }
    return records;
  }

  exists(id: string): boolean {
    return fs.existsSync(path.join(this.dir(id), RECORD_FILE));
  }

  /** Removes the record, its directory and its name (only if the name still points to it). */
  delete(record: ContainerRecord): void {
    fs.rmSync(this.dir(record.id), { recursive: true, force: true });
    const nameFile = path.join(this.root.names, record.name);
    if (readOrNull(nameFile) === record.id) fs.rmSync(nameFile, { force: true });
  }
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

