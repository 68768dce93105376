//! SimHash fingerprints of article text, for finding the same story at
//! several outlets (a wire dispatch reprinted with a different headline or
//! a trimmed last paragraph). Two texts whose fingerprints differ in at most
//! [`NEAR`] bits are the same story.
//!
//! Features are the normalised words (a reprint that adds a dateline or a
//! closing sentence moves few of them), hashed with FNV-1a (stable across
//! versions and platforms: the fingerprints are stored).

use super::words::words;

/// Differing bits up to which two fingerprints are the same story. The
/// store finds candidates through five 13-bit bands of the fingerprint: by
/// pigeonhole, two fingerprints at most 4 bits apart share a band.
pub const NEAR: u32 = 4;

/// Fewer words than this give no fingerprint: headlines alone collide.
const MIN_WORDS: usize = 12;

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The fingerprint of `text`, or `None` when it is too short to tell.
pub fn simhash(text: &str) -> Option<u64> {
    let words = words(text);
    if words.len() < MIN_WORDS {
        return None;
    }
    let mut weights = [0i32; 64];
    for word in &words {
        let h = fnv1a(word.as_bytes());
        for (bit, weight) in weights.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *weight += 1;
            } else {
                *weight -= 1;
            }
        }
    }
    Some(weights.iter().enumerate().fold(
        0u64,
        |acc, (bit, w)| if *w > 0 { acc | 1 << bit } else { acc },
    ))
}

/// Differing bits between two fingerprints.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "RABAT (MAP) - Le ministère de la Transition numérique a présenté mardi à Rabat la stratégie nationale de l'intelligence artificielle, qui prévoit un cadre de gouvernance, la protection des données personnelles et un programme de formation de 10.000 ingénieurs d'ici 2030.";

    #[test]
    fn reprints_are_near_and_other_stories_are_far() {
        let a = simhash(WIRE).unwrap();
        let reprint = format!("Maroc : {WIRE} Les détails seront publiés prochainement.");
        let b = simhash(&reprint).unwrap();
        assert!(hamming(a, b) <= NEAR, "reprint distance {}", hamming(a, b));
        let other = simhash("Le Raja de Casablanca s'est imposé face au Wydad lors du derby disputé samedi soir au complexe Mohammed V devant quarante mille spectateurs enthousiastes.").unwrap();
        assert!(
            hamming(a, other) > 16,
            "unrelated distance {}",
            hamming(a, other)
        );
        assert_eq!(simhash("Titre court"), None);
    }
}
