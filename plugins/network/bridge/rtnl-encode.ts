// Hand-built rtnetlink payloads (everything after the 16-byte nlmsghdr, which rtnl.ts frames them
// with). The `netlink` package can generate these, but its rt module costs ~25 ms to load and we
// need only six messages. Values checked against <linux/rtnetlink.h>, <linux/if_link.h>,
// <linux/if_addr.h>, <linux/veth.h> and <linux/netlink.h>.
import { endianness } from 'node:os';

// Message types.
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;

// nlmsghdr flags beyond REQUEST|ACK (which rtnl.ts's frame() adds itself).
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

const AF_UNSPEC = 0;
const AF_INET = 2;
const IFF_UP = 1;

const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_BROADCAST = 4;

const RTA_GATEWAY = 5;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;

/** IFNAMSIZ is 16 including the terminating NUL. */
const MAX_IFNAME = 15;

// Netlink integers are in host byte order (addresses stay in network order).
const LE = endianness() === 'LE';

function putU16(buf: Buffer, value: number, offset: number): void {
  if (LE) buf.writeUInt16LE(value, offset);
  else buf.writeUInt16BE(value, offset);
}

function putU32(buf: Buffer, value: number, offset: number): void {
  if (LE) buf.writeUInt32LE(value >>> 0, offset);
  else buf.writeUInt32BE(value >>> 0, offset);
}

function u32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  putU32(buf, value, 0);
  return buf;
}

/** Reads a host-order i32 (e.g. ifi_index at offset 4 of a reply's ifinfomsg). */
export function readS32(buf: Uint8Array, offset: number): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return LE ? b.readInt32LE(offset) : b.readInt32BE(offset);
}

/**
 * One attribute: nla_len (header + payload, without padding), nla_type, the payload, then zeros up
 * to the next 4-byte boundary (NLA_ALIGNTO), so attributes can simply be concatenated. A nested
 * attribute's payload is its already padded children, so its length covers their padding, as in
 * iproute2.
 */
function attr(type: number, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const out = Buffer.alloc(4 + ((body.length + 3) & ~3));
  putU16(out, 4 + body.length, 0);
  putU16(out, type, 2);
  body.copy(out, 4);
  return out;
}

/** NUL-terminated, as the kernel's NLA_STRING policies and iproute2 expect. */
function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]);
}

function ifname(name: string): Buffer {
  // Checked here: the kernel's answer for a long name (EINVAL/ERANGE) does not say what was wrong.
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_IFNAME || /[/:\s\0]/.test(name)) {
    throw new RangeError(`invalid interface name ${JSON.stringify(name)} (1 to ${MAX_IFNAME} bytes, no '/', ':' or whitespace)`);
  }
  return attr(IFLA_IFNAME, cstring(name));
}

/** struct ifinfomsg (16 bytes): family u8, pad u8, type u16, index i32, flags u32, change u32. */
function ifinfomsg(index = 0, flags = 0, change = 0): Buffer {
  const buf = Buffer.alloc(16);
  buf[0] = AF_UNSPEC;
  putU32(buf, index, 4);
  putU32(buf, flags, 8);
  putU32(buf, change, 12);
  return buf;
}

/** ifi_flags/ifi_change for an optional up/down: change only names IFF_UP when asked to. */
function upFlags(up: boolean | undefined): [number, number] {
  return up === undefined ? [0, 0] : [up ? IFF_UP : 0, IFF_UP];
}

/** "a.b.c.d" as 4 bytes in network order. */
function ipv4(address: string): Buffer {
  const parts = address.split('.');
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255))) {
    throw new RangeError(`invalid IPv4 address ${JSON.stringify(address)}`);
  }
  return Buffer.from(bytes);
}

function linkIndexArg(index: number): number {
  if (!Number.isInteger(index) || index <= 0 || index > 0x7fffffff) throw new RangeError(`invalid link index ${index}`);
  return index;
}

export interface VethOptions {
  /** Index of the bridge the host end joins (IFLA_MASTER). */
  master?: number;
  /** Bring the host end up (ifi_flags IFF_UP). */
  up?: boolean;
  /** MTU of both ends. */
  mtu?: number;
}

export const encode = {
  /** RTM_GETLINK / RTM_DELLINK by name: an empty ifinfomsg (index 0 means "by name") and IFLA_IFNAME. */
  linkByName(name: string): Buffer {
    return Buffer.concat([ifinfomsg(), ifname(name)]);
  },

  /** RTM_NEWLINK of a bridge: IFLA_IFNAME and IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }. */
  newBridge(name: string): Buffer {
    return Buffer.concat([ifinfomsg(), ifname(name), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, cstring('bridge')))]);
  },

  /**
   * RTM_NEWLINK of a veth pair. The peer is described by a second ifinfomsg plus attributes inside
   * IFLA_LINKINFO { IFLA_INFO_DATA { VETH_INFO_PEER } }; its IFLA_NET_NS_FD makes the kernel create
   * it directly in that namespace, so it never appears (and never needs a unique name) here.
   */
  newVeth(hostName: string, peerName: string, peerNetnsFd: number, options: VethOptions = {}): Buffer {
    if (!Number.isInteger(peerNetnsFd) || peerNetnsFd < 0) throw new RangeError(`invalid namespace fd ${peerNetnsFd}`);
    const mtu = options.mtu === undefined ? [] : [attr(IFLA_MTU, u32(options.mtu))];
    const peer = Buffer.concat([ifinfomsg(), ifname(peerName), attr(IFLA_NET_NS_FD, u32(peerNetnsFd)), ...mtu]);
    const linkinfo = attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, cstring('veth')), attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer)));
    const master = options.master === undefined ? [] : [attr(IFLA_MASTER, u32(linkIndexArg(options.master)))];
    return Buffer.concat([ifinfomsg(0, ...upFlags(options.up)), ifname(hostName), ...mtu, ...master, linkinfo]);
  },

  /** RTM_NEWLINK on an existing link: IFF_UP through flags+change, IFLA_MASTER (0 detaches). */
  setLink(index: number, change: { up?: boolean; master?: number }): Buffer {
    const master = change.master === undefined ? [] : [attr(IFLA_MASTER, u32(change.master === 0 ? 0 : linkIndexArg(change.master)))];
    return Buffer.concat([ifinfomsg(linkIndexArg(index), ...upFlags(change.up)), ...master]);
  },

  /**
   * RTM_NEWADDR of an IPv4 address: struct ifaddrmsg (8 bytes: family, prefixlen, flags, scope,
   * index u32), IFA_LOCAL and IFA_ADDRESS (equal on a non point-to-point link, as `ip addr add`
   * sends them) and IFA_BROADCAST, the host part all ones. /31 and /32 have no broadcast address
   * (RFC 3021), so none is sent for them.
   */
  address(index: number, address: string, prefixLength: number): Buffer {
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) throw new RangeError(`invalid prefix length ${prefixLength}`);
    const local = ipv4(address);
    const head = Buffer.alloc(8);
    head[0] = AF_INET;
    head[1] = prefixLength;
    head[3] = RT_SCOPE_UNIVERSE;
    putU32(head, linkIndexArg(index), 4);
    const attrs = [attr(IFA_LOCAL, local), attr(IFA_ADDRESS, local)];
    if (prefixLength < 31) {
      const hostMask = prefixLength === 0 ? 0xffffffff : (1 << (32 - prefixLength)) - 1;
      const broadcast = Buffer.alloc(4);
      broadcast.writeUInt32BE((local.readUInt32BE(0) | hostMask) >>> 0, 0);
      attrs.push(attr(IFA_BROADCAST, broadcast));
    }
    return Buffer.concat([head, ...attrs]);
  },

  /**
   * RTM_NEWROUTE of the IPv4 default route: struct rtmsg (12 bytes: family, dst_len, src_len, tos,
   * table, protocol, scope, type, flags u32) with dst_len 0 and RTA_GATEWAY. A /0 destination
   * needs no RTA_DST (iproute2 sends none for "default"); the kernel finds the output device from
   * the gateway, which must be on a connected subnet.
   */
  defaultRoute(gateway: string): Buffer {
    const head = Buffer.alloc(12);
    head[0] = AF_INET;
    head[4] = RT_TABLE_MAIN;
    head[5] = RTPROT_BOOT;
    head[6] = RT_SCOPE_UNIVERSE;
    head[7] = RTN_UNICAST;
    return Buffer.concat([head, attr(RTA_GATEWAY, ipv4(gateway))]);
  },
};
