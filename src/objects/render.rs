//! Rendering a region of an image at a size, from its pyramid's tiles.

use super::ObjectError;
use super::pyramid::Plan;
use bytes::Bytes;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, RgbImage, imageops};

/// The colour of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// As the image is.
    Default,
    /// In colour.
    Color,
    /// In shades of grey.
    Gray,
    /// Black and white.
    Bitonal,
}

/// The encoding of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// JPEG.
    Jpg,
    /// PNG.
    Png,
}

impl OutputFormat {
    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Jpg => "image/jpeg",
            OutputFormat::Png => "image/png",
        }
    }
}

/// A region at a size, turned and coloured: what an IIIF image request
/// means once it is checked against the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderRequest {
    /// `x, y, w, h` in the full image's pixels, inside the image.
    pub region: (u32, u32, u32, u32),
    /// Width and height of the answer before rotation.
    pub size: (u32, u32),
    /// Clockwise rotation: 0, 90, 180 or 270.
    pub rotation: u16,
    /// Mirrored (left to right) before rotation.
    pub mirror: bool,
    /// Colour.
    pub quality: Quality,
    /// Encoding.
    pub format: OutputFormat,
}

/// An encoded answer.
#[derive(Debug, Clone)]
pub struct Output {
    /// The encoded image.
    pub bytes: Bytes,
    /// Its media type.
    pub media_type: &'static str,
}

/// Puts the plan's tiles together, cuts and scales the result to the size
/// asked, turns and colours it, and encodes it.
pub fn compose(
    plan: &Plan,
    tiles: &[Bytes],
    request: &RenderRequest,
    icc: Option<Bytes>,
) -> Result<Output, ObjectError> {
    let (ew, eh) = plan.extent;
    let mut canvas = RgbImage::new(ew, eh);
    for (&(col, row), bytes) in plan.tiles.iter().zip(tiles) {
        let tile = image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
            .map_err(|e| ObjectError::Image(format!("a stored tile is unreadable: {e}")))?
            .into_rgb8();
        let x = i64::from(col * plan.tile) - i64::from(plan.origin.0);
        let y = i64::from(row * plan.tile) - i64::from(plan.origin.1);
        imageops::replace(&mut canvas, &tile, x, y);
    }
    let mut image = DynamicImage::ImageRgb8(canvas);
    let (tw, th) = (request.size.0.max(1), request.size.1.max(1));
    if (tw, th) != (ew, eh) {
        image = resized(&mut Resizer::new(), &image, tw, th, FilterType::CatmullRom)?;
    }
    if request.mirror {
        image = image.fliph();
    }
    image = match request.rotation {
        90 => image.rotate90(),
        180 => image.rotate180(),
        270 => image.rotate270(),
        _ => image,
    };
    image = match request.quality {
        Quality::Gray => DynamicImage::ImageLuma8(image.into_luma8()),
        Quality::Bitonal => {
            let mut luma = image.into_luma8();
            for p in luma.pixels_mut() {
                p.0[0] = if p.0[0] < 128 { 0 } else { 255 };
            }
            DynamicImage::ImageLuma8(luma)
        }
        Quality::Default | Quality::Color => image,
    };
    encode(&image, request.format, icc.as_deref())
}

/// `image` scaled to `w` × `h` with `filter` (the one place images are
/// resized: halving pyramid levels, sizing renders).
pub(super) fn resized(
    resizer: &mut Resizer,
    image: &DynamicImage,
    w: u32,
    h: u32,
    filter: FilterType,
) -> Result<DynamicImage, ObjectError> {
    let mut out = DynamicImage::new(w, h, image.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    resizer
        .resize(image, &mut out, &options)
        .map_err(|e| ObjectError::Image(format!("resizing: {e}")))?;
    Ok(out)
}

fn encode(
    image: &DynamicImage,
    format: OutputFormat,
    icc: Option<&[u8]>,
) -> Result<Output, ObjectError> {
    let mut out = Vec::new();
    let failed = |e: image::ImageError| ObjectError::Image(format!("encoding: {e}"));
    let (w, h, color) = (image.width(), image.height(), image.color().into());
    match format {
        OutputFormat::Jpg => {
            let mut encoder = JpegEncoder::new_with_quality(&mut out, 85);
            if let Some(icc) = icc.filter(|_| image.color().has_color()) {
                let _ = encoder.set_icc_profile(icc.to_vec());
            }
            encoder
                .write_image(image.as_bytes(), w, h, color)
                .map_err(failed)?;
        }
        OutputFormat::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            if let Some(icc) = icc.filter(|_| image.color().has_color()) {
                let _ = encoder.set_icc_profile(icc.to_vec());
            }
            encoder
                .write_image(image.as_bytes(), w, h, color)
                .map_err(failed)?;
        }
    }
    Ok(Output {
        bytes: Bytes::from(out),
        media_type: format.media_type(),
    })
}
