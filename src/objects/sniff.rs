//! What a file is, read from its bytes, and whether its name agrees.

use super::ObjectError;
use crate::model::media_type_of_name;
use image::ImageFormat;

/// A kind of file fonds keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JPEG, PNG or TIFF image.
    Image(ImageFormat),
    /// A PDF, kept and offered for download.
    Pdf,
}

impl Kind {
    /// The media type written in the record.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Image(ImageFormat::Jpeg) => "image/jpeg",
            Kind::Image(ImageFormat::Png) => "image/png",
            Kind::Image(_) => "image/tiff",
            Kind::Pdf => "application/pdf",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Image(ImageFormat::Jpeg) => "a JPEG image",
            Kind::Image(ImageFormat::Png) => "a PNG image",
            Kind::Image(_) => "a TIFF image",
            Kind::Pdf => "a PDF",
        }
    }
}

/// The kind the bytes are, by their magic numbers.
pub fn kind_of(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(Kind::Pdf);
    }
    match image::guess_format(bytes).ok()? {
        f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Tiff) => Some(Kind::Image(f)),
        _ => None,
    }
}

/// The file's kind, if its name and its bytes agree on one fonds keeps.
pub fn check(name: &str, bytes: &[u8]) -> Result<Kind, ObjectError> {
    let claimed = media_type_of_name(name).ok_or_else(|| {
        ObjectError::Refused(format!(
            "{name:?} is not a JPEG, PNG, TIFF or PDF file name (.jpg, .png, .tif, .pdf)"
        ))
    })?;
    if bytes.is_empty() {
        return Err(ObjectError::Refused("is empty".into()));
    }
    let kind = kind_of(bytes).ok_or_else(|| {
        ObjectError::Refused(format!(
            "is named as {claimed} but its bytes are not a JPEG, PNG, TIFF or PDF"
        ))
    })?;
    if kind.media_type() != claimed {
        return Err(ObjectError::Refused(format!(
            "is named as {claimed} but its bytes are {}",
            kind.describe()
        )));
    }
    Ok(kind)
}

/// A PDF's outline holds: a header, a cross-reference pointer and an end
/// marker near the end (a truncated or damaged file has neither).
pub fn check_pdf(bytes: &[u8]) -> Result<(), ObjectError> {
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    let has = |needle: &[u8]| tail.windows(needle.len()).any(|w| w == needle);
    if !bytes.starts_with(b"%PDF-1.") && !bytes.starts_with(b"%PDF-2.") {
        return Err(ObjectError::Refused(
            "is not a PDF this archive can read (no %PDF-1.x or %PDF-2.x header)".into(),
        ));
    }
    if !has(b"%%EOF") || !has(b"startxref") {
        return Err(ObjectError::Refused(
            "is a damaged or truncated PDF (no startxref and %%EOF at its end)".into(),
        ));
    }
    Ok(())
}
