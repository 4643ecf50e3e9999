// resolveUser against fake /etc/passwd and /etc/group files: Docker's (runc's) answers for each
// form of `-u`, its error messages, and robustness against malformed files.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MAX_ID, parseGroup, parsePasswd, resolveUser } from '../../src/security/user.js';
import { MydockerError } from '../../src/errors.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
app:x:1000:1000:App:/home/app:/bin/sh
1234:x:4321:4321::/home/numeric:/bin/sh
nohome:x:1001:1001::
`;

const GROUP = `root:x:0:root
wheel:x:10:root,app
audio:x:29:app
staff:x:50:daemon,app
app:x:1000:
1234:x:555:
`;

function files(passwd: string | null = PASSWD, group: string | null = GROUP) {
  const read = (p: '/etc/passwd' | '/etc/group') => (p === '/etc/passwd' ? passwd : group);
  return read;
}

function fails(spec: string, read: ReturnType<typeof files>, message: string): void {
  assert.throws(
    () => resolveUser(spec, read),
    (e: unknown) => e instanceof MydockerError && e.exitCode === 125 && e.message === message && !e.message.includes('\n'),
  );
}

describe('resolveUser', () => {
  it('"" is root, with its passwd gid, home and groups', () => {
    assert.deepEqual(resolveUser('', files()), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
  });

  it('"" without passwd and group files is uid 0, gid 0, home /', () => {
    assert.deepEqual(resolveUser('', files(null, null)), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
  });

  it("root's gid comes from its passwd entry", () => {
    const read = files('root:x:0:7:root:/root:/bin/sh\n', 'lp:x:7:\n');
    assert.deepEqual(resolveUser('', read), { uid: 0, gid: 7, additionalGids: [7], home: '/root' });
  });

  it('a name: its uid, gid, home, and every group that lists it', () => {
    assert.deepEqual(resolveUser('app', files()), { uid: 1000, gid: 1000, additionalGids: [10, 29, 50, 1000], home: '/home/app' });
    assert.deepEqual(resolveUser('daemon', files()), { uid: 1, gid: 1, additionalGids: [1, 50], home: '/usr/sbin' });
  });

  it('a number found in passwd takes that entry (gid, home, groups)', () => {
    assert.deepEqual(resolveUser('1000', files()), { uid: 1000, gid: 1000, additionalGids: [10, 29, 50, 1000], home: '/home/app' });
  });

  it('a number not in passwd is used as such: gid 0, home /', () => {
    assert.deepEqual(resolveUser('4242', files()), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
    assert.deepEqual(resolveUser('4242', files(null, null)), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
  });

  it('a number matches uids only, never a user named by digits', () => {
    // The entry named "1234" has uid 4321: "1234" is uid 1234, unknown.
    assert.deepEqual(resolveUser('1234', files()), { uid: 1234, gid: 0, additionalGids: [0], home: '/' });
    assert.equal(resolveUser('4321', files()).home, '/home/numeric');
  });

  it('Go-style numbers: a sign and leading zeros are allowed', () => {
    assert.equal(resolveUser('+0042', files()).uid, 42);
    assert.ok(Object.is(resolveUser('-0', files()).uid, 0));
  });

  it('name:group takes the group gid and, as runc, no supplementary groups', () => {
    assert.deepEqual(resolveUser('app:audio', files()), { uid: 1000, gid: 29, additionalGids: [29], home: '/home/app' });
  });

  it('uid:gid, numbers that need not exist', () => {
    assert.deepEqual(resolveUser('4242:4343', files()), { uid: 4242, gid: 4343, additionalGids: [4343], home: '/' });
    assert.deepEqual(resolveUser('4242:4343', files(null, null)), { uid: 4242, gid: 4343, additionalGids: [4343], home: '/' });
  });

  it('name:gid and uid:group', () => {
    assert.deepEqual(resolveUser('app:7', files()), { uid: 1000, gid: 7, additionalGids: [7], home: '/home/app' });
    assert.deepEqual(resolveUser('4242:staff', files()), { uid: 4242, gid: 50, additionalGids: [50], home: '/' });
  });

  it('a numeric group matches gids only, never a group named by digits', () => {
    assert.equal(resolveUser('0:1234', files()).gid, 1234);
    assert.equal(resolveUser('0:555', files()).gid, 555);
  });

  it('":group" is root with that group; "user:" is the user alone', () => {
    assert.deepEqual(resolveUser(':wheel', files()), { uid: 0, gid: 10, additionalGids: [10], home: '/root' });
    assert.deepEqual(resolveUser('app:', files()), resolveUser('app', files()));
  });

  it('the first matching entry wins', () => {
    const read = files('app:x:1000:1000::/first:/bin/sh\napp:x:2000:2000::/second:/bin/sh\n', 'g:x:5:\ng:x:6:\n');
    assert.deepEqual(resolveUser('app:g', read), { uid: 1000, gid: 5, additionalGids: [5], home: '/first' });
  });

  it('a group listing the user twice, or its own primary group, gives each gid once, sorted', () => {
    const read = files('u:x:5:300::/h:/bin/sh\n', 'b:x:200:u,u\na:x:100:x,u\nprimary:x:300:u\n');
    assert.deepEqual(resolveUser('u', read).additionalGids, [100, 200, 300]);
  });

  it('home is / when the passwd entry has none', () => {
    assert.equal(resolveUser('nohome', files()).home, '/');
    assert.equal(resolveUser('x', files('x:x:3:3\n', null)).home, '/');
  });

  it('unknown names: Docker\'s messages, one line, exit 125', () => {
    fails('nobody', files(), 'unable to find user nobody: no matching entries in passwd file');
    fails('app:nogroup', files(), 'unable to find group nogroup: no matching entries in group file');
    fails('4242:nogroup', files(), 'unable to find group nogroup: no matching entries in group file');
    fails('app:a:b', files(), 'unable to find group a:b: no matching entries in group file');
  });

  it('names need the files; numbers do not', () => {
    fails('app', files(null, GROUP), 'unable to find user app: no matching entries in passwd file');
    fails('app:wheel', files(PASSWD, null), 'unable to find group wheel: no matching entries in group file');
    assert.deepEqual(resolveUser('app', files(PASSWD, null)), { uid: 1000, gid: 1000, additionalGids: [1000], home: '/home/app' });
  });

  it('numbers out of 0..2^31-1 are refused with one line', () => {
    const range = `uids and gids must be in range 0-${MAX_ID}`;
    assert.equal(resolveUser(String(MAX_ID), files()).uid, MAX_ID);
    assert.equal(resolveUser(`0:${MAX_ID}`, files()).gid, MAX_ID);
    fails(String(MAX_ID + 1), files(), `invalid user "${MAX_ID + 1}": ${range}`);
    fails('-1', files(), `invalid user "-1": ${range}`);
    fails('0:4294967295', files(), `invalid user "0:4294967295": ${range}`);
    fails('99999999999999999999999', files(), `invalid user "99999999999999999999999": ${range}`);
  });

  it('something that is not a number is a name', () => {
    fails('1e3', files(), 'unable to find user 1e3: no matching entries in passwd file');
    fails(' 1', files(), 'unable to find user  1: no matching entries in passwd file');
  });
});

describe('parsing /etc/passwd and /etc/group', () => {
  it('skips comments, blank lines, short lines and garbage; trims lines', () => {
    const passwd = [
      '# a comment',
      '',
      '   ',
      '  app:x:1000:1000::/home/app:/bin/sh\r',
      'short:x:5',
      'badnum:x:abc:1::/:/bin/sh',
      'neg:x:-1:1::/:/bin/sh',
      'huge:x:99999999999:1::/:/bin/sh',
      ':x:7:7::/:/bin/sh',
      '\u0000\u00ff garbage without colons',
      'minimal:x:8:9',
    ].join('\n');
    assert.deepEqual(parsePasswd(passwd), [
      { name: 'app', uid: 1000, gid: 1000, home: '/home/app' },
      { name: 'minimal', uid: 8, gid: 9, home: '' },
    ]);
    const group = ['#wheel:x:10:app', 'ok:x:10:a,,b', 'nolist:x:11', 'bad:x:zz:a', 'short:x', 'trail:x:12:a,'].join('\n');
    assert.deepEqual(parseGroup(group), [
      { name: 'ok', gid: 10, members: ['a', 'b'] },
      { name: 'nolist', gid: 11, members: [] },
      { name: 'trail', gid: 12, members: ['a'] },
    ]);
  });

  it('a garbled root line is not taken for root', () => {
    // runc reads a non-numeric uid as 0; skipped here, so "" falls back to uid 0, gid 0, home /.
    const read = files('#root:x:0:0::/comment:/bin/sh\nevil:x:zero:0::/evil:/bin/sh\nroot:x:0:3::/root:/bin/sh\n', 'g:x:3:evil\n');
    assert.deepEqual(resolveUser('', read), { uid: 0, gid: 3, additionalGids: [3], home: '/root' });
    assert.deepEqual(resolveUser('', files('evil:x:zero:0::/evil:/bin/sh\n', null)), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
  });

  it('never throws on arbitrary bytes', () => {
    let seed = 7;
    const byte = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 200; i++) {
      const text = Buffer.from(Array.from({ length: 300 }, () => (byte() % 3 === 0 ? 0x3a : byte()))).toString('latin1');
      const read = files(text, text);
      for (const spec of ['', '0', '0:0', '1000']) assert.doesNotThrow(() => resolveUser(spec, read));
    }
  });
});
