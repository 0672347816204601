//! The IIIF Presentation API 3.0: a manifest per record, its page images as
//! canvases, its description as label, summary and metadata, its citation
//! as the required statement, its collections as `partOf`; and the JSON of
//! collections (which records they list is [`super::collection`]'s work).

use super::{image_service, record_base};
use crate::cite::{CiteContext, Style, cite};
use crate::html::path_segment;
use crate::model::{Record, language_name};
use serde_json::{Value, json};

/// A language map: `{"en": ["…"]}`; `none` where the language is unknown.
fn lang(language: Option<&str>, text: &str) -> Value {
    let key = language
        .filter(|l| l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase()))
        .unwrap_or("none");
    json!({ key: [text] })
}

fn en(text: &str) -> Value {
    json!({ "en": [text] })
}

fn entry(label: &str, values: Vec<String>) -> Option<Value> {
    let values: Vec<String> = values
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .collect();
    (!values.is_empty()).then(|| json!({"label": en(label), "value": {"none": values}}))
}

/// The record's description as IIIF metadata pairs (what viewers list
/// beside the image).
fn metadata(r: &Record) -> Vec<Value> {
    let names = |agents: &[crate::model::Agent]| agents.iter().map(|a| a.name.clone()).collect();
    [
        entry(
            "Date",
            r.date
                .iter()
                .map(|d| d.display.clone().unwrap_or_else(|| d.edtf.clone()))
                .collect(),
        ),
        entry("Type", r.doc_type.iter().cloned().collect()),
        entry("Creator", names(&r.creators)),
        entry("Recipient", names(&r.recipients)),
        entry("Place", r.places.iter().map(|p| p.name.clone()).collect()),
        entry(
            "Original language",
            r.original_language
                .iter()
                .map(|l| language_name(l).unwrap_or(l).to_string())
                .collect(),
        ),
        entry(
            "Archival reference",
            r.archival_reference
                .iter()
                .map(|a| a.verbatim.clone())
                .collect(),
        ),
        entry(
            "Holding archive",
            r.holding_archive.iter().cloned().collect(),
        ),
        entry("Translator", r.translators.clone()),
        entry("Collection", r.collections.clone()),
        entry("Subject", r.subjects.clone()),
        entry("Rights", r.rights.iter().cloned().collect()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Where the top collection is (page 1; later pages add `?page=N`).
pub fn top_collection_url(base: &str) -> String {
    format!("{base}/iiif-collections/top.json")
}

/// Where collection `name` is (page 1; later pages add `?page=N`).
pub fn collection_url(base: &str, name: &str) -> String {
    format!(
        "{base}/iiif-collections/{}/collection.json",
        path_segment(name)
    )
}

fn paged(url: String, page: usize) -> String {
    match page {
        0 | 1 => url,
        n => format!("{url}?page={n}"),
    }
}

/// A record's first page image: its page number and pixel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstPage {
    /// Its page number among the record's files (from 1).
    pub number: usize,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Which page of a collection, and whether another follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionPage {
    /// The page, from 1.
    pub page: usize,
    /// Whether there are entries after this page.
    pub more: bool,
}

/// The thumbnail of page `n` of record `id`: the whole image within
/// 200 × 200 pixels, with its image service.
fn thumbnail(base: &str, id: &str, page: FirstPage) -> Value {
    let service = image_service(base, id, page.number);
    let (size, answer) = super::image::confined_thumbnail(page.width, page.height, THUMBNAIL);
    json!([image(&service, &size, answer)])
}

/// The whole image of the service at `service`, at `size` (the Image API's
/// size parameter), which answers `answer` pixels: a JPEG, with its service.
fn image(service: &str, size: &str, answer: (u32, u32)) -> Value {
    json!({
        "id": format!("{service}/full/{size}/0/default.jpg"),
        "type": "Image",
        "format": "image/jpeg",
        "width": answer.0,
        "height": answer.1,
        "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
    })
}

/// A thumbnail's longest side, at most.
const THUMBNAIL: u32 = 200;

/// The manifest of `record` served at `base`; `None` when the record has no
/// page image (a manifest needs at least one canvas).
pub fn manifest(record: &Record, base: &str) -> Option<Value> {
    let id = &record.id;
    let root = record_base(base, id);
    let page_url = format!("{base}/records/{}", path_segment(id));
    let mut canvases = Vec::new();
    let mut thumbnail = None;
    for (i, file) in record.files.iter().enumerate() {
        let Some((width, height)) = file.dimensions().filter(|_| file.is_image()) else {
            continue;
        };
        let n = i + 1;
        let service = image_service(base, id, n);
        let canvas = format!("{root}/canvas/{n}");
        let label = file.label.clone().unwrap_or_else(|| format!("p. {n}"));
        let body = image(&service, "max", super::image::max_size(width, height));
        if thumbnail.is_none() {
            thumbnail = Some(self::thumbnail(
                base,
                id,
                FirstPage {
                    number: n,
                    width,
                    height,
                },
            ));
        }
        canvases.push(json!({
            "id": canvas,
            "type": "Canvas",
            "label": {"none": [label]},
            "width": width,
            "height": height,
            "items": [{
                "id": format!("{canvas}/page"),
                "type": "AnnotationPage",
                "items": [{
                    "id": format!("{canvas}/image"),
                    "type": "Annotation",
                    "motivation": "painting",
                    "target": canvas,
                    "body": body,
                }],
            }],
        }));
    }
    if canvases.is_empty() {
        return None;
    }
    let mut label = lang(None, &record.title);
    for alt in &record.alternative_titles {
        let key = alt
            .language
            .as_deref()
            .filter(|l| l.len() == 2)
            .unwrap_or("none");
        match label.get_mut(key).and_then(Value::as_array_mut) {
            Some(values) => values.push(json!(alt.text)),
            None => label[key] = json!([alt.text]),
        }
    }
    let mut m = json!({
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": format!("{root}/manifest.json"),
        "type": "Manifest",
        "label": label,
        "metadata": metadata(record),
        "homepage": [{
            "id": page_url,
            "type": "Text",
            "label": en(&record.title),
            "format": "text/html",
        }],
        "seeAlso": [{
            "id": format!("{base}/api/v1/records/{}", path_segment(id)),
            "type": "Dataset",
            "label": en("The record as JSON"),
            "format": "application/json",
        }],
        "items": canvases,
    });
    if let Some(summary) = record.described_summary() {
        m["summary"] = lang(None, &summary);
    }
    if let Some(thumbnail) = thumbnail {
        m["thumbnail"] = thumbnail;
    }
    if let Some(uri) = &record.rights_uri {
        m["rights"] = json!(uri);
    }
    let part_of: Vec<Value> = record
        .collections
        .iter()
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .map(|c| json!({"id": collection_url(base, c), "type": "Collection", "label": lang(None, c)}))
        .collect();
    if !part_of.is_empty() {
        m["partOf"] = json!(part_of);
    }
    let ctx = CiteContext {
        public_url: Some(page_url.clone()),
        accessed: None,
    };
    if let Ok(citation) = cite(record, Style::Chicago, &ctx) {
        m["requiredStatement"] = json!({"label": en("Citation"), "value": en(&citation)});
    }
    let pdfs: Vec<Value> = record
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_image())
        .map(|(i, f)| {
            json!({
                "id": format!("{page_url}/files/{}", i + 1),
                "type": "Text",
                "label": en(f.label.as_deref().unwrap_or(&f.name)),
                "format": f.media_type,
            })
        })
        .collect();
    if !pdfs.is_empty() {
        m["rendering"] = json!(pdfs);
    }
    Some(m)
}

/// The label of a record in lists: its title.
fn record_label(record: &Record) -> Value {
    lang(None, &record.title)
}

/// A manifest as a collection lists it: id, type, label and thumbnail (of
/// `first`, the record's first page image).
pub fn manifest_ref(record: &Record, base: &str, first: FirstPage) -> Value {
    json!({
        "id": format!("{}/manifest.json", record_base(base, &record.id)),
        "type": "Manifest",
        "label": record_label(record),
        "thumbnail": thumbnail(base, &record.id, first),
    })
}

/// The entry that ends a page with more after it: the next page, as a
/// nested collection.
fn next_page(url: String, page: CollectionPage) -> Value {
    json!({
        "id": paged(url, page.page + 1),
        "type": "Collection",
        "label": en(&format!("More: page {}", page.page + 1)),
    })
}

/// Collection `name`'s page: `manifests` (from [`manifest_ref`]), then the
/// next page when there is one.
pub fn collection(
    base: &str,
    name: &str,
    mut manifests: Vec<Value>,
    page: CollectionPage,
) -> Value {
    let url = collection_url(base, name);
    if page.more {
        manifests.push(next_page(url.clone(), page));
    }
    let mut label = lang(None, name);
    if page.page > 1 {
        label = lang(None, &format!("{name} (page {})", page.page));
    }
    json!({
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": paged(url, page.page),
        "type": "Collection",
        "label": label,
        "summary": en(&format!(
            "The public records of the collection {name:?} that have page images."
        )),
        "partOf": [{
            "id": top_collection_url(base),
            "type": "Collection",
        }],
        "items": manifests,
    })
}

/// The top collection's page: each of `names` as a nested collection, then
/// the next page when there is one.
pub fn top_collection(
    base: &str,
    site_name: &str,
    names: &[String],
    page: CollectionPage,
) -> Value {
    let url = top_collection_url(base);
    let mut items: Vec<Value> = names
        .iter()
        .map(|name| {
            json!({
                "id": collection_url(base, name),
                "type": "Collection",
                "label": lang(None, name),
            })
        })
        .collect();
    if page.more {
        items.push(next_page(url.clone(), page));
    }
    let title = match page.page {
        1 => format!("{site_name}: collections"),
        n => format!("{site_name}: collections (page {n})"),
    };
    json!({
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": paged(url, page.page),
        "type": "Collection",
        "label": en(&title),
        "summary": en("The collections of the public records; each lists those with page images."),
        "items": items,
    })
}
