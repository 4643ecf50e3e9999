// IPv4/CIDR arithmetic: strict parsing, and unsigned 32-bit math at the edges (/0, /32, 255.255.255.255).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  addressAt,
  broadcastOf,
  contains,
  formatAddress,
  formatSubnet,
  offsetOf,
  overlaps,
  parseAddress,
  parseCidrLoose,
  parseSubnet,
  subnetSize,
  type Subnet,
} from '../../hooks/ipv4.js';

const subnet = (text: string): Subnet => {
  const s = parseSubnet(text);
  assert.ok(s, `${text} should parse`);
  return s;
};
const addr = (text: string): number => {
  const n = parseAddress(text);
  assert.notEqual(n, null, `${text} should parse`);
  return n!;
};

describe('parseAddress / formatAddress', () => {
  it('parses dotted quads to unsigned 32-bit numbers', () => {
    assert.equal(parseAddress('0.0.0.0'), 0);
    assert.equal(parseAddress('172.18.0.1'), 0xac120001);
    assert.equal(parseAddress('128.0.0.0'), 0x80000000, 'top bit set stays positive');
    assert.equal(parseAddress('255.255.255.255'), 0xffffffff);
    assert.equal(parseAddress('10.0.0.0'), 167772160);
  });

  it('refuses anything that is not a strict dotted quad', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.00', '1.2.3.-1', '+1.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '1..3.4', '1.2.3.4.', 'a.b.c.d', '0x1.2.3.4', '1.2.3.1e1', '1000.1.1.1', '1.2.3.4/32']) {
      assert.equal(parseAddress(bad), null, JSON.stringify(bad));
    }
  });

  it('formats back, including the top bit and signed inputs', () => {
    assert.equal(formatAddress(0), '0.0.0.0');
    assert.equal(formatAddress(0xac120001), '172.18.0.1');
    assert.equal(formatAddress(0xffffffff), '255.255.255.255');
    assert.equal(formatAddress(-1), '255.255.255.255', 'a signed int32 from a bitwise op is read as unsigned');
    assert.equal(formatAddress(0x80000000 | 0), '128.0.0.0');
    for (const text of ['1.2.3.4', '192.168.100.254', '10.0.0.1']) assert.equal(formatAddress(addr(text)), text);
  });
});

describe('parseSubnet / parseCidrLoose / formatSubnet', () => {
  it('parses network/prefix and formats it back', () => {
    assert.deepEqual(parseSubnet('172.18.0.0/16'), { network: 0xac120000, prefix: 16 });
    assert.equal(formatSubnet(subnet('172.18.0.0/16')), '172.18.0.0/16');
    assert.deepEqual(parseSubnet('0.0.0.0/0'), { network: 0, prefix: 0 });
    assert.deepEqual(parseSubnet('255.255.255.255/32'), { network: 0xffffffff, prefix: 32 });
    assert.deepEqual(parseSubnet('128.0.0.0/1'), { network: 0x80000000, prefix: 1 });
    assert.equal(formatSubnet(subnet('10.1.2.3/32')), '10.1.2.3/32');
  });

  it('refuses host bits, bad prefixes and bad addresses', () => {
    for (const bad of ['172.18.0.5/16', '1.0.0.0/0', '10.0.0.1/31', '128.0.0.0/0', '1.2.3.4/33', '1.2.3.0/-1', '1.2.3.0/024', '1.2.3.0/', '1.2.3.0', '1.2.3/24', '256.0.0.0/8', '1.2.3.0/24/1', '1.2.3.0/ 24', '/24']) {
      assert.equal(parseSubnet(bad), null, JSON.stringify(bad));
    }
  });

  it('parseCidrLoose keeps host bits', () => {
    assert.deepEqual(parseCidrLoose('172.18.0.5/16'), { address: 0xac120005, prefix: 16 });
    assert.deepEqual(parseCidrLoose('0.0.0.0/0'), { address: 0, prefix: 0 });
    assert.deepEqual(parseCidrLoose('255.255.255.255/0'), { address: 0xffffffff, prefix: 0 });
    assert.equal(parseCidrLoose('1.2.3.4/33'), null);
    assert.equal(parseCidrLoose('1.2.3.4'), null);
    assert.equal(parseCidrLoose('1.2.3/8'), null);
  });
});

describe('subnet arithmetic', () => {
  it('size, broadcast, first and last address', () => {
    const s = subnet('172.18.0.0/16');
    assert.equal(subnetSize(s), 65536);
    assert.equal(formatAddress(broadcastOf(s)), '172.18.255.255');
    assert.equal(formatAddress(addressAt(s, 1)), '172.18.0.1');
    assert.equal(formatAddress(addressAt(s, 65535)), '172.18.255.255');
    assert.equal(offsetOf(s, addr('172.18.1.2')), 258);
    assert.equal(offsetOf(s, addr('172.18.0.0')), 0);
  });

  it('/0 spans everything, /32 is one address', () => {
    const all = subnet('0.0.0.0/0');
    assert.equal(subnetSize(all), 2 ** 32);
    assert.equal(broadcastOf(all), 0xffffffff);
    assert.ok(contains(all, 0xffffffff));
    assert.ok(contains(all, 0));
    assert.equal(addressAt(all, 0xffffffff), 0xffffffff);
    assert.equal(offsetOf(all, 0xffffffff), 0xffffffff);

    const one = subnet('255.255.255.255/32');
    assert.equal(subnetSize(one), 1);
    assert.equal(broadcastOf(one), 0xffffffff);
    assert.ok(contains(one, 0xffffffff));
    assert.ok(!contains(one, 0xfffffffe));
    assert.equal(addressAt(one, 0), 0xffffffff);
  });

  it('works with the top bit set', () => {
    const s = subnet('192.168.0.0/24');
    assert.equal(formatAddress(broadcastOf(s)), '192.168.0.255');
    assert.ok(broadcastOf(s) > 0);
    assert.ok(contains(s, addr('192.168.0.200')));
    assert.ok(!contains(s, addr('192.168.1.0')));
    assert.ok(!contains(s, addr('192.167.255.255')));
    assert.equal(offsetOf(s, addr('192.168.0.200')), 200);
  });

  it('addressAt and offsetOf refuse to leave the subnet', () => {
    const s = subnet('10.0.0.0/30');
    assert.throws(() => addressAt(s, 4), RangeError);
    assert.throws(() => addressAt(s, -1), RangeError);
    assert.throws(() => addressAt(s, 1.5), RangeError);
    assert.throws(() => offsetOf(s, addr('10.0.0.4')), RangeError);
    assert.throws(() => offsetOf(s, addr('9.255.255.255')), RangeError);
    assert.equal(formatAddress(addressAt(s, 3)), '10.0.0.3');
  });
});

describe('overlaps', () => {
  const cases: [string, string, boolean][] = [
    ['172.18.0.0/16', '172.18.5.0/24', true],
    ['172.18.5.0/24', '172.18.0.0/16', true],
    ['10.0.0.0/24', '10.0.0.0/24', true],
    ['0.0.0.0/0', '192.168.1.0/24', true],
    ['192.168.1.0/24', '0.0.0.0/0', true],
    ['10.0.0.5/32', '10.0.0.0/29', true],
    ['10.0.0.0/24', '10.0.1.0/24', false], // neighbours
    ['10.0.1.0/24', '10.0.0.0/24', false],
    ['10.0.0.0/25', '10.0.0.128/25', false],
    ['172.17.0.0/16', '172.18.0.0/16', false],
    ['255.255.255.254/32', '255.255.255.255/32', false],
    ['128.0.0.0/1', '0.0.0.0/1', false],
    ['128.0.0.0/1', '255.0.0.0/8', true],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a} and ${b}: ${expected ? 'overlap' : 'disjoint'}`, () => {
      assert.equal(overlaps(subnet(a), subnet(b)), expected);
    });
  }
});
