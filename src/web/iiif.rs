//! IIIF over HTTP: each record's manifest, each page's image service
//! (`info.json` and image requests), the collections of manifests, and the
//! download of an original file.
//!
//! Every handler reaches a file through the read gate
//! ([`crate::archive::Reader::page`]): a record the viewer may not see has
//! no manifest, no image, no tile and no file (404, as for one that does
//! not exist). Collections list only public records, whoever asks
//! ([`crate::iiif::collection`]). Answers carry `Access-Control-Allow-Origin: *` so that
//! viewers on other sites can show public images.

use super::{Shared, WebError};
use crate::accounts::Viewer;
use crate::iiif::collection::{Collections, Paging};
use crate::iiif::{self, image_service};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// The IIIF routes and file downloads (behind the viewer middleware).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/iiif/{id}/manifest.json", get(manifest))
        .route("/iiif/{id}/{page}", get(service_base))
        .route("/iiif/{id}/{page}/info.json", get(info))
        .route(
            "/iiif/{id}/{page}/{region}/{size}/{rotation}/{quality}",
            get(image),
        )
        .route("/records/{id}/files/{page}", get(original))
        .route("/iiif-collections/top.json", get(top_collection))
        .route("/iiif-collections/{name}/collection.json", get(collection))
}

/// `?page=N` of a collection (from 1; absent is 1).
#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// The page asked for: a positive whole number, else 400.
    fn number(&self) -> Result<usize, WebError> {
        match &self.page {
            None => Ok(1),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    WebError::bad_request(format!("page {text:?} is not a page number (1, 2, …)"))
                }),
        }
    }
}

/// The collections of the public records, as this site serves them.
fn collections(state: &Shared) -> Collections<'_> {
    Collections {
        public: state.archive.public(),
        base: &state.base_url,
    }
}

/// `/iiif-collections/top.json`: the collections of the public records.
async fn top_collection(
    State(state): State<Shared>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = query.number()?;
    let body = collections(&state)
        .top(&state.site_name, Paging::page(page))
        .await?
        .ok_or_else(|| WebError::not_found(format!("there is no page {page} of collections")))?;
    Ok(json_ld(&headers, PRESENTATION_CONTEXT, body))
}

/// `/iiif-collections/{name}/collection.json`: the manifests of a
/// collection's public records.
async fn collection(
    State(state): State<Shared>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = query.number()?;
    let body = collections(&state)
        .collection(&name, Paging::page(page))
        .await?
        .ok_or_else(|| {
            WebError::not_found(format!("no public collection {name:?} (page {page})"))
        })?;
    Ok(json_ld(&headers, PRESENTATION_CONTEXT, body))
}

const IMAGE_CONTEXT: &str = "http://iiif.io/api/image/3/context.json";
const PRESENTATION_CONTEXT: &str = "http://iiif.io/api/presentation/3/context.json";

/// A page number from the path: anything but 1, 2, 3 … is no page (404,
/// as IIIF asks for an unknown identifier).
fn page_number(text: &str) -> Result<usize, WebError> {
    text.parse::<usize>()
        .ok()
        .filter(|n| *n > 0 && !text.starts_with('0'))
        .ok_or_else(|| WebError::not_found(format!("no image {text:?}")))
}

/// JSON-LD when the client asks for it (`Accept: application/ld+json`),
/// else JSON; with the IIIF context as its profile.
fn json_ld(headers: &HeaderMap, context: &str, body: serde_json::Value) -> Response {
    let wants_ld = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/ld+json"));
    let media = match wants_ld {
        true => format!("application/ld+json;profile=\"{context}\""),
        false => "application/json".to_string(),
    };
    let mut response = (
        [(header::CONTENT_TYPE, media)],
        serde_json::to_string_pretty(&body).expect("JSON serialises"),
    )
        .into_response();
    cors(&mut response);
    response
}

fn cors(response: &mut Response) {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
}

/// `/iiif/{id}/manifest.json`.
async fn manifest(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let stored = state.archive.reader(&viewer).get(&id).await?;
    let body = iiif::manifest(&stored.record, &state.base_url)
        .ok_or_else(|| WebError::not_found(format!("record {id} has no page images")))?;
    Ok(json_ld(&headers, PRESENTATION_CONTEXT, body))
}

/// `/iiif/{id}/{n}`: the image service's base URI sends to its `info.json`.
async fn service_base(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, page)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = page_number(&page)?;
    state.archive.reader(&viewer).page(&id, n).await?;
    let mut response = Redirect::to(&format!(
        "{}/info.json",
        image_service(&state.base_url, &id, n)
    ))
    .into_response();
    cors(&mut response);
    Ok(response)
}

/// `/iiif/{id}/{n}/info.json`.
async fn info(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, page)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let n = page_number(&page)?;
    let reader = state.archive.reader(&viewer);
    let page = reader.page(&id, n).await?;
    let pyramid = page.pyramid().await?;
    let body = iiif::info_json(&image_service(&state.base_url, &id, n), &pyramid);
    let mut response = json_ld(&headers, IMAGE_CONTEXT, body);
    response.headers_mut().insert(
        header::LINK,
        HeaderValue::from_static("<http://iiif.io/api/image/3/level2.json>;rel=\"profile\""),
    );
    Ok(response)
}

/// `/iiif/{id}/{n}/{region}/{size}/{rotation}/{quality}.{format}`.
async fn image(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, page, region, size, rotation, quality)): Path<(
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
) -> Result<Response, WebError> {
    let n = page_number(&page)?;
    let reader = state.archive.reader(&viewer);
    let page = reader.page(&id, n).await?;
    let pyramid = page.pyramid().await?;
    let request = iiif::parse_request(
        pyramid.width,
        pyramid.height,
        &region,
        &size,
        &rotation,
        &quality,
    )?;
    let output = page.render(&pyramid, &request).await?;
    let mut response = (
        [
            (header::CONTENT_TYPE, output.media_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        output.bytes,
    )
        .into_response();
    cors(&mut response);
    response.headers_mut().insert(
        header::LINK,
        HeaderValue::from_static("<http://iiif.io/api/image/3/level2.json>;rel=\"profile\""),
    );
    Ok(response)
}

/// `/records/{id}/files/{n}`: the original file, as attached.
async fn original(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, page)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = page_number(&page)?;
    let reader = state.archive.reader(&viewer);
    let page = reader.page(&id, n).await?;
    let bytes = page.original().await?;
    let name: String = page
        .object
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, page.object.media_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, format!("\"{}\"", page.object.sha256)),
        ],
        bytes,
    )
        .into_response())
}
