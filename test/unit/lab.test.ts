// The pure parts of the lab (scripts/lab/, plain .mjs run by `npm run lab`): reading the guest's
// results, choosing the accelerator, and qemu's command line. No VM is started here.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// This file runs as dist/test/unit/lab.test.js; the scripts are three levels up, uncompiled.
const LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/lab');
const load = async (file: string): Promise<any> => import(pathToFileURL(path.join(LAB, file)).href);

describe('lab: the guest\'s results', () => {
  it('takes the exit status from the runner\'s last line and the counts from node\'s summary', async () => {
    const { summarize } = await load('tap.mjs');
    const text = 'TAP version 13\nok 1 - a\nnot ok 2 - b\n# tests 2\n# pass 1\n# fail 1\n# skipped 0\n# lab-exit 1\n';
    assert.deepEqual(summarize(text), { exit: 1, tests: 2, pass: 1, fail: 1, skipped: 0, cancelled: 0 });
  });

  it('has no exit status when the runner never finished (the guest died or was killed)', async () => {
    const { summarize } = await load('tap.mjs');
    assert.equal(summarize('TAP version 13\nok 1 - a\n').exit, null);
  });
});

describe('lab: qemu', () => {
  it('uses the accelerator asked for, else TCG where KVM is PVM or absent', async () => {
    const { accelerator } = await load('qemu.mjs');
    assert.equal(accelerator({ MYDOCKER_LAB_ACCEL: 'tcg' }), 'tcg');
    assert.ok(['kvm', 'tcg'].includes(accelerator({})));
  });

  it('boots the cached base as a snapshot, the payload as a second disk, TAP on the second serial port, no reachable network', async () => {
    const { qemuArgs } = await load('qemu.mjs');
    const args: string[] = qemuArgs({
      base: { image: '/c/root.img', kernel: '/c/vmlinuz', initrd: '/c/initrd.img' },
      payload: '/r/payload.img',
      consoleLog: '/r/console.log',
      accel: 'tcg',
      cpus: 2,
      memoryMiB: 2048,
    });
    const after = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
    assert.deepEqual(after('-drive'), ['file=/c/root.img,format=raw,if=virtio,snapshot=on', 'file=/r/payload.img,format=raw,if=virtio']);
    assert.deepEqual(after('-serial'), ['file:/r/console.log', 'stdio']);
    assert.deepEqual(after('-nic'), ['user,model=virtio-net-pci,restrict=on']);
    assert.match(after('-append')[0]!, /systemd\.unified_cgroup_hierarchy=1/);
    assert.match(after('-append')[0]!, /mitigations=off clocksource=tsc tsc=reliable/);
    assert.equal(after('-accel')[0], 'tcg,thread=multi');
  });
});
