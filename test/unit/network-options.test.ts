// --add-host and --dns* as the network options read them: Docker's splitting, refusals by name.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetworkOptionError, addedHosts, dnsSettings } from '../../hooks/network-options.js';

describe('network options: --add-host, --dns*', () => {
  it('splits --add-host at the first colon, so IPv6 needs no brackets (brackets are accepted)', () => {
    assert.deepEqual(addedHosts({ addHost: ['db:10.0.0.5', 'v6:2001:db8::1', 'b:[::1]'] }), [
      { address: '10.0.0.5', names: ['db'] },
      { address: '2001:db8::1', names: ['v6'] },
      { address: '::1', names: ['b'] },
    ]);
    assert.deepEqual(addedHosts({}), []);
  });

  it('refuses a bad --add-host, host-gateway by name', () => {
    for (const bad of ['nocolon', ':10.0.0.1', 'db:notanip', 'a b:10.0.0.1']) assert.throws(() => addedHosts({ addHost: [bad] }), NetworkOptionError, bad);
    assert.throws(() => addedHosts({ addHost: ['gw:host-gateway'] }), /host-gateway is not supported/);
  });

  it('reads --dns, --dns-search, --dns-option and refuses what resolv.conf cannot hold', () => {
    assert.deepEqual(dnsSettings({ dns: ['1.1.1.1', '::1'], dnsSearch: ['.'], dnsOption: ['ndots:2'] }), { servers: ['1.1.1.1', '::1'], search: ['.'], options: ['ndots:2'] });
    assert.throws(() => dnsSettings({ dns: ['dns.example'] }), /not an IP address/);
    assert.throws(() => dnsSettings({ dnsSearch: ['a b'] }), NetworkOptionError);
    assert.throws(() => dnsSettings({ dnsOption: ['x y'] }), NetworkOptionError);
  });
});
