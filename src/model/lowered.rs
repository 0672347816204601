//! Text lowercased for matching, with the way back to the original.
//!
//! Lowercasing can change a text's length in bytes ("İ" is two bytes, its
//! lowercase "i̇" three; the Kelvin sign "K" is three bytes, its lowercase
//! "k" one), so a position found in the lowercase text is not a position in
//! the original. [`Lowered::original`] maps it back.
//!
//! Invariant: [`Lowered::original`] of any position in the lowercase text
//! (its length included) is a char boundary of the original, and maps the
//! start and end of the lowercase form of each original char to the start
//! and end of that char.

/// A text's lowercase form and, for each of its bytes, the original char it
/// came from.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The lowercase text, to search in.
    pub text: String,
    /// For each byte of `text`, and one past its end, the byte offset of
    /// the original char it came from (the original's length at the end).
    starts: Vec<usize>,
}

impl Lowered {
    /// The lowercase form of `original`.
    pub fn new(original: &str) -> Lowered {
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len() + 1);
        for (at, c) in original.char_indices() {
            for lower in c.to_lowercase() {
                text.push(lower);
                starts.resize(text.len(), at);
            }
        }
        starts.push(original.len());
        Lowered { text, starts }
    }

    /// The byte offset in the original of byte offset `at` of the
    /// lowercase text (positions past the end map to the original's end).
    pub fn original(&self, at: usize) -> usize {
        let last = self.starts.len() - 1;
        self.starts[at.min(last)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_back_to_char_boundaries_of_the_original() {
        // "İ" grows when lowercased, the Kelvin sign shrinks.
        let original = "İ\u{212A}ey: Translated by Gary";
        let lowered = Lowered::new(original);
        let at = lowered.text.find("translated by ").unwrap();
        let start = lowered.original(at);
        let end = lowered.original(at + "translated by ".len());
        assert_eq!(&original[start..end], "Translated by ");
        assert_eq!(&original[end..], "Gary");
        assert_eq!(
            &original[..lowered.original(lowered.text.find('k').unwrap())],
            "İ"
        );
        for i in 0..=lowered.text.len() + 3 {
            assert!(original.is_char_boundary(lowered.original(i)), "{i}");
        }
        assert_eq!(lowered.original(lowered.text.len()), original.len());
        assert_eq!(Lowered::new("").original(0), 0);
    }
}
