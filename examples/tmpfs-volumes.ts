// A volume driver "tmpfs": each volume is a size-limited file system in memory, for scratch data
// that must be fast and must never reach the disk (build caches, test databases, secrets).
//
//   mydocker volume create --plugin examples/tmpfs-volumes.ts --driver tmpfs scratch
//   mydocker run --plugin examples/tmpfs-volumes.ts -v scratch:/scratch busybox sh
//   mydocker run --plugin examples/tmpfs-volumes.ts --volume-driver tmpfs -v /cache busybox sh
//
// List the plugin in <state root>/config.json ({"plugins": [".../tmpfs-volumes.ts"]}) to serve
// every command. A volume is <root>/tmpfs-volumes/<name> (the mount) and <name>.json (what is
// known of it). Its data lives while the host is up: after a reboot the next container that
// mounts it gets it back empty (`mount` below), as memory would be.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VolumeError, definePlugin, type VolumeInfo } from 'mydocker/hooks';
import { nameProblem } from 'mydocker/hooks/names.js';

const SIZE = process.env.MYDOCKER_TMPFS_VOLUME_SIZE ?? '64m';

export default definePlugin({
  name: 'tmpfs-volumes',
  apply(api) {
    const dir = path.join(api.root, 'tmpfs-volumes');
    const at = (name: string): string => {
      const problem = nameProblem(name);
      if (problem) throw new VolumeError(`invalid volume name "${name}": ${problem}`, 'invalid-name');
      return path.join(dir, name);
    };
    const mounted = (where: string): boolean => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === where);
    const ensureMounted = (where: string): void => {
      if (!mounted(where)) execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0755,nosuid,nodev`, 'tmpfs', where]);
    };
    const get = async (name: string): Promise<VolumeInfo | null> => {
      try {
        return JSON.parse(fs.readFileSync(`${at(name)}.json`, 'utf8')) as VolumeInfo;
      } catch {
        return null;
      }
    };

    api.registerVolumeDriver({
      name: 'tmpfs',
      async create(name = `tmp-${Date.now().toString(36)}`, options) {
        const existing = await get(name);
        if (existing) return existing;
        const where = at(name);
        fs.mkdirSync(where, { recursive: true, mode: 0o700 });
        ensureMounted(where);
        const volume: VolumeInfo = { name, mountpoint: where, createdAt: new Date().toISOString(), anonymous: options?.anonymous ?? false };
        // Written last: a volume appears only once it is mounted.
        fs.writeFileSync(`${where}.json`, JSON.stringify(volume));
        return volume;
      },
      get,
      async list() {
        const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
        const all = await Promise.all(names.map((f) => get(f.slice(0, -'.json'.length))));
        return all.filter((v): v is VolumeInfo => v !== null);
      },
      async remove(name) {
        const where = at(name);
        if (!(await get(name))) throw new VolumeError(`no such volume: ${name}`, 'not-found');
        if (mounted(where)) execFileSync('umount', [where]);
        fs.rmSync(`${where}.json`, { force: true });
        fs.rmSync(where, { recursive: true, force: true });
      },
      // Called for each container start: after a reboot the mount is gone, and comes back empty.
      async mount(name) {
        const where = at(name);
        ensureMounted(where);
        return where;
      },
    });
  },
});
