// Sizes as Docker's flags take them (-m, --memory-swap, --shm-size, --tmpfs size=): a helper of
// hooks/ because plugins (the cgroups plugin's limits) and the core read the same units.

/** Docker's units: b, k, m, g, t (optionally followed by b), case-insensitive; bare numbers are bytes. */
export function parseBytes(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text);
  if (!match) throw new Error(`${flag} ${text}: expected a size like 100m, 1g or 512k`);
  const factor = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[match[2]!.toLowerCase()]!;
  return Math.floor(Number(match[1]) * factor);
}
