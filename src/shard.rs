//! `--shard K/N`: a deterministic split of an audit across machines.
//!
//! Each item (a repository of an organisation, a blob of one repository's history, a commit or
//! tag message) belongs to exactly one of N shards: shard `(FNV-1a-64(key) mod N) + 1`, where the
//! key is the repository's full name in lower case (`org/repo`, `group/subgroup/project`) or the
//! object's raw 20-byte id. FNV-1a is fixed by its definition (offset basis
//! `0xcbf29ce484222325`, prime `0x100000001b3`), so every machine, build and version of
//! leakhound agrees on the split; `K` is 1-based. Git object ids are already uniform (SHA-1), so
//! the hash only serves to state the rule once for both kinds of key.

use std::fmt;
use std::str::FromStr;

/// One shard of N: `index` is 1-based (`1..=count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1-based.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

/// The most shards a split may have.
pub const MAX_SHARDS: u32 = 1 << 16;

/// FNV-1a, 64 bits, over `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Shard {
    /// The shard (1-based) that `key` belongs to among `count`.
    pub fn of(key: &[u8], count: u32) -> u32 {
        let n = u64::from(count.max(1));
        // The remainder is below `count`, a u32.
        u32::try_from(fnv1a64(key) % n).unwrap_or(0) + 1
    }

    /// Whether `key` belongs to this shard.
    pub fn owns(&self, key: &[u8]) -> bool {
        self.count <= 1 || Self::of(key, self.count) == self.index
    }

    /// Whether this is a real split (more than one shard).
    pub fn splits(&self) -> bool {
        self.count > 1
    }

    /// Whether the repository named `full_name` belongs to this shard (the name is compared
    /// in lower case: GitHub and GitLab names are case-insensitive).
    pub fn owns_name(&self, full_name: &str) -> bool {
        self.owns(full_name.to_ascii_lowercase().as_bytes())
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid shard {s:?}: expected K/N with 1 <= K <= N <= {MAX_SHARDS} (K is 1-based)"
            )
        };
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        // From the FNV reference test suite (Fowler/Noll/Vo, `test_fnv.c`, FNV-1a 64).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/7".parse::<Shard>(), Ok(Shard { index: 2, count: 7 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", "", "1/70000"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_has_exactly_one_shard() {
        for n in [1, 3, 7] {
            for i in 0..200u32 {
                let key = format!("org/repo-{i}");
                let owners = (1..=n)
                    .filter(|&k| Shard { index: k, count: n }.owns(key.as_bytes()))
                    .count();
                assert_eq!(owners, 1, "{key} among {n}");
            }
        }
    }
}
