// /etc/hosts, /etc/hostname and /etc/resolv.conf contents, compared as exact text.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { containerResolvConf, hostnameFile, hostsFile } from '../../plugins/network/etc-files.js';

const LOCALHOST =
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\n' +
  'ff02::1\tip6-allnodes\n' +
  'ff02::2\tip6-allrouters\n';

describe('hostsFile', () => {
  it('without an address: the localhost lines only', () => {
    assert.equal(hostsFile({ hostname: 'abc123', address: null }, []), LOCALHOST);
  });

  it('own address and hostname, then other containers', () => {
    const text = hostsFile({ hostname: 'abc123', address: '172.18.0.2' }, [
      { address: '172.18.0.3', names: ['web', 'def456'] },
      { address: '172.18.0.4', names: ['db', 'db'] },
      { address: '172.18.0.5', names: [] },
    ]);
    assert.equal(text, LOCALHOST + '172.18.0.2\tabc123\n' + '172.18.0.3\tweb def456\n' + '172.18.0.4\tdb\n');
  });

  it('extra entries are written even without an own address', () => {
    assert.equal(hostsFile({ hostname: 'h', address: null }, [{ address: '10.0.0.9', names: ['x'] }]), LOCALHOST + '10.0.0.9\tx\n');
  });
});

describe('hostnameFile', () => {
  it('is the hostname and a newline', () => {
    assert.equal(hostnameFile('abc123'), 'abc123\n');
  });
});

describe('containerResolvConf', () => {
  const STUB =
    '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n' +
    'nameserver 127.0.0.53\n' +
    'options edns0 trust-ad\n' +
    'search lan\n';
  const UPSTREAM =
    '# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n' +
    'nameserver 192.168.1.1\n' +
    'nameserver 2001:db8::53\n' +
    'search lan\n';

  it('systemd-resolved stub only, with a fallback: the fallback as a whole', () => {
    assert.equal(containerResolvConf(STUB, UPSTREAM), 'nameserver 192.168.1.1\nnameserver 2001:db8::53\nsearch lan\n');
  });

  it('systemd-resolved stub only, no fallback: Docker defaults, search and options kept', () => {
    assert.equal(containerResolvConf(STUB, null), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0 trust-ad\nsearch lan\n');
  });

  it('stub only and a fallback that is loopback too: Docker defaults', () => {
    assert.equal(containerResolvConf(STUB, 'nameserver 127.0.0.1\nsearch other\n'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0 trust-ad\nsearch lan\n');
  });

  it('mixed servers: loopback ones dropped, the rest kept in order, fallback ignored', () => {
    const host =
      'nameserver 127.0.0.1\n' +
      'nameserver 10.0.0.2\n' +
      'nameserver ::1\n' +
      'nameserver 0:0:0:0:0:0:0:1\n' +
      'nameserver 127.1.2.3\n' +
      'nameserver ::ffff:127.0.0.1\n' +
      'nameserver 1.1.1.1\n' +
      'search example.com corp.example.com\n';
    assert.equal(containerResolvConf(host, UPSTREAM), 'nameserver 10.0.0.2\nnameserver 1.1.1.1\nsearch example.com corp.example.com\n');
  });

  it('no nameserver and no fallback: Docker defaults', () => {
    assert.equal(containerResolvConf('', null), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(containerResolvConf('# nothing here\nsearch lan\n', null), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch lan\n');
  });

  it('no nameserver at all is not "only loopback": the fallback is not consulted', () => {
    assert.equal(containerResolvConf('search lan\n', UPSTREAM), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch lan\n');
  });

  it('normalises spacing, drops comments, junk and other keywords, reads CRLF', () => {
    const host =
      '; comment\r\n' +
      '  # indented comment\r\n' +
      'nameserver\t9.9.9.9   # trailing\r\n' +
      'nameserver not-an-address\r\n' +
      'nameserver\r\n' +
      'domain   example.org\r\n' +
      'sortlist 10.0.0.0/255.0.0.0\r\n' +
      'options\tndots:2   timeout:1\r\n' +
      'search\r\n' +
      'NAMESERVER 8.8.4.4\r\n';
    assert.equal(containerResolvConf(host, null), 'nameserver 9.9.9.9\ndomain example.org\noptions ndots:2 timeout:1\n');
  });
});

describe('--add-host and --dns*', () => {
  it('puts --add-host lines after localhost and before the container\'s own, as Docker', () => {
    const text = hostsFile({ hostname: 'abc', address: '172.18.0.2' }, [{ address: '172.18.0.2', names: ['web'] }], [{ address: '10.0.0.5', names: ['db'] }]);
    assert.equal(text, LOCALHOST + '10.0.0.5\tdb\n172.18.0.2\tabc\n172.18.0.2\tweb\n');
  });

  it('replaces nameservers with --dns, search and domain with --dns-search (. for none), options with --dns-option', () => {
    const host = 'nameserver 10.0.0.2\nsearch lan\ndomain lan\noptions edns0\n';
    assert.equal(containerResolvConf(host, null, { servers: ['1.1.1.1', '127.0.0.1'], search: [], options: [] }), 'nameserver 1.1.1.1\nnameserver 127.0.0.1\nsearch lan\ndomain lan\noptions edns0\n');
    assert.equal(containerResolvConf(host, null, { servers: [], search: ['a.example', 'b.example'], options: ['ndots:2'] }), 'nameserver 10.0.0.2\nsearch a.example b.example\noptions ndots:2\n');
    assert.equal(containerResolvConf(host, null, { servers: [], search: ['.'], options: [] }), 'nameserver 10.0.0.2\noptions edns0\n');
  });
});
