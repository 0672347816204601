//! unAPI 1.0 (<https://unapi.info/specs/>): how Zotero and other reference
//! managers take a record page's whole citation record instead of scraping
//! its meta tags.
//!
//! A record page links to this service (`<link rel="unapi-server"
//! href="/unapi">`) and names its record (`<abbr class="unapi-id"
//! title="ID">`); Zotero's unAPI translator, which it prefers to reading
//! the meta tags, asks `/unapi` for the formats offered, then
//! `/unapi?id=ID&format=ris`, and imports that with its RIS translator.
//!
//! - `GET /unapi`: the formats offered for every record (200,
//!   `application/xml`).
//! - `GET /unapi?id=ID`: the formats of that record (300 Multiple Choices,
//!   as the specification says, with the preferred one, RIS, in `Location`).
//! - `GET /unapi?id=ID&format=F`: the record in that format (200), the same
//!   text as the record's citation file (`/records/ID.ris`, …), citing the
//!   record's page on this site.
//! - An identifier the viewer may not see (a draft, an embargo running) is
//!   404, exactly as one that does not exist; a format not offered is 406;
//!   a format without an identifier is 400.
//!
//! The formats are RIS, BibTeX and CSL-JSON, all from the one citable view
//! of the record (`cite::item`), so they agree. RIS comes first because it
//! is what Zotero should import: of the formats its unAPI translator knows
//! it prefers MODS to RIS, and its MODS importer has no field for the
//! archive (the repository); RIS gives it the item type, every name in the
//! right form, the translator, the archive and the location in the archive.
//! MODS is therefore not offered.

use super::{Shared, WebError};
use crate::accounts::Viewer;
use crate::archive::ArchiveError;
use crate::cite::{self, CiteContext, Style};
use crate::html::{escape, path_segment};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The formats offered: unAPI name and style.
const FORMATS: [(&str, Style); 3] = [
    ("ris", Style::Ris),
    ("bibtex", Style::Bibtex),
    ("csl-json", Style::CslJson),
];

/// An unAPI request's parameters.
#[derive(Debug, serde::Deserialize)]
pub struct UnapiQuery {
    /// The record's identifier, as the page's `unapi-id` gives it.
    id: Option<String>,
    /// The format wanted, by its unAPI name.
    format: Option<String>,
}

/// `GET /unapi`: the formats list, one record's formats, or the record.
pub async fn unapi(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(query): Query<UnapiQuery>,
) -> Response {
    let id = query.id.filter(|id| !id.is_empty());
    let format = query.format.filter(|f| !f.is_empty());
    let Some(id) = id else {
        return match format {
            None => formats(StatusCode::OK, None),
            Some(_) => text(
                StatusCode::BAD_REQUEST,
                "unAPI: a format needs an id (/unapi?id=ID&format=FORMAT)\n".into(),
            ),
        };
    };
    let stored = match state.archive.reader(&viewer).get(&id).await {
        Ok(stored) => stored,
        Err(ArchiveError::NotFound(_)) => {
            return text(StatusCode::NOT_FOUND, format!("unAPI: no record {id:?}\n"));
        }
        Err(e) => {
            let e = WebError::from(e);
            return text(e.code.status(), format!("unAPI: {}\n", e.message));
        }
    };
    let Some(format) = format else {
        // The preferred choice, as RFC 9110 asks of a 300.
        let mut response = formats(StatusCode::MULTIPLE_CHOICES, Some(&id));
        if let Ok(location) = HeaderValue::from_str(&format!(
            "/unapi?id={}&format={}",
            path_segment(&id),
            FORMATS[0].0
        )) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return response;
    };
    let Some((_, style)) = FORMATS.iter().find(|(name, _)| *name == format) else {
        return text(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "unAPI: format {format:?} is not offered (offered: {})\n",
                FORMATS.map(|(name, _)| name).join(", ")
            ),
        );
    };
    let record = &stored.record;
    let ctx = CiteContext {
        public_url: Some(format!(
            "{}/records/{}",
            state.base_url,
            path_segment(&record.id)
        )),
        accessed: None,
    };
    match cite::cite(record, *style, &ctx) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                format!("{}; charset=utf-8", style.media_type()),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            let e = WebError::internal(&format!("citing {} for unAPI", record.id), e);
            text(e.code.status(), format!("unAPI: {}\n", e.message))
        }
    }
}

/// The unAPI formats list, for the service or for one record.
fn formats(status: StatusCode, id: Option<&str>) -> Response {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match id {
        Some(id) => xml.push_str(&format!("<formats id=\"{}\">\n", escape(id))),
        None => xml.push_str("<formats>\n"),
    }
    for (name, style) in FORMATS {
        xml.push_str(&format!(
            "<format name=\"{name}\" type=\"{}\"/>\n",
            style.media_type()
        ));
    }
    xml.push_str("</formats>\n");
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}
