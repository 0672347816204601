//! Who sends each request: a [`Viewer`] for every page and API call, and the
//! response headers that follow from it.
//!
//! [`per_request`] (a middleware on the pages, the desk and the API) works
//! the viewer out once, from the session cookie ([`SESSION_COOKIE`]) or an
//! `Authorization: Bearer` API token, hands it to the handler, which names
//! it as an argument (the [`Viewer`] extractor) and reads through
//! `archive.reader(&viewer)`, and marks the response ([`mark`]).
//!
//! Invariants:
//! - The credentials are read in one place, [`per_request`]: a session
//!   that is unknown, ended or of a disabled account is anyone; an
//!   `Authorization` header that is not a current API token is refused
//!   outright (401), never served as anyone, so a client learns at once
//!   that its token was revoked.
//! - A handler outside [`per_request`] gets [`Viewer::Anonymous`]: never
//!   staff on a response nothing marks.
//! - Every page and API answer carries `Vary: Cookie, Authorization` (what
//!   it holds may depend on who asks); an answer to staff also carries
//!   `Cache-Control: private, no-store`, so no shared cache keeps a draft.
//! - A session's token leaves the server only in its `Set-Cookie`; the
//!   CSRF token every form of the session carries is derived from it
//!   ([`crate::accounts::Secret::csrf_token`]).

use super::{Shared, WebError};
use crate::accounts::Viewer;
use crate::accounts::secret::Secret;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;

/// The cookie that carries a staff session's token.
pub const SESSION_COOKIE: &str = "fonds_session";

/// How the request's viewer was established.
#[derive(Clone, Default)]
pub enum Credential {
    /// No credential (or one that opens nothing): anyone.
    #[default]
    None,
    /// A session cookie that opens a current session.
    Session(Secret),
    /// A current API token.
    Bearer,
}

impl Credential {
    /// The session's secret, for checking a form's CSRF token.
    pub fn session(&self) -> Option<&Secret> {
        match self {
            Credential::Session(secret) => Some(secret),
            _ => None,
        }
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Middleware: the request's viewer (and credential) for its handler, and
/// the headers its answer needs.
pub async fn per_request(
    State(state): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let (viewer, credential) = match identify(&state, request.headers()).await {
        Ok(found) => found,
        Err(e) => {
            let mut response = e.into_response();
            mark(&Viewer::Anonymous, response.headers_mut());
            return response;
        }
    };
    request.extensions_mut().insert(viewer.clone());
    request.extensions_mut().insert(credential);
    let mut response = next.run(request).await;
    mark(&viewer, response.headers_mut());
    response
}

/// The viewer the request's credentials name.
async fn identify(state: &Shared, headers: &HeaderMap) -> Result<(Viewer, Credential), WebError> {
    let archive = &state.archive;
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let refused = || WebError::new(super::ErrorCode::Unauthorized, "no such API token");
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(refused)?;
        return match archive.token_viewer(token).await? {
            Viewer::Anonymous => Err(refused()),
            viewer => Ok((viewer, Credential::Bearer)),
        };
    }
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Some(secret) = Secret::parse_session(token)
    {
        let viewer = archive
            .session_viewer(secret.expose(), crate::clock::now())
            .await?;
        if viewer != Viewer::Anonymous {
            return Ok((viewer, Credential::Session(secret)));
        }
    }
    Ok((Viewer::Anonymous, Credential::None))
}

/// The headers of an answer to `viewer`: `Vary: Cookie, Authorization`,
/// and for staff `Cache-Control: private, no-store` (replacing any other).
pub fn mark(viewer: &Viewer, headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    headers.append(header::VARY, HeaderValue::from_static("Authorization"));
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

/// The request's credential, as [`per_request`] found it.
impl<S: Send + Sync> FromRequestParts<S> for Credential {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Credential, Infallible> {
        Ok(parts
            .extensions
            .get::<Credential>()
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
        let vary: Vec<_> = public.get_all(header::VARY).iter().collect();
        assert_eq!(vary, ["Cookie", "Authorization"]);
        assert_eq!(public[header::CACHE_CONTROL], "public");

        for role in Role::ALL {
            let mut staff = HeaderMap::new();
            staff.insert(header::CACHE_CONTROL, HeaderValue::from_static("public"));
            staff.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            mark(&Viewer::staff("ana", role), &mut staff);
            assert_eq!(staff[header::CACHE_CONTROL], "private, no-store");
            let vary: Vec<_> = staff.get_all(header::VARY).iter().collect();
            assert_eq!(vary, ["Accept-Encoding", "Cookie", "Authorization"]);
        }
    }

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fonds_session=abc ;b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "fonds"), None);
    }
}
