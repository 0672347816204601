//! What other systems read: the OAI-PMH endpoint, the sitemap and the
//! public dump, as thin HTTP wrappers over [`crate::oai`].
//!
//! Invariants: OAI-PMH protocol errors are answered in an HTTP 200 body (the
//! protocol's rule); only a failing store is a 500. Everything served here is
//! read through `archive.public()`, whoever asks: public records only, and
//! the same answer for everyone (no `Vary: Cookie`).

use super::{Shared, WebError};
use crate::oai::{self, sitemap};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// A failure, as plain text (these answers are not pages).
fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    let status = WebError::internal(what, e).code.status();
    (
        status,
        format!("{what} failed; the error is in the server's log\n"),
    )
        .into_response()
}

async fn answer(state: &Shared, params: &[(String, String)]) -> Response {
    match oai::respond(&state.archive.public(), &state.oai, params).await {
        Ok(response) => xml(response.xml),
        Err(e) => internal("OAI-PMH", e),
    }
}

/// `GET /oai?verb=…`
pub async fn oai_get(
    State(state): State<Shared>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    answer(&state, &params).await
}

/// `POST /oai` with `application/x-www-form-urlencoded` arguments.
pub async fn oai_post(
    State(state): State<Shared>,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    answer(&state, &params).await
}

/// `/sitemap.xml`: the sitemap, or past 50,000 URLs the sitemap index.
pub async fn sitemap_xml(State(state): State<Shared>) -> Response {
    match sitemap::sitemap_xml(&state.archive.public(), &state.base_url).await {
        Ok(body) => xml(body),
        Err(e) => internal("the sitemap", e),
    }
}

/// Files at the site's root that are not routes of their own:
/// `/sitemap-{n}.xml`, `/robots.txt`, the icon (`/favicon.svg`, and
/// `/favicon.ico` for clients that ask for it by that name).
pub async fn root_file(State(state): State<Shared>, Path(file): Path<String>) -> Response {
    match file.as_str() {
        "robots.txt" => {
            return (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                robots_txt(&state.base_url),
            )
                .into_response();
        }
        "favicon.svg" | "favicon.ico" => {
            return (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                include_str!("../../static/favicon.svg"),
            )
                .into_response();
        }
        _ => {}
    }
    let page = file
        .strip_prefix("sitemap-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = page {
        match sitemap::sitemap_page(&state.archive.public(), &state.base_url, n).await {
            Ok(Some(body)) => return xml(body),
            Ok(None) => {}
            Err(e) => return internal("the sitemap", e),
        }
    }
    super::pages::not_found(State(state)).await
}

/// `robots.txt`: everything public may be crawled but the desk and the
/// API's writes; the sitemap is named.
fn robots_txt(base_url: &str) -> String {
    format!("User-agent: *\nDisallow: /desk/\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

/// `/dump/records.jsonl.gz`: every public record, in the format of
/// `fonds export`, gzip-compressed.
pub async fn dump(State(state): State<Shared>) -> Response {
    let collected = match oai::dump::PublicDump::collect(&state.archive.public()).await {
        Ok(d) => d,
        Err(e) => return internal("the dump", e),
    };
    let written = tokio::task::spawn_blocking(move || collected.write_gzip(Vec::new())).await;
    match written {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "application/gzip"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"records.jsonl.gz\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => internal("the dump", e),
        Err(e) => internal("the dump", e),
    }
}
