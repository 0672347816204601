//! The desk: staff pages under `/desk/` for editing records, drafts and
//! embargoes, publication, history and revert, API tokens and accounts.
//!
//! Every page is server-rendered and works without script; every form
//! posts back with the session's CSRF token. Writes go through the
//! archive's staff write path (`crate::archive` edit: save, revert,
//! visibility, purge), so a desk save is a revision like an import's and is
//! refused exactly as an import would be, field by field.
//!
//! Invariants:
//! - Every handler takes a [`Staff`] (a page without a session is a
//!   redirect to sign-in); every POST checks the CSRF token first, then
//!   the role (viewer reads, editor writes, admin purges and manages
//!   accounts).
//! - A save names the revision its form was opened on; a save over a newer
//!   revision is refused (409) with both versions side by side and the
//!   form kept as sent, never written.
//! - A refused form is shown again as sent, each problem beside its field.
//! - A record's files (scans, PDFs) have two forms of their own beside the
//!   record's: an upload (`multipart/form-data`, up to [`MAX_UPLOAD`], its
//!   CSRF token read and checked before any file part) and a list to
//!   reorder, relabel and remove pages. Each submit is one new revision
//!   made against the revision the page showed; a refused file is named
//!   with its reason beside the upload field, and nothing is saved.

use super::auth::{Staff, StaffBar};
use super::record_form::{self, FieldProblem, RecordForm};
use super::views::path_segment;
use super::{Shared, WebError};
use crate::accounts::Role;
use crate::accounts::password::Password;
use crate::archive::{ArchiveError, Saved, Upload, is_tombstone, stale_revision};
use crate::model::diff::{FieldChange, diff};
use crate::model::{Record, Visibility};
use crate::search::SearchRequest;
use crate::store::AuditEntry;
use crate::store::accounts::{TokenInfo, User};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// The desk's routes (merged into the site's pages, under `/desk/`).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/desk", get(|| async { Redirect::permanent("/desk/") }))
        .route("/desk/", get(home))
        .route(
            "/desk/sign-in",
            get(super::auth::sign_in_page).post(super::auth::sign_in),
        )
        .route("/desk/sign-out", post(super::auth::sign_out))
        .route("/desk/records/new", get(new_record).post(create_record))
        .route("/desk/records/{id}", get(edit_record).post(save_record))
        .route("/desk/records/{id}/history", get(history))
        .route("/desk/records/{id}/revert", post(revert))
        .route("/desk/records/{id}/purge", post(purge))
        .route("/desk/records/{id}/files", post(manage_files))
        .route(
            "/desk/records/{id}/upload",
            post(upload_files).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/desk/batch", get(batch_page).post(batch))
        .route("/desk/tokens", get(tokens).post(token_action))
        .route("/desk/users", get(users).post(user_action))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM))
}

/// The largest form the desk takes (a record with long texts).
const MAX_FORM: usize = 32 * 1024 * 1024;

/// The largest upload of files the desk and the API take at once (large
/// scans); only the upload routes allow it.
pub const MAX_UPLOAD: usize = 512 * 1024 * 1024;

/// The form's pairs as sent.
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn all<'a>(pairs: &'a Pairs, name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// A desk page's answer: never stored by any cache.
fn page(status: StatusCode, template: &impl Template) -> Response {
    let mut response = super::pages::render(status, template);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn fail(state: &Shared, e: impl Into<WebError>) -> Response {
    super::pages::web_error_page(state, &e.into())
}

/// Checks a POST's CSRF token, then the account's role.
fn allowed(staff: &Staff, pairs: &Pairs, needed: Role) -> Result<(), WebError> {
    staff.check(field(pairs, "csrf"))?;
    staff.require(needed)
}

/// An editor's form about record `id`: its CSRF token and the role checked,
/// then the record as stored.
async fn editing(
    state: &Shared,
    staff: &Staff,
    pairs: &Pairs,
    id: &str,
) -> Result<crate::store::StoredRecord, WebError> {
    allowed(staff, pairs, Role::Editor)?;
    Ok(state.archive.reader(&staff.viewer).get(id).await?)
}

fn desk_href(id: &str) -> String {
    format!("/desk/records/{}", path_segment(id))
}

/// A record in a desk list.
struct Row {
    href: String,
    public_href: String,
    id: String,
    title: String,
    status: String,
    updated: String,
    by: String,
    revision: u32,
}

fn status_text(v: &Visibility) -> String {
    match v {
        Visibility::Embargoed { until } => format!("embargoed until {until}"),
        other => other.status().to_string(),
    }
}

impl Row {
    fn new(s: &crate::store::StoredRecord) -> Row {
        Row {
            href: desk_href(&s.record.id),
            public_href: format!("/records/{}", path_segment(&s.record.id)),
            id: s.record.id.clone(),
            title: s.record.title.clone(),
            status: status_text(&s.record.visibility),
            updated: s.updated_at.to_string(),
            by: s.edited_by.clone().unwrap_or_else(|| "import".into()),
            revision: s.revision,
        }
    }
}

#[derive(Template)]
#[template(path = "desk_home.html")]
struct HomePage<'a> {
    site: &'a str,
    bar: StaffBar,
    unpublished: Vec<Row>,
    recent: Vec<Row>,
    audit: Vec<AuditEntry>,
    message: Option<String>,
}

#[derive(serde::Deserialize)]
struct Message {
    done: Option<String>,
}

/// `/desk/`: drafts and embargoes (with batch publication), recent
/// changes, the audit log for admins.
async fn home(
    State(state): State<Shared>,
    staff: Staff,
    Query(message): Query<Message>,
) -> Response {
    let reader = state.archive.reader(&staff.viewer);
    let unpublished = match reader.unpublished(200).await {
        Ok(list) => list,
        Err(e) => return fail(&state, e),
    };
    let recent = match reader.recent(20).await {
        Ok(list) => list,
        Err(e) => return fail(&state, e),
    };
    let audit = if staff.role.allows(Role::Admin) {
        match state.archive.audit(&staff.viewer, 20).await {
            Ok(a) => a,
            Err(e) => return fail(&state, e),
        }
    } else {
        Vec::new()
    };
    page(
        StatusCode::OK,
        &HomePage {
            site: &state.site_name,
            bar: staff.bar(),
            unpublished: unpublished.iter().map(Row::new).collect(),
            recent: recent.iter().map(Row::new).collect(),
            audit,
            message: message.done,
        },
    )
}

/// Both sides of a stale save: the version saved meanwhile and the one
/// sent, field by field.
struct StaleView {
    opened: u32,
    current: u32,
    by: String,
    changes: Vec<FieldChange>,
}

#[derive(Template)]
#[template(path = "desk_record.html")]
struct RecordPage<'a> {
    site: &'a str,
    bar: StaffBar,
    /// `None` for a new record.
    existing: Option<Existing>,
    form: RecordForm,
    opened: u32,
    note: String,
    problems: Vec<FieldProblem>,
    stale: Option<StaleView>,
    message: Option<String>,
    /// The record's files and their forms (`None` for a new record).
    files: Option<FilesView>,
}

/// What the edit page shows of a stored record beside its form.
struct Existing {
    id: String,
    public_href: String,
    history_href: String,
    action: String,
    revision: u32,
    status: String,
    tombstone: bool,
}

impl RecordPage<'_> {
    /// The problems of one form field.
    fn errors_for(&self, name: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|p| p.field == name)
            .map(|p| p.message.as_str())
            .collect()
    }

    /// The problems of a field of a numbered row (`text.2.kind`).
    fn errors_at(&self, rows: &str, index: &usize, name: &str) -> Vec<&str> {
        self.errors_for(&format!("{rows}.{index}.{name}"))
    }
}

fn existing(s: &crate::store::StoredRecord) -> Existing {
    Existing {
        id: s.record.id.clone(),
        public_href: format!("/records/{}", path_segment(&s.record.id)),
        history_href: format!("{}/history", desk_href(&s.record.id)),
        action: desk_href(&s.record.id),
        revision: s.revision,
        status: status_text(&s.record.visibility),
        tombstone: is_tombstone(s),
    }
}

/// `GET /desk/records/new`: a blank form.
async fn new_record(State(state): State<Shared>, staff: Staff) -> Response {
    page(
        StatusCode::OK,
        &RecordPage {
            site: &state.site_name,
            bar: staff.bar(),
            existing: None,
            form: RecordForm::blank(),
            opened: 0,
            note: String::new(),
            problems: Vec::new(),
            stale: None,
            message: None,
            files: None,
        },
    )
}

/// `GET /desk/records/{id}`: the record's form.
async fn edit_record(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Query(message): Query<Message>,
) -> Response {
    let stored = match state.archive.reader(&staff.viewer).get(&id).await {
        Ok(s) => s,
        Err(e) => return fail(&state, e),
    };
    page(
        StatusCode::OK,
        &RecordPage {
            site: &state.site_name,
            bar: staff.bar(),
            existing: Some(existing(&stored)),
            form: RecordForm::from_record(&stored.record),
            opened: stored.revision,
            note: String::new(),
            problems: Vec::new(),
            stale: None,
            message: message.done,
            files: Some(FilesView::of(&stored)),
        },
    )
}

/// `POST /desk/records/new`: makes a record from the blank form.
async fn create_record(
    State(state): State<Shared>,
    staff: Staff,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Editor) {
        return fail(&state, e);
    }
    submit(&state, &staff, None, &pairs).await
}

/// `POST /desk/records/{id}`: saves the form as a new revision.
async fn save_record(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let stored = match editing(&state, &staff, &pairs, &id).await {
        Ok(s) => s,
        Err(e) => return fail(&state, e),
    };
    submit(&state, &staff, Some(stored), &pairs).await
}

/// Reads a sent form and saves it, or shows it again with its problems.
async fn submit(
    state: &Shared,
    staff: &Staff,
    stored: Option<crate::store::StoredRecord>,
    pairs: &Pairs,
) -> Response {
    let base = stored.as_ref().map(|s| &s.record);
    let (record, mut problems) = record_form::parse(pairs, base);
    let opened: u32 = field(pairs, "opened").parse().unwrap_or(0);
    let note = field(pairs, "note").to_string();
    let again = |record: &Record, problems, stale, status| {
        let mut form = RecordForm::from_record(record);
        // What could not be read is shown as sent.
        form.extra = field(pairs, "extra").replace("\r\n", "\n");
        page(
            status,
            &RecordPage {
                site: &state.site_name,
                bar: staff.bar(),
                existing: stored.as_ref().map(existing),
                form,
                opened,
                note: note.clone(),
                problems,
                stale,
                message: None,
                files: stored.as_ref().map(FilesView::of),
            },
        )
    };
    if stored.is_none() {
        // The identifier of a new record must be free.
        match state.archive.reader(&staff.viewer).get(&record.id).await {
            Ok(_) => problems.push(FieldProblem {
                field: "id".into(),
                message: format!("a record {} already exists", record.id),
            }),
            Err(ArchiveError::NotFound(_)) => {}
            Err(e) => return fail(state, e),
        }
    }
    if !problems.is_empty() {
        return again(&record, problems, None, StatusCode::BAD_REQUEST);
    }
    let id = record.id.clone();
    match state
        .archive
        .save(&staff.viewer, record.clone(), Some(opened), &note)
        .await
    {
        Ok(Saved {
            revision, changed, ..
        }) => {
            let done = if changed {
                format!("Saved as revision {revision}.")
            } else {
                "Nothing changed: nothing was saved.".to_string()
            };
            let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("{}?{query}", desk_href(&id))).into_response()
        }
        Err(ArchiveError::Rejected(errors)) => {
            let problems = errors
                .iter()
                .map(|e| FieldProblem {
                    field: record_form::form_field(e.field.as_deref().unwrap_or("")).to_string(),
                    message: e.message.clone(),
                })
                .collect();
            again(&record, problems, None, StatusCode::BAD_REQUEST)
        }
        Err(e) if stale_revision(&e).is_some() => {
            let current = match state.archive.reader(&staff.viewer).get(&id).await {
                Ok(s) => s,
                Err(e) => return fail(state, e),
            };
            let mut mine = record.clone();
            mine.provenance = current.record.provenance.clone();
            let stale = StaleView {
                opened,
                current: current.revision,
                by: current
                    .edited_by
                    .clone()
                    .unwrap_or_else(|| "an import".into()),
                changes: diff(&current.record, &mine),
            };
            again(&record, Vec::new(), Some(stale), StatusCode::CONFLICT)
        }
        Err(e) => fail(state, e),
    }
}

/// A record's page in the desk's list of its files.
struct FileRow {
    /// 1-based, as in IIIF and download URLs.
    number: usize,
    sha256: String,
    name: String,
    media_type: String,
    bytes: u64,
    label: String,
    /// The thumbnail (IIIF, at most 200×200), for an image.
    thumb: Option<String>,
    /// The original's download.
    href: String,
}

/// The files section of a record's desk page.
struct FilesView {
    upload_action: String,
    manage_action: String,
    /// The revision the section was shown at (what its forms are made
    /// against).
    opened: u32,
    rows: Vec<FileRow>,
    /// Why the last submit was refused, file by file (nothing was saved).
    problems: Vec<String>,
    /// A submit made against an older revision (nothing was saved).
    conflict: Option<String>,
    /// What the last submit said, kept on a refusal.
    labels: String,
    note: String,
}

impl FilesView {
    fn of(s: &crate::store::StoredRecord) -> FilesView {
        let id = path_segment(&s.record.id);
        FilesView {
            upload_action: format!("/desk/records/{id}/upload"),
            manage_action: format!("/desk/records/{id}/files"),
            opened: s.revision,
            rows: s
                .record
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| FileRow {
                    number: i + 1,
                    sha256: f.sha256.clone(),
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    bytes: f.bytes,
                    label: f.label.clone().unwrap_or_default(),
                    thumb: f.dimensions().filter(|_| f.is_image()).map(|(w, _)| {
                        super::views::page_image_url(&s.record.id, i + 1, w.min(200))
                    }),
                    href: format!("/records/{id}/files/{}", i + 1),
                })
                .collect(),
            problems: Vec::new(),
            conflict: None,
            labels: String::new(),
            note: String::new(),
        }
    }
}

/// The desk page of a record as stored now, with the files section as
/// `adjust` leaves it.
fn files_page(
    state: &Shared,
    staff: &Staff,
    stored: &crate::store::StoredRecord,
    status: StatusCode,
    adjust: impl FnOnce(&mut FilesView),
) -> Response {
    let mut files = FilesView::of(stored);
    adjust(&mut files);
    page(
        status,
        &RecordPage {
            site: &state.site_name,
            bar: staff.bar(),
            existing: Some(existing(stored)),
            form: RecordForm::from_record(&stored.record),
            opened: stored.revision,
            note: String::new(),
            problems: Vec::new(),
            stale: None,
            message: None,
            files: Some(files),
        },
    )
}

/// The message of a files submit made against an older revision.
fn files_conflict(stored: &crate::store::StoredRecord, opened: u32) -> String {
    format!(
        "Not saved: {} saved revision {} after this page showed revision {opened}. The files \
         below are as they are now; make your change again.",
        stored.edited_by.as_deref().unwrap_or("an import"),
        stored.revision
    )
}

/// A files submit's outcome: back to the record's page with what was done,
/// or the page again with why nothing was saved.
async fn files_saved(
    state: &Shared,
    staff: &Staff,
    id: &str,
    opened: u32,
    result: Result<Saved, ArchiveError>,
    done: String,
    keep: impl FnOnce(&mut FilesView),
) -> Response {
    let reread = || async {
        state
            .archive
            .reader(&staff.viewer)
            .get(id)
            .await
            .map_err(WebError::from)
    };
    match result {
        Ok(saved) => {
            let done = if saved.changed {
                format!("{done}: now revision {}.", saved.revision)
            } else {
                "Nothing changed: nothing was saved.".to_string()
            };
            let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("{}?{query}#files", desk_href(id))).into_response()
        }
        Err(ArchiveError::Rejected(errors)) => match reread().await {
            Ok(stored) => files_page(state, staff, &stored, StatusCode::BAD_REQUEST, |v| {
                v.problems = errors.iter().map(file_problem).collect();
                keep(v);
            }),
            Err(e) => fail(state, e),
        },
        Err(e) if stale_revision(&e).is_some() => match reread().await {
            Ok(stored) => files_page(state, staff, &stored, StatusCode::CONFLICT, |v| {
                v.conflict = Some(files_conflict(&stored, opened));
                keep(v);
            }),
            Err(e) => fail(state, e),
        },
        Err(e) => fail(state, e),
    }
}

/// A refused file as the desk says it: the file's name and why.
fn file_problem(e: &crate::import::ImportError) -> String {
    let name = e.file.display().to_string();
    if name.is_empty() || e.message.contains(&name) {
        e.message.clone()
    } else {
        format!("{name}: {}", e.message)
    }
}

/// One part of a `multipart/form-data` body that held a file.
pub(super) struct SentFile {
    /// The part's name (`file`).
    pub part: String,
    /// The file's name as sent, without any folder a client put before it.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A `multipart/form-data` body: its text parts and its file parts, each in
/// the order sent.
pub(super) struct Sent {
    pub fields: Vec<(String, String)>,
    pub files: Vec<SentFile>,
}

impl Sent {
    /// The file parts named `file` (the pages), in the order sent.
    pub(super) fn pages(files: Vec<SentFile>) -> Vec<SentFile> {
        files.into_iter().filter(|f| f.part == "file").collect()
    }
}

/// The most of a refused request's body that is read and dropped before
/// answering, so that a client sending a small body gets the answer rather
/// than a reset connection (a larger one is cut off).
pub(super) const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Reads and drops one part of a refused multipart body; `read` counts
/// what was dropped, and reading stops past [`DRAIN_LIMIT`].
async fn drain_part(part: &mut axum::extract::multipart::Field<'_>, read: &mut usize) {
    while *read <= DRAIN_LIMIT
        && let Ok(Some(chunk)) = part.chunk().await
    {
        *read += chunk.len();
    }
}

/// Reads and drops the rest of a refused multipart body, at most
/// [`DRAIN_LIMIT`] bytes in all (`read` of them already).
async fn drain_multipart(multipart: &mut Multipart, mut read: usize) {
    while read <= DRAIN_LIMIT
        && let Ok(Some(mut part)) = multipart.next_field().await
    {
        drain_part(&mut part, &mut read).await;
    }
}

/// The most a text part of a multipart body may hold.
const MAX_TEXT_PART: usize = 1024 * 1024;

/// A multipart body that cannot be read, as an error (413 past the route's
/// body limit).
pub(super) fn multipart_error(status: StatusCode, text: String) -> WebError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::new(
            super::ErrorCode::PayloadTooLarge,
            format!(
                "the upload is larger than {} MiB",
                MAX_UPLOAD / (1024 * 1024)
            ),
        )
    } else {
        WebError::bad_request(format!("the body is not a readable multipart form: {text}"))
    }
}

/// Reads a multipart body. `before_files` sees the text parts sent before
/// the first file (or before the end, when there is none) and may refuse
/// the request then, before any file's bytes are read: the desk checks its
/// CSRF token and role there. A part with a file name is a file (one with
/// an empty name and no bytes, a file input left empty, is skipped).
pub(super) async fn read_multipart(
    mut multipart: Multipart,
    before_files: impl FnOnce(&[(String, String)]) -> Result<(), WebError>,
) -> Result<Sent, WebError> {
    let mut sent = Sent {
        fields: Vec::new(),
        files: Vec::new(),
    };
    let mut gate = Some(before_files);
    loop {
        let next = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(e.status(), e.body_text()))?;
        let Some(mut part) = next else { break };
        let name = part.name().unwrap_or("").to_string();
        let file_name = part.file_name().map(str::to_string);
        if file_name.is_some()
            && let Some(gate) = gate.take()
            && let Err(e) = gate(&sent.fields)
        {
            let mut read = 0;
            drain_part(&mut part, &mut read).await;
            drop(part);
            drain_multipart(&mut multipart, read).await;
            return Err(e);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = part
            .chunk()
            .await
            .map_err(|e| multipart_error(e.status(), e.body_text()))?
        {
            if file_name.is_none() && bytes.len() + chunk.len() > MAX_TEXT_PART {
                return Err(WebError::bad_request(format!(
                    "part {name:?} is longer than {MAX_TEXT_PART} bytes; a file needs a file name"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            Some(file) => {
                let file = file.rsplit(['/', '\\']).next().unwrap_or("").to_string();
                if file.is_empty() && bytes.is_empty() {
                    continue;
                }
                sent.files.push(SentFile {
                    part: name,
                    name: file,
                    bytes,
                });
            }
            None => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    WebError::bad_request(format!("part {name:?} is not UTF-8 text"))
                })?;
                sent.fields.push((name, text));
            }
        }
    }
    if let Some(gate) = gate.take() {
        gate(&sent.fields)?;
    }
    Ok(sent)
}

/// `POST /desk/records/{id}/upload` (multipart): attaches the files sent,
/// after the record's pages, in the order sent, as one new revision. The
/// text area `labels` gives their labels, one line per file in order (an
/// empty line: no label).
async fn upload_files(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let multipart = match multipart {
        Ok(m) => m,
        Err(e) => return fail(&state, multipart_error(e.status(), e.body_text())),
    };
    let checked = |fields: &[(String, String)]| {
        staff.check(field(fields, "csrf"))?;
        staff.require(Role::Editor)
    };
    let sent = match read_multipart(multipart, checked).await {
        Ok(sent) => sent,
        Err(e) => return fail(&state, e),
    };
    let stored = match state.archive.reader(&staff.viewer).get(&id).await {
        Ok(s) => s,
        Err(e) => return fail(&state, e),
    };
    let opened: u32 = field(&sent.fields, "opened").parse().unwrap_or(0);
    let note = field(&sent.fields, "note").to_string();
    let labels_text = field(&sent.fields, "labels").replace("\r\n", "\n");
    let keep = |v: &mut FilesView| {
        v.labels = labels_text.clone();
        v.note = note.clone();
    };
    let refuse = |problem: String| {
        files_page(&state, &staff, &stored, StatusCode::BAD_REQUEST, |v| {
            v.problems = vec![problem];
            keep(v);
        })
    };
    if stored.revision != opened {
        return files_page(&state, &staff, &stored, StatusCode::CONFLICT, |v| {
            v.conflict = Some(files_conflict(&stored, opened));
            keep(v);
        });
    }
    let files = Sent::pages(sent.files);
    if files.is_empty() {
        return refuse("Choose one or more files to upload.".into());
    }
    let mut labels: Vec<&str> = labels_text.lines().collect();
    while labels.last().is_some_and(|l| l.trim().is_empty()) {
        labels.pop();
    }
    if labels.len() > files.len() {
        return refuse(format!(
            "labels: {} lines for {} files; give one line per file, in order",
            labels.len(),
            files.len()
        ));
    }
    let count = files.len();
    let uploads: Vec<Upload> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| Upload::sent(f.name, f.bytes, labels.get(i).copied()))
        .collect();
    let result = state
        .archive
        .attach(&staff.viewer, &id, uploads, Some(opened), &note)
        .await;
    let done = format!("Attached {count} file{}", if count == 1 { "" } else { "s" });
    files_saved(&state, &staff, &id, opened, result, done, keep).await
}

/// `POST /desk/records/{id}/files`: the list of pages sent back, with their
/// labels (`file.N.sha256`, `file.N.label`, `file.N.remove`) and the button
/// pressed (`action`: `save`, `up.N`, `down.N`, `remove.N`), as one new
/// revision.
async fn manage_files(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let stored = match editing(&state, &staff, &pairs, &id).await {
        Ok(s) => s,
        Err(e) => return fail(&state, e),
    };
    let opened: u32 = field(&pairs, "opened").parse().unwrap_or(0);
    let note = field(&pairs, "note").to_string();
    if stored.revision != opened {
        return files_page(&state, &staff, &stored, StatusCode::CONFLICT, |v| {
            v.conflict = Some(files_conflict(&stored, opened));
            v.note = note.clone();
        });
    }
    let mut rows: Vec<usize> = pairs
        .iter()
        .filter_map(|(k, _)| {
            let rest = k.strip_prefix("file.")?;
            rest.strip_suffix(".sha256")?.parse().ok()
        })
        .collect();
    rows.sort_unstable();
    rows.dedup();
    // (sha256, label, removed), in the order shown.
    let mut list: Vec<(String, String, bool)> = rows
        .iter()
        .map(|i| {
            let f = |name: &str| field(&pairs, &format!("file.{i}.{name}"));
            (
                f("sha256").trim().to_string(),
                f("label").trim().to_string(),
                !f("remove").is_empty(),
            )
        })
        .collect();
    let action = field(&pairs, "action");
    let position = |n: &str| rows.iter().position(|r| r.to_string() == n);
    let done = match action.split_once('.') {
        Some(("up", n)) => match position(n) {
            Some(at) if at > 0 => {
                list.swap(at, at - 1);
                format!("Moved page {} up", at + 1)
            }
            _ => "Nothing to move".to_string(),
        },
        Some(("down", n)) => match position(n) {
            Some(at) if at + 1 < list.len() => {
                list.swap(at, at + 1);
                format!("Moved page {} down", at + 1)
            }
            _ => "Nothing to move".to_string(),
        },
        Some(("remove", n)) => match position(n) {
            Some(at) => {
                list[at].2 = true;
                format!("Removed page {}", at + 1)
            }
            None => "Nothing to remove".to_string(),
        },
        _ if action.is_empty() || action == "save" => {
            let removed = list.iter().filter(|(_, _, r)| *r).count();
            match removed {
                0 => "Saved the labels".to_string(),
                n => format!("Removed {n} page{}", if n == 1 { "" } else { "s" }),
            }
        }
        _ => {
            return fail(
                &state,
                WebError::bad_request(format!(
                    "action: {action:?} is not save, up.N, down.N or remove.N"
                )),
            );
        }
    };
    let files: Vec<crate::model::DigitalObject> = list
        .into_iter()
        .filter(|(_, _, removed)| !removed)
        .map(|(sha, label, _)| {
            let known = stored.record.files.iter().find(|f| f.sha256 == sha);
            crate::model::DigitalObject {
                label: Some(label).filter(|l| !l.is_empty()),
                ..known
                    .cloned()
                    .unwrap_or_else(|| crate::model::DigitalObject {
                        sha256: sha.clone(),
                        media_type: String::new(),
                        name: sha.clone(),
                        bytes: 0,
                        label: None,
                        width: None,
                        height: None,
                    })
            }
        })
        .collect();
    let note_or_done = match note.trim() {
        "" => done.to_lowercase(),
        _ => note.clone(),
    };
    let result = state
        .archive
        .set_files(
            &staff.viewer,
            &id,
            files,
            Vec::new(),
            Some(opened),
            &note_or_done,
        )
        .await;
    files_saved(&state, &staff, &id, opened, result, done, |v| {
        v.note = note.clone()
    })
    .await
}

/// A revision in the history list.
struct RevisionRow {
    revision: u32,
    at: String,
    by: String,
    note: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "desk_history.html")]
struct HistoryPage<'a> {
    site: &'a str,
    bar: StaffBar,
    id: String,
    title: String,
    edit_href: String,
    action: String,
    revisions: Vec<RevisionRow>,
    older: u32,
    newer: u32,
    changes: Vec<FieldChange>,
    current: u32,
}

#[derive(serde::Deserialize)]
struct Compare {
    a: Option<u32>,
    b: Option<u32>,
}

/// `GET /desk/records/{id}/history?a=N&b=M`: every revision, who made it
/// and why, the difference between any two, and revert buttons.
async fn history(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Query(compare): Query<Compare>,
) -> Response {
    let reader = state.archive.reader(&staff.viewer);
    let stored = match reader.get(&id).await {
        Ok(s) => s,
        Err(e) => return fail(&state, e),
    };
    let list = match reader.history(&id).await {
        Ok(h) => h,
        Err(e) => return fail(&state, e),
    };
    let current = stored.revision;
    let newer = compare.b.unwrap_or(current);
    let older = compare.a.unwrap_or(newer.saturating_sub(1).max(1));
    let read = |n: u32| reader.revision(&id, n);
    let changes = match (read(older).await, read(newer).await) {
        (Ok(a), Ok(b)) => diff(&a, &b),
        (Err(e), _) | (_, Err(e)) => return fail(&state, e),
    };
    page(
        StatusCode::OK,
        &HistoryPage {
            site: &state.site_name,
            bar: staff.bar(),
            title: stored.record.title.clone(),
            edit_href: desk_href(&id),
            action: format!("{}/revert", desk_href(&id)),
            revisions: list
                .iter()
                .map(|r| RevisionRow {
                    revision: r.revision,
                    at: r.recorded_at.to_string(),
                    by: match (&r.author.account, &r.author.command) {
                        (Some(account), _) => account.clone(),
                        (None, Some(command)) => format!("import ({command})"),
                        (None, None) => "import".into(),
                    },
                    note: r.author.note.clone(),
                    current: r.revision == current,
                })
                .collect(),
            id,
            older,
            newer,
            changes,
            current,
        },
    )
}

/// `POST /desk/records/{id}/revert`: the chosen revision's content as a new
/// revision.
async fn revert(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Editor) {
        return fail(&state, e);
    }
    let Ok(revision) = field(&pairs, "revision").parse::<u32>() else {
        return fail(&state, WebError::bad_request("revision: not a number"));
    };
    let opened = field(&pairs, "opened").parse::<u32>().ok();
    match state
        .archive
        .revert(&staff.viewer, &id, revision, opened, field(&pairs, "note"))
        .await
    {
        Ok(saved) => {
            let done = format!(
                "Reverted to revision {revision}: now revision {}.",
                saved.revision
            );
            let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("{}?{query}", desk_href(&id))).into_response()
        }
        Err(e) => fail(&state, e),
    }
}

/// `POST /desk/records/{id}/purge`: an admin removes a record for good.
async fn purge(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Admin) {
        return fail(&state, e);
    }
    match state
        .archive
        .purge(&staff.viewer, &id, field(&pairs, "reason"))
        .await
    {
        Ok(()) => {
            let done = format!("Record {id} purged; the audit log keeps who and why.");
            let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("/desk/?{query}")).into_response()
        }
        Err(e) => fail(&state, e),
    }
}

/// The most records one batch may name (a search's results included).
const MAX_BATCH: usize = 10_000;

#[derive(Template)]
#[template(path = "desk_batch.html")]
struct BatchPage<'a> {
    site: &'a str,
    bar: StaffBar,
    q: String,
    import: String,
    command: Option<String>,
    total: usize,
    sample: Vec<Row>,
    imports: Vec<ImportRow>,
}

/// An import batch in the list of recent imports.
struct ImportRow {
    at: String,
    href: String,
    command: String,
    records: u64,
    chosen: bool,
}

#[derive(serde::Deserialize)]
struct BatchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    import: String,
    command: Option<String>,
}

/// The records an import batch wrote, named by its instant and command.
async fn import_ids(
    state: &Shared,
    staff: &Staff,
    at: &str,
    command: Option<&str>,
) -> Result<Vec<String>, WebError> {
    let at = crate::clock::Timestamp::parse(at.trim())
        .map_err(|e| WebError::bad_request(format!("import: {e}")))?;
    let ids = state
        .archive
        .reader(&staff.viewer)
        .batch_records(at, command)
        .await?;
    if ids.len() > MAX_BATCH {
        return Err(WebError::bad_request(format!(
            "this import wrote {} records; a batch takes at most {MAX_BATCH}",
            ids.len()
        )));
    }
    Ok(ids)
}

/// The identifiers of every record `q` finds for staff (at most
/// [`MAX_BATCH`]).
fn search_ids(state: &Shared, staff: &Staff, q: &str) -> Result<(usize, Vec<String>), WebError> {
    let reader = state.archive.reader(&staff.viewer);
    let mut request = SearchRequest::new(q, 100);
    request.facet_limit = 0;
    let mut ids = Vec::new();
    let total = loop {
        let results = reader.search(&request)?;
        let total = results.total;
        let n = results.hits.len();
        ids.extend(results.hits.into_iter().map(|h| h.id));
        if n < request.limit || ids.len() >= total || ids.len() >= MAX_BATCH {
            break total;
        }
        request.offset += n;
    };
    if total > MAX_BATCH {
        return Err(WebError::bad_request(format!(
            "this search finds {total} records; a batch takes at most {MAX_BATCH}: narrow it"
        )));
    }
    Ok((total, ids))
}

/// `GET /desk/batch?q=…` or `?import=INSTANT`: what a search finds or an
/// import wrote, and a form to publish, embargo, withdraw or hold all of
/// it; with the recent imports to choose from.
async fn batch_page(
    State(state): State<Shared>,
    staff: Staff,
    Query(query): Query<BatchQuery>,
) -> Response {
    let q = query.q.trim().to_string();
    let import = query.import.trim().to_string();
    let command = query.command.clone();
    let found = if !import.is_empty() {
        import_ids(&state, &staff, &import, command.as_deref())
            .await
            .map(|ids| (ids.len(), ids))
    } else if !q.is_empty() {
        search_ids(&state, &staff, &q)
    } else {
        Ok((0, Vec::new()))
    };
    let (total, ids) = match found {
        Ok(found) => found,
        Err(e) => return fail(&state, e),
    };
    let reader = state.archive.reader(&staff.viewer);
    let sample_ids: Vec<&str> = ids.iter().take(50).map(String::as_str).collect();
    let mut sample = Vec::new();
    for id in sample_ids {
        if let Ok(s) = reader.get(id).await {
            sample.push(Row::new(&s));
        }
    }
    let imports = match reader.import_batches(20).await {
        Ok(list) => list,
        Err(e) => return fail(&state, e),
    };
    page(
        StatusCode::OK,
        &BatchPage {
            site: &state.site_name,
            bar: staff.bar(),
            imports: imports
                .iter()
                .map(|b| ImportRow {
                    at: b.at.to_string(),
                    href: format!(
                        "/desk/batch?{}",
                        serde_urlencoded::to_string(
                            [
                                ("import", Some(b.at.to_string())),
                                ("command", b.command.clone())
                            ]
                            .into_iter()
                            .filter_map(|(k, v)| v.map(|v| (k, v)))
                            .collect::<Vec<_>>()
                        )
                        .unwrap_or_default()
                    ),
                    command: b.command.clone().unwrap_or_else(|| "an import".into()),
                    records: b.records,
                    chosen: b.at.to_string() == import && b.command == command,
                })
                .collect(),
            q,
            import,
            command,
            total,
            sample,
        },
    )
}

/// `POST /desk/batch`: sets the visibility of the records named (`id`,
/// repeated), found (`q`) or written by an import (`import`), as one
/// all-or-nothing batch.
async fn batch(State(state): State<Shared>, staff: Staff, Form(pairs): Form<Pairs>) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Editor) {
        return fail(&state, e);
    }
    let mut ids: Vec<String> = all(&pairs, "id").into_iter().map(str::to_string).collect();
    let q = field(&pairs, "q").trim();
    if !q.is_empty() {
        match search_ids(&state, &staff, q) {
            Ok((_, found)) => ids.extend(found),
            Err(e) => return fail(&state, e),
        }
    }
    let import = field(&pairs, "import").trim();
    let command = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "command")
        .map(|(_, v)| v.as_str());
    if !import.is_empty() {
        match import_ids(&state, &staff, import, command).await {
            Ok(found) => ids.extend(found),
            Err(e) => return fail(&state, e),
        }
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return fail(&state, WebError::bad_request("no records chosen"));
    }
    let visibility = match field(&pairs, "status") {
        "published" => Visibility::Published,
        "draft" => Visibility::Draft,
        "withdrawn" => Visibility::Withdrawn,
        "embargoed" => Visibility::Embargoed {
            until: field(&pairs, "until").trim().to_string(),
        },
        other => {
            return fail(
                &state,
                WebError::bad_request(format!("status: {other:?} is not a visibility")),
            );
        }
    };
    match state
        .archive
        .set_visibility(
            &staff.viewer,
            &ids,
            visibility.clone(),
            field(&pairs, "note"),
        )
        .await
    {
        Ok(report) => {
            let done = format!(
                "{} records set to {}: {} changed, {} already so.",
                ids.len(),
                status_text(&visibility),
                report.updated,
                report.unchanged
            );
            let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("/desk/?{query}")).into_response()
        }
        Err(e) => fail(&state, e),
    }
}

#[derive(Template)]
#[template(path = "desk_tokens.html")]
struct TokensPage<'a> {
    site: &'a str,
    bar: StaffBar,
    tokens: Vec<TokenInfo>,
    created: Option<String>,
    message: Option<String>,
}

async fn tokens_page(
    state: &Shared,
    staff: &Staff,
    created: Option<String>,
    message: Option<String>,
) -> Response {
    match state.archive.tokens(&staff.name).await {
        Ok(tokens) => page(
            StatusCode::OK,
            &TokensPage {
                site: &state.site_name,
                bar: staff.bar(),
                tokens,
                created,
                message,
            },
        ),
        Err(e) => fail(state, e),
    }
}

/// `GET /desk/tokens`: the account's API tokens.
async fn tokens(State(state): State<Shared>, staff: Staff) -> Response {
    tokens_page(&state, &staff, None, None).await
}

/// `POST /desk/tokens`: create (`action=create`, `label`) or revoke
/// (`action=revoke`, `id`) one of the account's own tokens.
async fn token_action(
    State(state): State<Shared>,
    staff: Staff,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Viewer) {
        return fail(&state, e);
    }
    match field(&pairs, "action") {
        "create" => match state
            .archive
            .create_token(&staff.name, field(&pairs, "label"))
            .await
        {
            Ok((_, secret)) => {
                tokens_page(&state, &staff, Some(secret.expose().to_string()), None).await
            }
            Err(e) => fail(&state, e),
        },
        "revoke" => {
            let id = field(&pairs, "id");
            // Only one's own tokens.
            let own = match state.archive.tokens(&staff.name).await {
                Ok(list) => list.iter().any(|t| t.id.to_string() == id),
                Err(e) => return fail(&state, e),
            };
            if !own {
                return fail(
                    &state,
                    WebError::not_found(format!("no API token {id} of yours")),
                );
            }
            match state.archive.revoke_token(id).await {
                Ok(info) => {
                    let message = format!("Token {} revoked.", info.id);
                    tokens_page(&state, &staff, None, Some(message)).await
                }
                Err(e) => fail(&state, e),
            }
        }
        other => fail(
            &state,
            WebError::bad_request(format!("action: {other:?} is not create or revoke")),
        ),
    }
}

#[derive(Template)]
#[template(path = "desk_users.html")]
struct UsersPage<'a> {
    site: &'a str,
    bar: StaffBar,
    users: Vec<User>,
    roles: [Role; 3],
    message: Option<String>,
}

/// `GET /desk/users`: the accounts (admins only).
async fn users(State(state): State<Shared>, staff: Staff) -> Response {
    if let Err(e) = staff.require(Role::Admin) {
        return fail(&state, e);
    }
    users_page(&state, &staff, None).await
}

async fn users_page(state: &Shared, staff: &Staff, message: Option<String>) -> Response {
    match state.archive.users().await {
        Ok(users) => page(
            StatusCode::OK,
            &UsersPage {
                site: &state.site_name,
                bar: staff.bar(),
                users,
                roles: Role::ALL,
                message,
            },
        ),
        Err(e) => fail(state, e),
    }
}

/// `POST /desk/users`: add an account, change its role, disable or enable
/// it (admins only).
async fn user_action(
    State(state): State<Shared>,
    staff: Staff,
    Form(pairs): Form<Pairs>,
) -> Response {
    if let Err(e) = allowed(&staff, &pairs, Role::Admin) {
        return fail(&state, e);
    }
    let name = field(&pairs, "name").trim();
    let role =
        || Role::parse(field(&pairs, "role")).map_err(|e| WebError::bad_request(e.to_string()));
    let result: Result<String, WebError> = match field(&pairs, "action") {
        "add" => match (role(), Password::new(field(&pairs, "password").to_string())) {
            (Ok(role), Ok(password)) => state
                .archive
                .add_user(name, role, &password)
                .await
                .map(|_| format!("Account {name} added as {}.", role.as_str()))
                .map_err(WebError::from),
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(WebError::bad_request(e.to_string())),
        },
        "role" => match role() {
            Ok(role) => state
                .archive
                .set_role(name, role)
                .await
                .map(|_| format!("{name} is now {}.", role.as_str()))
                .map_err(WebError::from),
            Err(e) => Err(e),
        },
        "disable" | "enable" => {
            let disable = field(&pairs, "action") == "disable";
            if disable && name == staff.name {
                Err(WebError::bad_request(
                    "an admin cannot disable their own account",
                ))
            } else {
                state
                    .archive
                    .set_disabled(name, disable)
                    .await
                    .map(|_| format!("{name} {}.", if disable { "disabled" } else { "enabled" }))
                    .map_err(WebError::from)
            }
        }
        other => Err(WebError::bad_request(format!(
            "action: {other:?} is not add, role, disable or enable"
        ))),
    };
    match result {
        Ok(message) => users_page(&state, &staff, Some(message)).await,
        Err(e) => fail(&state, e),
    }
}
