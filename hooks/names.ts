// Docker's rule for the names users give containers, networks and volumes, shared by the core and
// by plugins (a volume driver names directories after them). Pure.

/** [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * Docker sets no length, but a name becomes a file or directory (<root>/names/NAME, a volume's
 * `.new-NAME-XXXXXX`): a bound well below the kernel's 255 bytes keeps every one valid.
 */
export const MAX_NAME_LENGTH = 128;

/** Why `name` cannot be used as a name ("" when it can). */
export function nameProblem(name: string): string {
  if (name.length > MAX_NAME_LENGTH) return `it is ${name.length} characters long, at most ${MAX_NAME_LENGTH} are allowed`;
  if (!NAME_PATTERN.test(name)) return 'only [a-zA-Z0-9][a-zA-Z0-9_.-]+ is allowed';
  return '';
}
