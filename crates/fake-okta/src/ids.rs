//! Okta-looking identifiers and random strings.
//!
//! Okta ids are 20 characters: a 3-character type prefix (`00u` users, `00g` groups,
//! `0oa` apps, ...) and 17 base62 characters. Ours are built from a sequence number so
//! that they sort in creation order (paging relies on that) while still looking random.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An id for object number `seq` of a kind: `prefix` + 6 ordered chars + 11 scrambled ones.
/// Ids of one prefix sort (as strings) in `seq` order.
pub fn okta_id(prefix: &str, seq: u64) -> String {
    let mut id = String::with_capacity(20);
    id.push_str(prefix);
    push_base62(&mut id, seq, 6);
    push_base62(&mut id, mix(seq ^ prefix_hash(prefix)), 11);
    id
}

/// `len` random base62 characters (for tokens, error ids, nonces).
pub fn random_string(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // No system randomness: fall back to a clock-seeded mix rather than failing.
        let mut state = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(7) as u64;
        for b in bytes.iter_mut() {
            state = mix(state);
            *b = state as u8;
        }
    }
    bytes
        .iter()
        .map(|b| BASE62[usize::from(*b) % BASE62.len()] as char)
        .collect()
}

/// A deterministic lowercase hex string of `len` characters derived from `seed`.
pub fn hex_from(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut state = seed;
    while out.len() < len {
        state = mix(state);
        out.push_str(&format!("{state:016x}"));
    }
    out.truncate(len);
    out
}

/// A deterministic UUID-shaped string (as Okta uses for log events).
pub fn uuid_from(seed: u64) -> String {
    let h = hex_from(seed, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn push_base62(out: &mut String, mut value: u64, width: usize) {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    out.extend(digits.iter().map(|b| *b as char));
}

fn prefix_hash(prefix: &str) -> u64 {
    prefix.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// splitmix64: a cheap, well-spread deterministic scrambler.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_okta_and_sort_by_sequence() {
        let a = okta_id("00u", 9);
        let b = okta_id("00u", 10);
        let c = okta_id("00u", 62 * 62);
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("00u"));
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_ne!(okta_id("00u", 1)[3..], okta_id("00g", 1)[3..]);
    }

    #[test]
    fn random_strings_differ() {
        assert_ne!(random_string(20), random_string(20));
        assert_eq!(random_string(5).len(), 5);
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_from(3);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
    }
}
