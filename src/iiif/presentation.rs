//! The IIIF Presentation API 3.0: a manifest per record, its page images as
//! canvases, its description as label, summary and metadata, its citation
//! as the required statement.

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
        let (max_w, max_h) = super::image::max_size(width, height);
        let body = json!({
            "id": format!("{service}/full/max/0/default.jpg"),
            "type": "Image",
            "format": "image/jpeg",
            "width": max_w,
            "height": max_h,
            "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
        });
        if thumbnail.is_none() {
            thumbnail = Some(json!([{
                "id": format!("{service}/full/!200,200/0/default.jpg"),
                "type": "Image",
                "format": "image/jpeg",
                "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
            }]));
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
    if let Some(summary) = &record.summary {
        m["summary"] = lang(None, summary);
    }
    if let Some(thumbnail) = thumbnail {
        m["thumbnail"] = thumbnail;
    }
    if let Some(uri) = &record.rights_uri {
        m["rights"] = json!(uri);
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
