//! Signing in and out, and what every desk handler checks: a [`Staff`]
//! session, its role, and its forms' CSRF token.
//!
//! - `GET /desk/sign-in` shows the form and sets a short-lived
//!   [`SIGN_IN_COOKIE`]; the form carries the CSRF token derived from it
//!   (a double submit: another site can neither read the cookie nor make
//!   the token).
//! - `POST /desk/sign-in` checks that token, then the password through
//!   [`crate::archive::Archive::sign_in`] (throttled per account and per
//!   address; one message for an unknown account and a wrong password),
//!   and sets [`SESSION_COOKIE`]: `HttpOnly`, `SameSite=Lax`, `Path=/`,
//!   `Secure` when the site's address is `https`.
//! - `POST /desk/sign-out` (CSRF-checked) ends the session in the store,
//!   so the cookie opens nothing on any node afterwards.
//!
//! Invariants:
//! - Every desk handler takes a [`Staff`]: without a current session a
//!   page is a redirect to sign-in, never its content.
//! - Every state-changing desk request checks the form's CSRF token
//!   ([`Staff::check`]) before anything else, and its role
//!   ([`Staff::require`]) before it reads the form.
//! - The password is read from the form body only and goes nowhere but
//!   the check; no answer or log line holds it or a token.

use super::error::add_headers;
use super::viewer::{Credential, SESSION_COOKIE, cookie};
use super::{ErrorCode, Shared, WebError};
use crate::accounts::password::Password;
use crate::accounts::secret::{SESSION_LIFETIME_SECS, Secret};
use crate::accounts::{Role, Viewer};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

/// The cookie that carries the sign-in form's CSRF secret.
pub const SIGN_IN_COOKIE: &str = "fonds_signin";
/// Where sign-in leads when the form names nowhere else.
pub const AFTER_SIGN_IN: &str = "/desk/";
/// How long a sign-in form stays usable (seconds).
const SIGN_IN_FORM_SECS: i64 = 3600;

/// A signed-in member of staff, with the session's CSRF token.
pub struct Staff {
    /// Who (always [`Viewer::Staff`]).
    pub viewer: Viewer,
    /// The account's name.
    pub name: String,
    /// The account's role.
    pub role: Role,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    secret: Secret,
}

impl Staff {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check(&self, given: &str) -> Result<(), WebError> {
        if self.secret.csrf_matches(given.trim()) {
            Ok(())
        } else {
            Err(WebError::new(
                ErrorCode::Forbidden,
                "this form did not come from this session (expired, or sent from another site); \
                 reload the page and try again",
            ))
        }
    }

    /// Refuses an account whose role is below `needed`.
    pub fn require(&self, needed: Role) -> Result<(), WebError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(WebError::new(
                ErrorCode::Forbidden,
                format!(
                    "this needs the {} role; {} is {}",
                    needed.as_str(),
                    self.name,
                    self.role.as_str()
                ),
            ))
        }
    }

    /// The bar every desk page shows.
    pub fn bar(&self) -> StaffBar {
        StaffBar {
            name: self.name.clone(),
            role: self.role.as_str(),
            admin: self.role.allows(Role::Admin),
            editor: self.role.allows(Role::Editor),
            csrf: self.csrf.clone(),
        }
    }
}

/// What the staff bar of a desk page shows.
pub struct StaffBar {
    /// Account name.
    pub name: String,
    /// Role word.
    pub role: &'static str,
    /// Whether the account administers accounts.
    pub admin: bool,
    /// Whether the account may edit.
    pub editor: bool,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: String,
}

/// A desk page asked for without a session: off to sign in, then back.
pub struct SignInFirst(String);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        let query = serde_urlencoded::to_string([("next", self.0.as_str())]).unwrap_or_default();
        let target = format!("/desk/sign-in?{query}");
        let mut response = Redirect::to(&target).into_response();
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        response
    }
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Staff, SignInFirst> {
        let Ok(viewer) = Viewer::from_request_parts(parts, state).await;
        let Ok(credential) = Credential::from_request_parts(parts, state).await;
        let here = parts
            .uri
            .path_and_query()
            .map_or("/desk/", |p| p.as_str())
            .to_string();
        match (viewer, credential) {
            (Viewer::Staff { name, role }, Credential::Session(secret)) => Ok(Staff {
                viewer: Viewer::staff(name.clone(), role),
                name,
                role,
                csrf: secret.csrf_token(),
                secret,
            }),
            _ => Err(SignInFirst(here)),
        }
    }
}

/// A local path to go to after sign-in; anything else (another site, a
/// scheme-relative `//host`) is the desk.
fn local_target(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => AFTER_SIGN_IN.to_string(),
    }
}

/// A `Set-Cookie` value for the site: `HttpOnly`, `SameSite=Lax`, `Path=/`,
/// `Secure` on https.
pub fn set_cookie(state: &Shared, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("fonds_invalid=1"))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    site: &'a str,
    csrf: String,
    next: String,
    name: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Renders the sign-in form with a fresh form secret.
fn sign_in_form(state: &Shared, status: StatusCode, page: SignInPage<'_>) -> Response {
    let secret = match Secret::new_session() {
        Ok(s) => s,
        Err(e) => return super::pages::web_error_page(state, &WebError::internal("sign-in", e)),
    };
    let page = SignInPage {
        csrf: secret.csrf_token(),
        ..page
    };
    let mut response = super::pages::render(status, &page);
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(state, SIGN_IN_COOKIE, secret.expose(), SIGN_IN_FORM_SECS),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `GET /desk/sign-in`.
pub async fn sign_in_page(
    State(state): State<Shared>,
    Query(params): Query<NextParam>,
) -> Response {
    let next = local_target(params.next.as_deref());
    sign_in_form(
        &state,
        StatusCode::OK,
        SignInPage {
            site: &state.site_name,
            csrf: String::new(),
            next,
            name: String::new(),
            error: None,
        },
    )
}

/// The sign-in form as sent.
#[derive(serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /desk/sign-in`.
pub async fn sign_in(
    State(state): State<Shared>,
    info: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = local_target(form.next.as_deref());
    let again = |status: StatusCode, error: WebError| {
        let mut response = sign_in_form(
            &state,
            status,
            SignInPage {
                site: &state.site_name,
                csrf: String::new(),
                next: next.clone(),
                name: form.name.clone(),
                error: Some(error.message.clone()),
            },
        );
        add_headers(&error, response.headers_mut());
        response
    };
    let form_secret = cookie(&headers, SIGN_IN_COOKIE).and_then(Secret::parse_session);
    if !form_secret.is_some_and(|s| s.csrf_matches(form.csrf.trim())) {
        let e = WebError::new(
            ErrorCode::Forbidden,
            "this sign-in form expired or came from another site; it has been renewed: try again",
        );
        return again(e.code.status(), e);
    }
    let from = info.map(|axum::Extension(ConnectInfo(addr))| addr.ip());
    let attempt = Password::attempt(form.password.clone());
    match state
        .archive
        .sign_in(form.name.trim(), &attempt, from, crate::clock::now())
        .await
    {
        Ok(signed_in) => {
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(
                    &state,
                    SESSION_COOKIE,
                    signed_in.token.expose(),
                    SESSION_LIFETIME_SECS,
                ),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, SIGN_IN_COOKIE, "", 0),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(e) => {
            let e = WebError::from(e);
            again(e.code.status(), e)
        }
    }
}

/// A form with only its CSRF token.
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /desk/sign-out`: ends the session everywhere.
pub async fn sign_out(
    State(state): State<Shared>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(e) = staff.check(&form.csrf) {
        return super::pages::web_error_page(&state, &e);
    }
    if let Err(e) = state.archive.sign_out(staff.secret.expose()).await {
        return super::pages::web_error_page(&state, &WebError::from(e));
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_target(Some("/desk/records/1")), "/desk/records/1");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "desk",
        ] {
            assert_eq!(local_target(Some(bad)), AFTER_SIGN_IN, "{bad}");
        }
        assert_eq!(local_target(None), AFTER_SIGN_IN);
    }
}
