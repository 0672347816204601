//! A small XML writer over quick-xml for the documents this module serves
//! (OAI-PMH responses, sitemaps): every text and attribute value is escaped
//! by quick-xml, and characters XML 1.0 cannot carry at all (C0 controls
//! other than tab, line feed and carriage return; U+FFFE, U+FFFF) are
//! replaced by U+FFFD, so that no record text can make a document
//! ill-formed.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;

/// Text with the characters XML 1.0 forbids replaced by U+FFFD.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let forbidden = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    if text.contains(forbidden) {
        Cow::Owned(text.replace(forbidden, "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A start tag with its attributes (escaped by quick-xml).
fn tag<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        start.push_attribute((*key, xml_safe(value).as_ref()));
    }
    start
}

/// An XML document being written into memory.
pub struct XmlOut {
    writer: Writer<Vec<u8>>,
}

// Writing into a `Vec<u8>` cannot fail: the `io::Result`s quick-xml returns
// are always `Ok` here.
const IN_MEMORY: &str = "writing XML into memory cannot fail";

impl XmlOut {
    /// A document with its `<?xml version="1.0" encoding="UTF-8"?>` line.
    pub fn new() -> Self {
        let mut writer = Writer::new(Vec::with_capacity(16 * 1024));
        writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .expect(IN_MEMORY);
        writer.get_mut().push(b'\n');
        XmlOut { writer }
    }

    /// Opens an element.
    pub fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.writer
            .write_event(Event::Start(tag(name, attributes)))
            .expect(IN_MEMORY);
    }

    /// Closes an element.
    pub fn end(&mut self, name: &str) {
        self.writer
            .write_event(Event::End(BytesEnd::new(name)))
            .expect(IN_MEMORY);
    }

    /// An element holding only text (an empty element when `text` is empty).
    pub fn element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        if text.is_empty() {
            self.writer
                .write_event(Event::Empty(tag(name, attributes)))
                .expect(IN_MEMORY);
            return;
        }
        self.start(name, attributes);
        self.writer
            .write_event(Event::Text(BytesText::new(&xml_safe(text))))
            .expect(IN_MEMORY);
        self.end(name);
    }

    /// The finished document.
    pub fn finish(self) -> String {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).expect("quick-xml writes the UTF-8 it is given")
    }
}

impl Default for XmlOut {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_forbidden_characters_replaced() {
        let mut out = XmlOut::new();
        out.start("a", &[("k", "x\"<&'\u{1}")]);
        out.element("b", &[], "1 < 2 & \u{C}form feed ]]>");
        out.element("c", &[], "");
        out.end("a");
        let xml = out.finish();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\""));
        assert!(xml.contains("x&quot;&lt;&amp;&apos;\u{FFFD}"), "{xml}");
        assert!(
            xml.contains("<b>1 &lt; 2 &amp; \u{FFFD}form feed ]]&gt;</b>"),
            "{xml}"
        );
        assert!(xml.contains("<c/>"), "{xml}");
    }
}
