import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MS } from '../../hooks/index.js';
import { MydockerError } from '../../src/errors.js';
import { parseSecurityFlags, parseTmpfs } from '../../src/security/options.js';
import { noNewPrivileges, seccompChoice } from '../../src/security/settings.js';
import { tmpfsArguments } from '../../src/process/confine-mounts.js';

/** Refused in one line, with exit code 125, and a message matching `pattern`. */
async function refused(fn: () => unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => e instanceof MydockerError && e.exitCode === 125 && !e.message.includes('\n') && pattern.test(e.message));
}

const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] });
const files: Record<string, string> = { '/p.json': profile, '/bad.json': '{ nope' };
const read = (f: string): string => {
  if (f in files) return files[f]!;
  throw Object.assign(new Error('missing'), { code: 'ENOENT' });
};

describe('security flags', async () => {
  it('the defaults are Docker\'s: nothing added, nothing loosened', async () => {
    const s = await parseSecurityFlags({});
    assert.deepEqual(s, { privileged: false, capAdd: [], capDrop: [], securityOpt: [], readOnlyRootfs: false, tmpfs: [], user: '', devices: [] });
    assert.equal(seccompChoice(s), 'default');
    assert.equal(noNewPrivileges(s), false);
  });

  it('normalizes capability names and refuses unknown ones', async () => {
    const s = await parseSecurityFlags({ capAdd: ['net_admin', 'CAP_SYS_TIME'], capDrop: ['all'] });
    assert.deepEqual([s.capAdd, s.capDrop], [['NET_ADMIN', 'SYS_TIME'], ['ALL']]);
    await refused(() => parseSecurityFlags({ capDrop: ['CAP_NOPE'] }), /invalid capability for --cap-drop: "CAP_NOPE"/);
  });

  it('seccomp=FILE keeps the profile inline (a later start needs no file); unconfined; --privileged wins', async () => {
    const s = await parseSecurityFlags({ securityOpt: ['seccomp=/p.json'] }, read);
    assert.deepEqual(s.securityOpt, [`seccomp=${profile}`]);
    assert.deepEqual(seccompChoice(s), { json: profile });
    assert.equal(seccompChoice(await parseSecurityFlags({ securityOpt: ['seccomp=unconfined'] })), 'unconfined');
    assert.equal(seccompChoice(await parseSecurityFlags({ privileged: true })), 'unconfined');
    await refused(() => parseSecurityFlags({ securityOpt: ['seccomp=/missing.json'] }, read), /cannot read seccomp profile \/missing\.json/);
    await refused(() => parseSecurityFlags({ securityOpt: ['seccomp=/bad.json'] }, read), /\/bad\.json/);
  });

  it('no-new-privileges in Docker\'s spellings; AppArmor and SELinux only where they ask for nothing', async () => {
    for (const opt of ['no-new-privileges', 'no-new-privileges=true', 'no-new-privileges:true']) {
      assert.equal(noNewPrivileges(await parseSecurityFlags({ securityOpt: [opt] })), true, opt);
    }
    assert.equal(noNewPrivileges(await parseSecurityFlags({ securityOpt: ['no-new-privileges=false'] })), false);
    assert.deepEqual((await parseSecurityFlags({ securityOpt: ['apparmor=unconfined', 'label=disable'] })).securityOpt, []);
    await refused(() => parseSecurityFlags({ securityOpt: ['apparmor=docker-default'] }), /does not support AppArmor/);
    await refused(() => parseSecurityFlags({ securityOpt: ['no-new-privileges=maybe'] }), /invalid --security-opt/);
    await refused(() => parseSecurityFlags({ securityOpt: ['seccomp'] }), /invalid --security-opt/);
  });

  it('--tmpfs: absolute paths, known options; Docker\'s noexec,nosuid,nodev unless lifted', async () => {
    assert.deepEqual(parseTmpfs('/run'), { path: '/run', options: '' });
    assert.deepEqual(parseTmpfs('/run/:size=64m,mode=1777'), { path: '/run', options: 'size=64m,mode=1777' });
    await refused(() => parseTmpfs('run'), /must be absolute/);
    await refused(() => parseTmpfs('/a/../b'), /"\.\." is not allowed/);
    await refused(() => parseTmpfs('/'), /cannot mount over the root/);
    await refused(() => parseTmpfs('/run:sizee=1m'), /unknown option "sizee=1m"/);
    assert.deepEqual(tmpfsArguments(''), { flags: MS.NOEXEC | MS.NOSUID | MS.NODEV, data: '' });
    assert.deepEqual(tmpfsArguments('exec,ro,size=1m,mode=1777,tmpfs-size=2m'), { flags: MS.NOSUID | MS.NODEV | MS.RDONLY, data: 'size=1m,mode=1777,size=2m' });
  });

  it('-u is checked for shape now and looked up in the container when it starts', async () => {
    assert.equal((await parseSecurityFlags({ user: 'app:audio' })).user, 'app:audio');
    assert.equal((await parseSecurityFlags({ user: '1000' })).user, '1000');
    await refused(() => parseSecurityFlags({ user: 'a:b:c' }), /invalid user "a:b:c"/);
    await refused(() => parseSecurityFlags({ user: 'a b' }), /invalid user/);
  });
});
