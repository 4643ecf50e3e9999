// Reads what the guest's runner wrote: node's TAP, and its last line "# lab-exit N".

/** { exit: N or null when the runner never finished, and node's own summary counts }. */
export function summarize(text) {
  const exit = /^# lab-exit (\d+)$/m.exec(text);
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    exit: exit ? Number(exit[1]) : null,
    tests: count('tests'),
    pass: count('pass'),
    fail: count('fail'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
  };
}
