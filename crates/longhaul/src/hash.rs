//! One 64-bit hash for text compared by number: lines in the rename search,
//! names in the Go symbol index. Not for anything an attacker could aim at:
//! a collision only makes two lines or names count as one.

/// A 64-bit hash of `parts` as one text joined by `.` (`["pkg", "Name"]`
/// and `["pkg.Name"]` hash alike), read a word at a time.
pub fn hash64(parts: &[&[u8]]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, word: u64| (h.rotate_left(23) ^ word).wrapping_mul(K);
    let mut h = parts.iter().map(|p| p.len() as u64).sum::<u64>() + parts.len() as u64;
    let mut pending = [0u8; 8];
    let mut filled = 0;
    if let [one] = parts {
        // One part (a line): whole words straight from it.
        let (words, rest) = one.as_chunks::<8>();
        for w in words {
            h = mix(h, u64::from_le_bytes(*w));
        }
        pending[..rest.len()].copy_from_slice(rest);
        filled = rest.len();
    } else {
        let separators = std::iter::once(&b""[..]).chain(std::iter::repeat(&b"."[..]));
        for (separator, part) in separators.zip(parts) {
            for &b in separator.iter().chain(part.iter()) {
                pending[filled] = b;
                filled += 1;
                if filled == 8 {
                    h = mix(h, u64::from_le_bytes(pending));
                    filled = 0;
                }
            }
        }
    }
    pending[filled..].fill(0);
    h = mix(h, u64::from_le_bytes(pending));
    // murmur3's finaliser, so that every input bit reaches every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::hash64;

    #[test]
    fn parts_hash_as_their_joined_text() {
        assert_eq!(hash64(&[b"pkg", b"Name"]), hash64(&[b"pkg.Name"]));
        assert_ne!(hash64(&[b"pkgName"]), hash64(&[b"pkg.Name"]));
    }

    #[test]
    fn length_and_trailing_zero_bytes_count() {
        assert_ne!(hash64(&[b"abcdefgh"]), hash64(&[b"abcdefgh\0"]));
        assert_ne!(hash64(&[b""]), hash64(&[b"\0"]));
        assert_ne!(hash64(&[b"a\n"]), hash64(&[b"a"]));
    }
}
