// Networks on disk: <root>/networks/<id>/network.json (what the network is, its driver's saved
// state, the plugin files that serve its driver), next to the IPAM's ipam.json. "host" and "none"
// are not stored: they are modes, not networks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkInfo, PluginState } from '../../hooks/index.js';
import { readJson, writeJsonAtomic } from '../../hooks/atomic-file.js';

export interface NetworkRecord {
  info: NetworkInfo;
  /** What the driver's createNetwork saved (the bridge's name, ...). */
  driverState: PluginState;
  /** Users' plugin files that were loaded when the network was created (its driver may be one). */
  plugins: string[];
}

const RECORD_FILE = 'network.json';

export class NetworkStore {
  constructor(readonly dir: string) {}

  get lockFile(): string {
    return path.join(this.dir, 'lock');
  }

  list(): NetworkRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.dir).filter((id) => /^[0-9a-f]{64}$/.test(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: NetworkRecord[] = [];
    for (const id of ids) {
      try {
        records.push(readJson<NetworkRecord>(path.join(this.dir, id, RECORD_FILE)));
      } catch (error) {
        // A directory without its record is a create that is still under way, or was interrupted.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return records.sort((a, b) => a.info.created.localeCompare(b.info.created));
  }

  /** By exact name, then full ID, then unique ID prefix. */
  find(ref: string): NetworkRecord | null {
    if (ref === '') return null;
    const all = this.list();
    const byName = all.find((r) => r.info.name === ref);
    if (byName) return byName;
    const byId = all.filter((r) => r.info.id.startsWith(ref));
    return byId.length === 1 ? byId[0]! : null;
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
