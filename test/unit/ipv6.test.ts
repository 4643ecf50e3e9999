// isIPv6Address answers as node:net's isIP(text) === 6 does, for the spellings resolv.conf and
// users write, the odd ones and the invalid ones.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { isIPv6Address } from '../../hooks/ipv6.js';
import { containerResolvConf } from '../../plugins/network/etc-files.js';

const SAMPLES = [
  '::', '::1', '0:0:0:0:0:0:0:1', '2001:db8::53', '2001:DB8::53', 'fe80::1%eth0', 'fe80::1%2', '::1%lo',
  '::ffff:127.0.0.1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', '1::', '::2:3:4:5:6:7:8',
  '1.2.3.4', '127.0.0.53', '', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', 'g::1', '::1.2.3',
  '::1.2.3.256', '::01.2.3.4', 'fe80::1%', 'fe80::1%eth0%x', 'fe80::1%eth 0', '[::1]', '::1]', '::1/64',
  ' ::1', '::1 ', 'localhost', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4:5',
];

describe('isIPv6Address', () => {
  for (const text of SAMPLES) {
    it(`${JSON.stringify(text)} as node:net says`, () => {
      assert.equal(isIPv6Address(text), isIP(text) === 6);
    });
  }

  it('a loopback nameserver with a zone is dropped, another kept (the URL parser knows no zone)', () => {
    assert.equal(containerResolvConf('nameserver ::1%lo\nnameserver fe80::1%eth0\n', null), 'nameserver fe80::1%eth0\n');
  });
});
