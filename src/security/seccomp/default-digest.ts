// The digest of Docker's default profile as mydocker writes it (default-profile.ts), kept in a
// module of its own: a `run` whose program is already cached needs this name of the profile, not
// the profile itself (loading it, and hashing it, would cost the run milliseconds).
/** profileDigest() of DEFAULT_SECCOMP_PROFILE: update it with the value the unit test reports. */
export const DEFAULT_SECCOMP_PROFILE_SHA256 = '4112158cfb839492dc21527c157023330511bb572bbdb487f4081cf84645852d';
