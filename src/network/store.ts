// Networks on disk: <root>/networks/<id>/network.json (what the network is, its driver's saved
// state, the plugin files that serve its driver), next to the IPAM's ipam.json. "host" and "none"
// are not stored: they are modes, not networks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkInfo, PluginState } from '../../hooks/index.js';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { StateFileError, anything, boolean, isStateFileError, listOf, matching, object, readStateFile, recordOf, string, type Check } from '../../hooks/state-file.js';

export interface NetworkRecord {
  info: NetworkInfo;
  /** What the driver's createNetwork saved (the bridge's name, ...). */
  driverState: PluginState;
  /** Users' plugin files that were loaded when the network was created (its driver may be one). */
  plugins: string[];
}

const RECORD_FILE = 'network.json';

const networkRecordCheck = object({
  info: object({
    id: matching(/^[0-9a-f]{64}$/, 'a network ID (64 hex digits)'),
    name: string,
    driver: string,
    subnet: string,
    gateway: string,
    created: string,
    isDefault: boolean,
    options: recordOf(string),
  }),
  driverState: recordOf(anything),
  plugins: listOf(string),
}) as Check<NetworkRecord>;

/** Without its record a network can be neither used nor removed (its driver, bridge and subnet are in it). */
const RECORD_HINT = 'repair or restore the file: without it the network can be neither used nor removed';

export class NetworkStore {
  constructor(readonly dir: string) {}

  get lockFile(): string {
    return path.join(this.dir, 'lock');
  }

  /** The networks whose records can be used, oldest first (see scan for the others). */
  list(): NetworkRecord[] {
    return this.scan().records;
  }

  /** Every network: the usable records, and the errors of those that cannot be read. */
  scan(): { records: NetworkRecord[]; broken: StateFileError[] } {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.dir).filter((id) => /^[0-9a-f]{64}$/.test(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], broken: [] };
      throw error;
    }
    const records: NetworkRecord[] = [];
    const broken: StateFileError[] = [];
    for (const id of ids) {
      const file = path.join(this.dir, id, RECORD_FILE);
      try {
        const record = readStateFile(file, networkRecordCheck, RECORD_HINT);
        if (record.info.id !== id) throw new StateFileError(file, 'field info.id is not the ID of its directory', RECORD_HINT);
        records.push(record);
      } catch (error) {
        // A directory without its record is a create that is still under way, or was interrupted.
        if (isStateFileError(error)) broken.push(error);
        else if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return { records: records.sort((a, b) => a.info.created.localeCompare(b.info.created)), broken };
  }

  /**
   * By exact name, then full ID, then unique ID prefix. A network whose record cannot be read is
   * reported when the reference is its ID (or a prefix of it).
   */
  find(ref: string): NetworkRecord | null {
    if (ref === '') return null;
    const { records: all, broken } = this.scan();
    const byName = all.find((r) => r.info.name === ref);
    if (byName) return byName;
    const byId = all.filter((r) => r.info.id.startsWith(ref));
    if (byId.length === 1) return byId[0]!;
    // By ID only: a name no readable network has may still be the broken one's, but most often it
    // is no network at all (`network ls` lists the broken ones).
    const its = byId.length === 0 ? broken.find((b) => path.basename(path.dirname(b.file)).startsWith(ref)) : undefined;
    if (its) throw its;
    return null;
  }

  save(record: NetworkRecord): void {
    fs.mkdirSync(path.join(this.dir, record.info.id), { recursive: true, mode: 0o700 });
    writeJsonAtomic(path.join(this.dir, record.info.id, RECORD_FILE), record);
  }

  delete(id: string): void {
    fs.rmSync(path.join(this.dir, id), { recursive: true, force: true });
  }

  /** A directory for per-network files of plugins (the endpoints of a network, ...). */
  networkDir(id: string): string {
    return path.join(this.dir, id);
  }
}
