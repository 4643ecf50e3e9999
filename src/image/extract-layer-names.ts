// The names Docker's layer format uses for deletions (shared by import and commit, which must not
// load tar just for them).
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
