//! SplitMix64 and a keyed hash built on it: small, written here so the demo data never changes
//! with a dependency's version (SELLER-API.md §6 forbids `StdRng`).

/// The SplitMix64 generator (Steele, Lea, Flood 2014): one 64-bit state, stable forever.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function, also used as a 64-bit mixer.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// A number in `0..n` (`n` > 0); the modulo bias is irrelevant for demo data.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A keyed 64-bit hash of bytes (not cryptographic: it only makes demo ids and tokens
/// tamper-evident, so a hand-edited option id is refused rather than priced).
pub(crate) fn keyed_hash(key: u64, bytes: &[u8]) -> u64 {
    let mut h = mix64(key ^ GOLDEN);
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = mix64(h.wrapping_add(GOLDEN) ^ u64::from_le_bytes(word));
    }
    mix64(h ^ bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0, as published with the algorithm.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn keyed_hash_depends_on_key_and_length() {
        assert_ne!(keyed_hash(1, b"abc"), keyed_hash(2, b"abc"));
        assert_ne!(keyed_hash(1, b"abc"), keyed_hash(1, b"abc\0"));
    }
}
