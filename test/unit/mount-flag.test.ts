// `--mount` as Docker's, turned into the -v and --tmpfs specs it stands for (no I/O: the bind
// source's existence is a given function).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseMountFlag } from '../../src/cli/mount-flag.js';

const there = (path: string): boolean => path === '/srv/data';

describe('--mount', () => {
  it('bind, volume (named or anonymous) and tmpfs, with their aliases and readonly forms', () => {
    assert.deepEqual(parseMountFlag('type=bind,source=/srv/data,target=/data', there), { volume: '/srv/data:/data' });
    assert.deepEqual(parseMountFlag('type=bind,src=/srv/data,dst=/data,readonly', there), { volume: '/srv/data:/data:ro' });
    assert.deepEqual(parseMountFlag('type=bind,src=/srv/data,destination=/data,ro=true', there), { volume: '/srv/data:/data:ro' });
    assert.deepEqual(parseMountFlag('type=bind,src=/srv/data,target=/data,readonly=false', there), { volume: '/srv/data:/data' });
    assert.deepEqual(parseMountFlag('source=cache,target=/cache', there), { volume: 'cache:/cache' }, 'type=volume is the default');
    assert.deepEqual(parseMountFlag('type=volume,target=/scratch', there), { volume: '/scratch' });
    assert.deepEqual(parseMountFlag('type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1770', there), { tmpfs: '/run:size=64m,mode=1770' });
    assert.deepEqual(parseMountFlag('type=tmpfs,dst=/t', there), { tmpfs: '/t' });
    assert.deepEqual(parseMountFlag('type=bind,source=/srv/data,target=/data,consistency=cached', there), { volume: '/srv/data:/data' }, 'consistency: ignored on Linux, as by Docker');
  });

  it('refuses in one line what it cannot do, naming the flag', () => {
    for (const [spec, reason] of [
      ['type=bind,source=/missing,target=/x', /bind source path does not exist: \/missing/],
      ['type=bind,target=/x', /source is required when specifying bind mount/],
      ['type=bind,source=rel,target=/x', /not an absolute path/],
      ['type=volume,source=/srv/data,target=/x', /use type=bind/],
      ['type=tmpfs,source=x,target=/x', /source is not allowed for tmpfs/],
      ['type=volume,target=/x,tmpfs-size=1m', /'tmpfs-size' is for type=tmpfs only/],
      ['type=npipe,target=/x', /mount type "npipe" is not supported/],
      ['type=bind,source=/srv/data', /target is required/],
      ['type=bind,source=/srv/data,target=/x,bind-propagation=shared', /'bind-propagation' is not supported/],
      ['type=bind,source=/srv/data,target=/x,colour=red', /unexpected key 'colour'/],
      ['type=bind,source=/srv/data,target=/x,readonly=maybe', /invalid value for 'readonly'/],
      ['type=volume,target=/x,readonly', /read-only anonymous volume/],
      ['type=bind,source=/srv/data,target=/a:b', /path with ':'/],
    ] as const) {
      assert.throws(() => parseMountFlag(spec, there), (e: Error) => e.message.startsWith(`invalid argument "${spec}" for "--mount" flag: `) && reason.test(e.message), spec);
    }
  });
});
