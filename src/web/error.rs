//! The one error table of the web layer: every error the site answers has
//! an [`ErrorCode`], which alone gives its stable code, its HTTP status, the
//! heading of its HTML page and its default message.
//!
//! The JSON API answers a [`WebError`] as the envelope
//! `{"error": {"status": 404, "code": "not_found", "message": "…"}}`; the
//! pages render the same error as an HTML page with the same status
//! (`pages::error_page`). `From<ArchiveError> for WebError` is the one place
//! archive failures become codes.
//!
//! Invariants:
//! - A code string never changes meaning once served (clients match on it);
//!   codes are unique, and each variant's status is fixed by this table.
//! - Internal failures are logged here, with their cause, and answered
//!   without it: nothing of the server's inside reaches a reader.
//! - The API answers no refusal in another shape: axum's extractor
//!   rejections become a `WebError` here (`From<QueryRejection>` and the
//!   others), and [`envelope_errors`] wraps what axum answers by itself.

use crate::archive::{AccountError, ArchiveError};
use crate::search::SearchError;
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What went wrong, as clients and readers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No such record (or one the viewer may not see), page or endpoint.
    NotFound,
    /// A record that was withdrawn.
    Gone,
    /// A query or parameter that could not be used.
    BadRequest,
    /// Signing in is needed.
    Unauthorized,
    /// The signed-in account may not do this.
    Forbidden,
    /// A write that clashes with another writer's.
    Conflict,
    /// A method the address does not take (`DELETE /api/v1/records`); the
    /// answer's `Allow` names those it takes.
    MethodNotAllowed,
    /// A conditional write whose condition (`If-Match`) no longer holds.
    PreconditionFailed,
    /// A request body too large to take.
    PayloadTooLarge,
    /// A request body of a media type the address does not take.
    UnsupportedMediaType,
    /// Too many attempts (failed sign-ins): wait before the next.
    TooManyRequests,
    /// The archive cannot answer for now (its store unreachable, say).
    Unavailable,
    /// A request the archive understands but does not offer (an IIIF
    /// rotation by other than 90 degrees, say).
    NotImplemented,
    /// Anything else: the cause is in the server's log.
    Internal,
}

/// One row of the table.
struct Row {
    code: &'static str,
    status: StatusCode,
    title: &'static str,
    message: &'static str,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::NotFound,
        ErrorCode::Gone,
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::TooManyRequests,
        ErrorCode::Unavailable,
        ErrorCode::NotImplemented,
        ErrorCode::Internal,
    ];

    /// The table.
    fn row(self) -> Row {
        let (code, status, title, message) = match self {
            ErrorCode::NotFound => (
                "not_found",
                StatusCode::NOT_FOUND,
                "Not found",
                "The archive holds no record or page at this address.",
            ),
            ErrorCode::Gone => (
                "gone",
                StatusCode::GONE,
                "Withdrawn",
                "This record has been withdrawn from the archive.",
            ),
            ErrorCode::BadRequest => (
                "bad_request",
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The request could not be understood.",
            ),
            ErrorCode::Unauthorized => (
                "unauthorized",
                StatusCode::UNAUTHORIZED,
                "Sign-in needed",
                "Sign in to do this.",
            ),
            ErrorCode::Forbidden => (
                "forbidden",
                StatusCode::FORBIDDEN,
                "Not allowed",
                "This account may not do this.",
            ),
            ErrorCode::Conflict => (
                "conflict",
                StatusCode::CONFLICT,
                "Changed by someone else",
                "Someone else changed this meanwhile; look at their version first.",
            ),
            ErrorCode::MethodNotAllowed => (
                "method_not_allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
                "This address does not take this method; the Allow header names those it takes.",
            ),
            ErrorCode::PreconditionFailed => (
                "precondition_failed",
                StatusCode::PRECONDITION_FAILED,
                "Changed meanwhile",
                "This changed since it was read; read it again.",
            ),
            ErrorCode::PayloadTooLarge => (
                "payload_too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What was sent is too large.",
            ),
            ErrorCode::UnsupportedMediaType => (
                "unsupported_media_type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "What was sent is not of a media type this address takes.",
            ),
            ErrorCode::TooManyRequests => (
                "too_many_requests",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts in a row; wait a little and try again.",
            ),
            ErrorCode::Unavailable => (
                "unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "The archive cannot answer just now; try again shortly.",
            ),
            ErrorCode::NotImplemented => (
                "not_implemented",
                StatusCode::NOT_IMPLEMENTED,
                "Not offered",
                "The archive understands this request but does not offer it.",
            ),
            ErrorCode::Internal => (
                "internal",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The archive could not answer; the error is in the server's log.",
            ),
        };
        Row {
            code,
            status,
            title,
            message,
        }
    }

    /// The stable machine-readable code (`not_found`).
    pub fn code(self) -> &'static str {
        self.row().code
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        self.row().status
    }

    /// The heading of the HTML error page.
    pub fn title(self) -> &'static str {
        self.row().title
    }

    /// The message when there is nothing more particular to say.
    pub fn default_message(self) -> &'static str {
        self.row().message
    }

    /// The code of a status, where the table has one.
    pub fn of_status(status: StatusCode) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.status() == status)
    }
}

/// An error answered by the site: its code, and what to tell the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebError {
    /// Code and status.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Field-level problems of a refused write, each as an import reports
    /// it (in the envelope as `problems`).
    pub problems: Vec<Problem>,
    /// How long to wait before trying again (`Retry-After`), for 429.
    pub retry_after: Option<u64>,
}

/// One field-level problem of a refused write.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The line of the request body (JSON Lines), where it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The record's identifier, where it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The field at fault (`title`, `date`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<&crate::import::ImportError> for Problem {
    fn from(e: &crate::import::ImportError) -> Problem {
        Problem {
            line: e.line,
            record: e.record.clone(),
            field: e.field.clone(),
            message: e.message.clone(),
        }
    }
}

impl WebError {
    /// An error with a particular message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> WebError {
        WebError {
            code,
            message: message.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    /// A 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> WebError {
        WebError::new(ErrorCode::BadRequest, message)
    }

    /// A 404 with a message.
    pub fn not_found(message: impl Into<String>) -> WebError {
        WebError::new(ErrorCode::NotFound, message)
    }

    /// A failure of the server's own: `what` and its cause go to the log,
    /// the client gets the default message.
    pub fn internal(what: &str, cause: impl std::fmt::Display) -> WebError {
        // Inside a request's span: the line carries its id.
        tracing::error!(%cause, "{what}");
        ErrorCode::Internal.into()
    }

    /// The JSON envelope.
    pub fn envelope(&self) -> serde_json::Value {
        let mut error = serde_json::json!({
            "status": self.code.status().as_u16(),
            "code": self.code.code(),
            "message": self.message,
        });
        if !self.problems.is_empty() {
            error["problems"] = serde_json::to_value(&self.problems).unwrap_or_default();
        }
        serde_json::json!({ "error": error })
    }
}

impl From<ErrorCode> for WebError {
    fn from(code: ErrorCode) -> WebError {
        WebError::new(code, code.default_message())
    }
}

impl From<ArchiveError> for WebError {
    fn from(e: ArchiveError) -> WebError {
        match e {
            ArchiveError::NotFound(what) => WebError::not_found(format!("no record {what}")),
            ArchiveError::Search(e @ SearchError::BadQuery(_)) => {
                WebError::bad_request(e.to_string())
            }
            ArchiveError::Rejected(errors) => {
                let mut out = WebError::bad_request(match errors.as_slice() {
                    [one] => one.to_string(),
                    _ => format!("{} problems; nothing was saved", errors.len()),
                });
                out.problems = errors.iter().map(Problem::from).collect();
                out
            }
            e @ ArchiveError::Forbidden { .. } => {
                WebError::new(ErrorCode::Forbidden, e.to_string())
            }
            ArchiveError::Store(e @ StoreError::Stale { .. }) => {
                WebError::new(ErrorCode::PreconditionFailed, e.to_string())
            }
            ArchiveError::Store(
                e @ (StoreError::Conflict { .. }
                | StoreError::Edited { .. }
                | StoreError::OriginConflict { .. }),
            ) => WebError::new(ErrorCode::Conflict, e.to_string()),
            ArchiveError::Object(crate::objects::ObjectError::Refused(why)) => {
                WebError::bad_request(why)
            }
            ArchiveError::Store(e @ StoreError::ReadOnly) => {
                WebError::new(ErrorCode::Unavailable, e.to_string())
            }
            other => WebError::internal("the archive", other),
        }
    }
}

impl From<crate::iiif::IiifError> for WebError {
    fn from(e: crate::iiif::IiifError) -> WebError {
        match e {
            crate::iiif::IiifError::BadRequest(why) => WebError::bad_request(why),
            crate::iiif::IiifError::NotImplemented(why) => {
                WebError::new(ErrorCode::NotImplemented, why)
            }
        }
    }
}

impl From<AccountError> for WebError {
    fn from(e: AccountError) -> WebError {
        match e {
            AccountError::Throttled { retry_after } => {
                let mut out = WebError::new(ErrorCode::TooManyRequests, e.to_string());
                out.retry_after = Some(retry_after.as_secs().max(1));
                out
            }
            AccountError::SignInRefused => WebError::new(ErrorCode::Unauthorized, e.to_string()),
            e @ (AccountError::Name(_)
            | AccountError::Password(_)
            | AccountError::BadLabel(_)
            | AccountError::BadTokenRef
            | AccountError::DuplicateUser(_)
            | AccountError::Disabled(_)) => WebError::bad_request(e.to_string()),
            e @ (AccountError::UnknownUser(_) | AccountError::UnknownToken(_)) => {
                WebError::not_found(e.to_string())
            }
            AccountError::Store(e) => WebError::from(ArchiveError::Store(e)),
            e @ AccountError::Random(_) => WebError::internal("accounts", e),
        }
    }
}

/// An extractor's refusal (axum's rejections: a query string, a path, a
/// body that cannot be read) as the envelope: the code of its status (a
/// status the table lacks, such as 422 for a JSON body of the wrong shape,
/// is `bad_request`), and axum's words, which name what was wrong and hold
/// nothing of the server's inside. A server-side refusal (5xx) is logged
/// and answered with the default message.
pub fn rejection(status: StatusCode, text: String) -> WebError {
    if status.is_server_error() {
        return WebError::internal("reading a request", text);
    }
    let code = ErrorCode::of_status(status).unwrap_or(ErrorCode::BadRequest);
    WebError::new(code, text)
}

/// `From` each of axum's rejections that the API's extractors meet, through
/// [`rejection`].
macro_rules! from_rejections {
    ($($rejection:ident),+) => {$(
        impl From<axum::extract::rejection::$rejection> for WebError {
            fn from(e: axum::extract::rejection::$rejection) -> WebError {
                rejection(e.status(), e.body_text())
            }
        }
    )+};
}

from_rejections!(QueryRejection, PathRejection, BytesRejection, JsonRejection);

/// Middleware (`axum::middleware::map_response`) for the JSON API: an error
/// answer that is not JSON already (axum's own: a 405 with its `Allow`, an
/// extractor's plain-text refusal that no handler saw) becomes the
/// envelope, keeping its headers. What the handlers answer is the envelope
/// already and passes untouched, so every refusal of the API is one shape.
pub async fn envelope_errors(response: Response) -> Response {
    use axum::http::header;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let error = match ErrorCode::of_status(status) {
        Some(code) if code.status().is_server_error() => {
            tracing::error!(%status, %text, "the API answered a server error");
            code.into()
        }
        Some(code) if text.is_empty() => code.into(),
        Some(code) => WebError::new(code, text),
        None => rejection(status, text),
    };
    let fresh = error.into_response();
    parts.status = fresh.status();
    parts.headers.remove(header::CONTENT_LENGTH);
    let (fresh_parts, body) = fresh.into_parts();
    for (name, value) in &fresh_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
}

/// The JSON API's answer: the envelope, with the code's status (and
/// `Retry-After` when there is a wait, `WWW-Authenticate` on a 401).
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), axum::Json(self.envelope())).into_response();
        add_headers(&self, response.headers_mut());
        response
    }
}

/// The headers an error's status calls for: `Retry-After` with a wait,
/// `WWW-Authenticate` for the API's bearer tokens on a 401.
pub fn add_headers(error: &WebError, headers: &mut axum::http::HeaderMap) {
    use axum::http::{HeaderValue, header};
    if let Some(secs) = error.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if error.code == ErrorCode::Unauthorized {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"fonds\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_unique_and_has_an_error_status_and_words() {
        let mut codes = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(codes.insert(code.code()), "{} twice", code.code());
            assert!(
                code.status().is_client_error() || code.status().is_server_error(),
                "{code:?}"
            );
            assert!(!code.title().is_empty() && code.default_message().ends_with('.'));
        }
    }

    #[test]
    fn archive_errors_map_to_todays_codes_and_messages() {
        let missing = WebError::from(ArchiveError::NotFound("x".into()));
        assert_eq!(
            missing.envelope(),
            serde_json::json!({"error": {"status": 404, "code": "not_found", "message": "no record x"}})
        );
        let index = ArchiveError::IndexInUse("/data/index".into());
        let internal = WebError::from(index);
        assert_eq!(internal.code, ErrorCode::Internal);
        assert!(!internal.message.contains("/data"), "no inside detail");
        assert_eq!(internal.envelope()["error"]["status"], 500);
    }
}
