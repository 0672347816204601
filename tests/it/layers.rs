//! The layer order of `src/`: every top-level module (room) has a layer, and
//! a room may name (`crate::X`) only rooms of lower layers. This forbids
//! import circles and any import from a lower layer to a higher one. The
//! table is the one in ARCHITECTURE.md ("Layers"); a new room must be placed
//! in it before it is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom to top. Rooms named here but not yet in `src/` are the ones
/// ARCHITECTURE.md has made room for.
const LAYERS: &[&[&str]] = &[
    &["clock", "html"],
    &["model"],
    &["export", "cite", "accounts"],
    &["import", "search", "store", "objects"],
    &["archive"],
    &["oai", "iiif"],
    &["web"],
    &["cli"],
];

fn layer_of(room: &str) -> Option<usize> {
    LAYERS.iter().position(|rooms| rooms.contains(&room))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments and without `#[cfg(test)]` modules (tests
/// may reach anywhere).
fn code_of(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    match code.find("#[cfg(test)]\nmod tests") {
        Some(i) => code[..i].to_string(),
        None => code,
    }
}

/// The first path segment of every `crate::…` path, including each member
/// of a `crate::{a, b::c, d::{e, f}}` group.
fn named_rooms(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `foo_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for item in items {
                let head: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    out.push(head);
                }
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(head);
        }
    }
    out
}

#[test]
fn every_import_points_to_a_lower_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut rooms = BTreeMap::new();
    let mut faults = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let room = first.trim_end_matches(".rs").to_string();
        if room == "lib" || room == "main" {
            continue;
        }
        let Some(layer) = layer_of(&room) else {
            faults.push(format!(
                "src/{first} is a room with no layer: place it in LAYERS (tests/it/layers.rs) \
                 and in ARCHITECTURE.md"
            ));
            continue;
        };
        rooms.insert(room.clone(), layer);
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_rooms(&code_of(&text)) {
            if named == room || named.is_empty() {
                continue;
            }
            match layer_of(&named) {
                Some(l) if l < layer => {}
                Some(l) => faults.push(format!(
                    "src/{}: room `{room}` (layer {layer}) names `crate::{named}` (layer {l}): \
                     imports may only point to lower layers",
                    rel.display()
                )),
                None => {} // not a room: a macro or a re-export at the crate root
            }
        }
    }
    assert!(rooms.len() >= 10, "found only {rooms:?}");
    assert!(faults.is_empty(), "layer faults:\n{}", faults.join("\n"));
}

#[test]
fn the_checker_sees_upward_and_grouped_imports() {
    let code = code_of(
        "use crate::{model::Record, web::{a, b}};\n// crate::cli\nlet x = crate::archive::today();\n\
         #[cfg(test)]\nmod tests { use crate::cli; }",
    );
    assert_eq!(named_rooms(&code), ["model", "web", "archive"]);
}
