//! A small, safe XML tree for the TEI importer, built on quick-xml.
//!
//! Invariants:
//! - A document type declaration is refused outright: no DTD, so no entity
//!   expansion (billion laughs) and no external entities can ever be read.
//! - Only the five predefined entities and character references are
//!   resolved; any other entity reference is an error, never left as text.
//! - Nesting deeper than [`MAX_DEPTH`] is refused, so the recursive walks in
//!   the TEI importer cannot overflow the stack.
//! - Every error carries the byte offset where it was found.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// How deep elements may nest.
pub const MAX_DEPTH: usize = 256;

/// An element with its attributes and children.
#[derive(Debug, Clone)]
pub struct Element {
    /// The qualified name as written (`div`, `xi:include`).
    pub name: String,
    /// Attributes by qualified name, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
    /// Byte offset of the start tag in the source.
    pub offset: u64,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (entities resolved).
    Text(String),
}

/// A parse error with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// Where in the source.
    pub offset: u64,
    /// What went wrong.
    pub message: String,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// All descendants (depth first, document order) for which `keep` holds;
    /// does not descend into matches.
    pub fn find_all<'a>(&'a self, keep: &dyn Fn(&Element) -> bool, out: &mut Vec<&'a Element>) {
        for e in self.elements() {
            if keep(e) {
                out.push(e);
            } else {
                e.find_all(keep, out);
            }
        }
    }
}

/// Parses a whole document into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlError {
            offset: reader.error_position(),
            message: e.to_string(),
        })?;
        let err = |message: String| XmlError { offset, message };
        match event {
            Event::DocType(_) => {
                return Err(err(
                    "document type declarations (DTDs) are refused: they can define entities \
                     that expand without bound or read other files"
                        .into(),
                ));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nest deeper than {MAX_DEPTH} levels")));
                }
                if root.is_some() {
                    return Err(err("content after the root element".into()));
                }
                stack.push(element(&start, offset).map_err(err)?);
            }
            Event::Empty(start) => {
                let e = element(&start, offset).map_err(err)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None if root.is_none() => root = Some(e),
                    None => return Err(err("content after the root element".into())),
                }
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or_else(|| err("closing tag without an opening tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => {
                let content = c.into_inner().into_owned();
                push_text(&mut stack, &content);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match r.xml10_content().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => return Err(err(format!("unknown entity &{other};"))),
                    },
                    Err(e) => return Err(err(format!("bad character reference: {e}"))),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            offset: text.len() as u64,
            message: format!("the file ends inside <{}> (truncated?)", open.name),
        });
    }
    root.ok_or(XmlError {
        offset: 0,
        message: "no root element".into(),
    })
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(parent) = stack.last_mut() {
        if let Some(Node::Text(last)) = parent.children.last_mut() {
            last.push_str(text);
        } else {
            parent.children.push(Node::Text(text.to_string()));
        }
    }
}

fn element(start: &BytesStart, offset: u64) -> Result<Element, String> {
    let name = start.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
        let key = attr.key.as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value {key:?} in <{name}>: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        offset,
    })
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: u64) -> u64 {
    Lines::new(text).line_of(offset)
}

/// Line numbers for many offsets of one text (one scan, then binary search).
pub struct Lines {
    newlines: Vec<u64>,
}

impl Lines {
    /// Indexes the line breaks of `text`.
    pub fn new(text: &str) -> Lines {
        Lines {
            newlines: newline_offsets(text),
        }
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: u64) -> u64 {
        1 + self.newlines.partition_point(|&n| n < offset) as u64
    }
}

fn newline_offsets(text: &str) -> Vec<u64> {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_document_parses() {
        let root =
            parse("<?xml version=\"1.0\"?><a x=\"1 &amp; 2\"><b>t&lt;&#x41;</b><c/></a>").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("x"), Some("1 & 2"));
        let b = root.child("b").unwrap();
        assert!(matches!(&b.children[0], Node::Text(t) if t == "t<A"));
        assert!(root.child("c").is_some());
    }

    #[test]
    fn dtds_and_entity_bombs_are_refused() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<lolz>&lol2;</lolz>";
        let e = parse(bomb).unwrap_err();
        assert!(e.message.contains("DTD"), "{e:?}");
        assert_eq!(line_of(bomb, e.offset), 2);
        let xxe = "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>";
        assert!(parse(xxe).unwrap_err().message.contains("DTD"));
    }

    #[test]
    fn undeclared_entities_are_errors() {
        let e = parse("<a>&nbsp;</a>").unwrap_err();
        assert!(e.message.contains("unknown entity &nbsp;"), "{e:?}");
    }

    #[test]
    fn truncation_and_mismatch_are_errors() {
        let e = parse("<a>\n<b>text</b>\n<c>more").unwrap_err();
        assert!(e.message.contains("ends inside <c>"), "{e:?}");
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nest deeper"));
    }
}
