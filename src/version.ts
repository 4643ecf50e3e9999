// The version shown by `mydocker --version`; kept in step with package.json by the release.
export const VERSION = '0.1.0';
