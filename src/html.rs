//! HTML escaping: the one function every edge that writes HTML by hand
//! (search snippets, citation boxes) uses. Templates escape through askama.
//! Also the one percent-encoding of an identifier as a URL path segment
//! (record pages, the desk, IIIF).
//!
//! Invariant: the output contains no `<`, `>`, `&`, `"` or `'` that was not
//! written as an entity, so it is safe in element content and in quoted
//! attribute values.

/// Percent-encodes an identifier for use as one path segment: everything
/// but ASCII letters, digits and `-._~`.
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text`, escaped, to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_becomes_an_entity() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("김일성 Ким"), "김일성 Ким");
    }
}
