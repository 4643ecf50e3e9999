// The hand-built rtnetlink payloads, byte for byte: struct layouts, attribute headers and the
// 4-byte padding after each attribute, written out from the kernel's structs (little-endian host).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { RtnlError, encode, frame, openRtnlIn, parseAnswer } from '../../plugins/network/bridge/rtnl.js';
import { libcKernel } from '../../src/kernel/libc.js';

const skip = endianness() === 'LE' ? false : 'the expected bytes are written for a little-endian host';

/** Bytes from hex groups; spaces only separate fields. */
const hex = (...groups: string[]) => Buffer.from(groups.join('').replace(/\s+/g, ''), 'hex');

/** struct ifinfomsg: family u8, pad u8, type u16, index i32, flags u32, change u32. */
const ifinfomsg = (index: string, flags: string, change: string) => hex('00 00 0000', index, flags, change);
const EMPTY_IFINFOMSG = ifinfomsg('00000000', '00000000', '00000000');

describe('rtnetlink encoders', { skip }, () => {
  it('linkByName: an empty ifinfomsg and IFLA_IFNAME with its NUL', () => {
    assert.deepEqual(
      encode.linkByName('eth0'),
      Buffer.concat([EMPTY_IFINFOMSG, hex('0900 0300', '65746830 00', '000000')]), // len 9, type 3, "eth0\0", 3 bytes pad
    );
  });

  it('newBridge: IFLA_IFNAME padded to 4, then IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }', () => {
    const payload = encode.newBridge('mybr1');
    assert.deepEqual(
      payload,
      Buffer.concat([
        EMPTY_IFINFOMSG,
        hex('0a00 0300', '6d796272 3100', '0000'), // IFLA_IFNAME: len 10, "mybr1\0", 2 bytes pad
        hex('1000 1200'), // IFLA_LINKINFO: len 16 = 4 + the padded kind
        hex('0b00 0100', '62726964 676500', '00'), // IFLA_INFO_KIND: len 11, "bridge\0", 1 byte pad
      ]),
    );
    assert.equal(payload.length, 44);
  });

  it('newBridge with a 15-byte name: 20-byte IFLA_IFNAME, no padding', () => {
    const payload = encode.newBridge('mydocker-1a2b3c');
    assert.deepEqual(payload.subarray(16, 36), Buffer.concat([hex('1400 0300'), Buffer.from('mydocker-1a2b3c\0')]));
    assert.deepEqual(payload.subarray(36, 40), hex('1000 1200'));
  });

  it('newVeth: host flags, mtu and master, and the peer ifinfomsg + name + netns fd nested in LINKINFO/DATA/PEER', () => {
    const payload = encode.newVeth('vh1234', 'eth0', 5, { master: 3, up: true, mtu: 1400 });
    assert.deepEqual(
      payload,
      Buffer.concat([
        ifinfomsg('00000000', '01000000', '01000000'), // flags IFF_UP, change IFF_UP
        hex('0b00 0300', '76683132 333400', '00'), // IFLA_IFNAME "vh1234\0"
        hex('0800 0400', '78050000'), // IFLA_MTU 1400
        hex('0800 0a00', '03000000'), // IFLA_MASTER 3
        hex('4400 1200'), // IFLA_LINKINFO: len 68 = 4 + 12 + 52
        hex('0900 0100', '76657468 00', '000000'), //   IFLA_INFO_KIND "veth\0"
        hex('3400 0200'), //   IFLA_INFO_DATA: len 52
        hex('3000 0100'), //     VETH_INFO_PEER: len 48 = 4 + 16 + 12 + 8 + 8
        EMPTY_IFINFOMSG, //       the peer's ifinfomsg
        hex('0900 0300', '65746830 00', '000000'), //       IFLA_IFNAME "eth0\0"
        hex('0800 1c00', '05000000'), //       IFLA_NET_NS_FD 5
        hex('0800 0400', '78050000'), //       IFLA_MTU 1400
      ]),
    );
  });

  it('newVeth without options: no flags, no mtu, no master', () => {
    const payload = encode.newVeth('vh1', 'eth0', 7);
    assert.deepEqual(payload.subarray(0, 16), EMPTY_IFINFOMSG);
    assert.deepEqual(payload.subarray(16, 24), hex('0800 0300', '76683100')); // "vh1\0", exactly 4
    assert.deepEqual(payload.subarray(24, 28), hex('3c00 1200')); // LINKINFO right after: len 60 = 4 + kind 12 + data (4 + peer (4 + 16 + 12 + 8))
    assert.equal(payload.length, 16 + 8 + 60);
  });

  it('setLink: index, IFF_UP in flags/change only when asked, IFLA_MASTER (0 detaches)', () => {
    assert.deepEqual(encode.setLink(9, { up: true }), ifinfomsg('09000000', '01000000', '01000000'));
    assert.deepEqual(
      encode.setLink(9, { up: false, master: 0 }),
      Buffer.concat([ifinfomsg('09000000', '00000000', '01000000'), hex('0800 0a00', '00000000')]),
    );
    assert.deepEqual(
      encode.setLink(300, { master: 4 }),
      Buffer.concat([ifinfomsg('2c010000', '00000000', '00000000'), hex('0800 0a00', '04000000')]),
    );
  });

  it('address: ifaddrmsg, IFA_LOCAL, IFA_ADDRESS and the computed IFA_BROADCAST (network order)', () => {
    assert.deepEqual(
      encode.address(7, '198.18.0.1', 24),
      Buffer.concat([
        hex('02 18 00 00', '07000000'), // AF_INET, /24, flags 0, scope universe, index 7
        hex('0800 0200', 'c6120001'), // IFA_LOCAL 198.18.0.1
        hex('0800 0100', 'c6120001'), // IFA_ADDRESS 198.18.0.1
        hex('0800 0400', 'c61200ff'), // IFA_BROADCAST 198.18.0.255
      ]),
    );
    assert.deepEqual(encode.address(2, '198.19.255.1', 15).subarray(-4), hex('c613ffff'));
    assert.equal(encode.address(2, '198.18.0.1', 31).length, 8 + 8 + 8, 'no broadcast on a /31');
    assert.equal(encode.address(2, '198.18.0.1', 32).length, 8 + 8 + 8, 'no broadcast on a /32');
  });

  it('defaultRoute: rtmsg main/boot/universe/unicast with dst_len 0 and RTA_GATEWAY', () => {
    assert.deepEqual(
      encode.defaultRoute('198.18.0.1'),
      Buffer.concat([
        hex('02 00 00 00', 'fe 03 00 01', '00000000'), // AF_INET, /0, src 0, tos 0; table 254, proto 3, scope 0, type 1; flags
        hex('0800 0500', 'c6120001'), // RTA_GATEWAY
      ]),
    );
  });

  it('rejects what the kernel would refuse without saying why', () => {
    assert.throws(() => encode.linkByName('a-name-of-16-byt'), RangeError);
    assert.throws(() => encode.linkByName(''), RangeError);
    assert.throws(() => encode.newBridge('br 0'), RangeError);
    assert.throws(() => encode.address(1, '198.18.0.256', 24), RangeError);
    assert.throws(() => encode.address(1, '198.18.0', 24), RangeError);
    assert.throws(() => encode.address(1, '198.18.0.1', 33), RangeError);
    assert.throws(() => encode.address(0, '198.18.0.1', 24), RangeError);
    assert.throws(() => encode.defaultRoute('gateway'), RangeError);
    assert.throws(() => encode.newVeth('vh1', 'eth0', -1), RangeError);
  });
});

// openRtnlIn with a fake setns that never moves the thread: the socket is made in the current
// namespace, which any user may do, so the failure paths need no root.
describe('openRtnlIn around the injected setns', () => {
  it('calls setns into the fd with CLONE_NEWNET, then back through another fd', () => {
    const calls: [number, number][] = [];
    const rtnl = openRtnlIn(libcKernel(), 1234, (fd: number, nstype: number) => void calls.push([fd, nstype]));
    rtnl.close();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0], [1234, 0x40000000]);
    assert.equal(calls[1]![1], 0x40000000);
    assert.notEqual(calls[1]![0], 1234);
  });

  it('a failed way in throws and never tries to come back', () => {
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('EINVAL');
    };
    assert.throws(() => openRtnlIn(libcKernel(), 1234, failing), /EINVAL/);
    assert.equal(calls, 1);
  });

  it('a raw binding returning -1 does not pass for success', () => {
    assert.throws(() => openRtnlIn(libcKernel(), 1234, (() => -1) as unknown as (fd: number, nstype: number) => void), /returned -1/);
  });

  it('a failed way back says the process is stranded', () => {
    let calls = 0;
    const backFails = () => {
      if (++calls === 2) throw new Error('EPERM');
    };
    assert.throws(() => openRtnlIn(libcKernel(), 1234, backFails), /stranded.*EPERM/);
  });
});

describe('the netlink framing of a request and its answer', { skip }, () => {
  /** One answer message: nlmsghdr (length, type, flags, seq, port) and its payload. */
  const message = (type: number, seq: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(16 + payload.length, 0);
    head.writeUInt16LE(type, 4);
    head.writeUInt32LE(seq, 8);
    return Buffer.concat([head, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
  };
  const errno = (n: number): Buffer => {
    const b = Buffer.alloc(20); // int error, then the request's header
    b.writeInt32LE(n, 0);
    return b;
  };

  it('frames a payload with length, type, REQUEST|ACK plus the flags, the sequence and port 0', () => {
    assert.deepEqual(frame(16, 0x600, 7, hex('aabbccdd')), hex('14000000', '1000', '0506', '07000000', '00000000', 'aabbccdd'));
  });

  it('collects the replies of its own sequence until the ACK; skips others\'', () => {
    const reply = hex('0000 0000 05000000');
    const one = parseAnswer(Buffer.concat([message(16, 3, hex('ffff')), message(16, 4, reply)]), 4, 'x');
    assert.deepEqual(one, { payloads: [reply], done: false });
    assert.deepEqual(parseAnswer(message(2, 4, errno(0)), 4, 'x'), { payloads: [], done: true });
    assert.deepEqual(parseAnswer(message(3, 4, Buffer.alloc(4)), 4, 'x'), { payloads: [], done: true }, 'NLMSG_DONE ends it too');
  });

  it('turns the kernel\'s negative errno into its name, and refuses a message that overruns', () => {
    assert.throws(() => parseAnswer(message(2, 9, errno(-17)), 9, 'creating bridge b'), (e: unknown) => e instanceof RtnlError && e.code === 'EEXIST' && e.message === 'netlink: creating bridge b failed: EEXIST');
    const broken = message(16, 9, Buffer.alloc(8));
    broken.writeUInt32LE(200, 0);
    assert.throws(() => parseAnswer(broken, 9, 'x'), (e: unknown) => e instanceof RtnlError && e.code === 'EBADMSG');
  });
});
