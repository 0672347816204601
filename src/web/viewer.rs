//! Who sends each request: a [`Viewer`] for every page and API call, and the
//! response headers that follow from it.
//!
//! [`per_request`] (a middleware on the pages and the API) works the viewer
//! out once, hands it to the handler, which names it as an argument (the
//! [`Viewer`] extractor) and reads through `archive.reader(&viewer)`, and
//! marks the response ([`mark`]).
//!
//! Invariants:
//! - The session is read in one place, `from_session`. Until accounts
//!   exist, everyone is [`Viewer::Anonymous`].
//! - A handler outside [`per_request`] gets [`Viewer::Anonymous`]: never
//!   staff on a response nothing marks.
//! - Every page and API answer carries `Vary: Cookie` (what it holds may
//!   depend on who asks); an answer to staff also carries
//!   `Cache-Control: private, no-store`, so no shared cache keeps a draft.

use crate::accounts::Viewer;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;

/// The viewer a request's session names: the one place the session cookie
/// will be read (accounts and sessions come next). For now, anyone.
fn from_session(_headers: &HeaderMap) -> Viewer {
    Viewer::Anonymous
}

/// Middleware: the request's viewer for its handler, and the headers its
/// answer needs.
pub async fn per_request(mut request: Request, next: Next) -> Response {
    let viewer = from_session(request.headers());
    request.extensions_mut().insert(viewer.clone());
    let mut response = next.run(request).await;
    mark(&viewer, response.headers_mut());
    response
}

/// The headers of an answer to `viewer`: `Vary: Cookie`, and for staff
/// `Cache-Control: private, no-store` (replacing any other).
pub fn mark(viewer: &Viewer, headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    if viewer.sees_unpublished() {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
}

/// The request's viewer, as [`per_request`] found it.
impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Viewer, Infallible> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    #[test]
    fn answers_vary_by_cookie_and_staff_answers_are_never_stored() {
        let mut public = HeaderMap::new();
        public.insert(header::CACHE_CONTROL, HeaderValue::from_static("public"));
        mark(&Viewer::Anonymous, &mut public);
        assert_eq!(public[header::VARY], "Cookie");
        assert_eq!(public[header::CACHE_CONTROL], "public");

        for role in Role::ALL {
            let mut staff = HeaderMap::new();
            staff.insert(header::CACHE_CONTROL, HeaderValue::from_static("public"));
            staff.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            mark(&Viewer::staff("ana", role), &mut staff);
            assert_eq!(staff[header::CACHE_CONTROL], "private, no-store");
            let vary: Vec<_> = staff.get_all(header::VARY).iter().collect();
            assert_eq!(vary, ["Accept-Encoding", "Cookie"]);
        }
    }

    #[test]
    fn no_session_is_anyone() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("session=forged"));
        assert_eq!(from_session(&headers), Viewer::Anonymous);
    }
}
