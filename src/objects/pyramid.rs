//! Tile pyramids: an image cut into JPEG tiles at every halving of its
//! size, built once when the image is attached.

use super::render::{OutputFormat, Quality, RenderRequest};
use super::{Limits, ObjectError};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Width and height of a tile, in the pixels of its level.
pub const TILE: u32 = 512;

/// JPEG quality of tiles.
const QUALITY: u8 = 85;

/// The shape of a stored pyramid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pyramid {
    /// Full width in pixels.
    pub width: u32,
    /// Full height in pixels.
    pub height: u32,
    /// Tile size (square), in the pixels of each level.
    pub tile: u32,
    /// Number of levels: level `l` is the image at scale `1 / 2^l`; the
    /// last fits in one tile.
    pub levels: u32,
    /// Whether the tiles are grey (the image had no colour).
    pub gray: bool,
    /// Whether a colour profile is stored beside the tiles.
    pub icc: bool,
}

/// Which tiles of which level a render reads, and the part of that level
/// it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The level read.
    pub level: u32,
    /// Top-left corner of the covered part, in the level's pixels.
    pub origin: (u32, u32),
    /// Width and height of the covered part, in the level's pixels.
    pub extent: (u32, u32),
    /// The tiles (column, row) that overlap it.
    pub tiles: Vec<(u32, u32)>,
    /// The tile size.
    pub tile: u32,
}

fn ceil_div(a: u32, b: u32) -> u32 {
    a.div_ceil(b)
}

/// Where a tile is kept, under its image's folder.
pub fn tile_key(level: u32, col: u32, row: u32) -> String {
    format!("{level}/{col}_{row}.jpg")
}

impl Pyramid {
    /// Width and height of level `level`.
    pub fn level_size(&self, level: u32) -> (u32, u32) {
        let s = 1u32 << level;
        (ceil_div(self.width, s), ceil_div(self.height, s))
    }

    /// The scale factors of the levels (1, 2, 4 …).
    pub fn scale_factors(&self) -> Vec<u32> {
        (0..self.levels).map(|l| 1 << l).collect()
    }

    /// The stored tile a request asks for exactly, if it does: a tile's
    /// region at its level's size, unrotated, in JPEG, in colour.
    pub fn exact_tile(&self, r: &RenderRequest) -> Option<(u32, u32, u32)> {
        if r.rotation != 0 || r.mirror || r.format != OutputFormat::Jpg {
            return None;
        }
        let as_stored = matches!(r.quality, Quality::Default | Quality::Color)
            || (self.gray && r.quality == Quality::Gray);
        if !as_stored {
            return None;
        }
        let (x, y, w, h) = r.region;
        (0..self.levels).find_map(|level| {
            let s = 1u32 << level;
            let span = self.tile.checked_mul(s)?;
            let aligned = x % span == 0
                && y % span == 0
                && x < self.width
                && y < self.height
                && w == span.min(self.width - x)
                && h == span.min(self.height - y)
                && r.size == (ceil_div(w, s), ceil_div(h, s));
            aligned.then_some((level, x / span, y / span))
        })
    }

    /// The level and tiles a request reads: the coarsest level that still
    /// has at least as many pixels as the size asked.
    pub fn plan(&self, r: &RenderRequest) -> Plan {
        let (x, y, w, h) = r.region;
        let (tw, th) = (r.size.0.max(1), r.size.1.max(1));
        let factor = (w as f64 / tw as f64).min(h as f64 / th as f64);
        let mut level = 0;
        while level + 1 < self.levels && f64::from(1u32 << (level + 1)) <= factor {
            level += 1;
        }
        let s = 1u32 << level;
        let (lw, lh) = self.level_size(level);
        let x0 = (x / s).min(lw - 1);
        let y0 = (y / s).min(lh - 1);
        let x1 = ceil_div(x.saturating_add(w), s).clamp(x0 + 1, lw);
        let y1 = ceil_div(y.saturating_add(h), s).clamp(y0 + 1, lh);
        let t = self.tile;
        let mut tiles = Vec::new();
        for row in y0 / t..=(y1 - 1) / t {
            for col in x0 / t..=(x1 - 1) / t {
                tiles.push((col, row));
            }
        }
        Plan {
            level,
            origin: (x0, y0),
            extent: (x1 - x0, y1 - y0),
            tiles,
            tile: t,
        }
    }
}

fn reader(bytes: &[u8], format: ImageFormat, limits: Limits) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    // Room for the decoded pixels at up to 16 bits per channel with alpha.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(l);
    reader
}

fn refused(what: impl std::fmt::Display) -> ObjectError {
    ObjectError::Refused(what.to_string())
}

/// An image's size, read from its header, refused when it has more
/// pixels than the limits allow.
pub fn dimensions(
    bytes: &[u8],
    format: ImageFormat,
    limits: Limits,
) -> Result<(u32, u32), ObjectError> {
    let (w, h) = reader(bytes, format, limits)
        .into_dimensions()
        .map_err(|e| refused(format!("cannot be read as an image: {e}")))?;
    if w == 0 || h == 0 {
        return Err(refused("is an image without pixels"));
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_pixels {
        return Err(refused(format!(
            "is {w}×{h} pixels ({pixels}), more than the limit of {} (a decompression bomb \
             is refused before it is decoded)",
            limits.max_pixels
        )));
    }
    Ok((w, h))
}

fn encode_tile(tile: &DynamicImage, icc: Option<&Vec<u8>>) -> Result<Vec<u8>, ObjectError> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, QUALITY);
    if let Some(icc) = icc {
        // A profile the encoder cannot carry is left out, not fatal.
        let _ = encoder.set_icc_profile(icc.clone());
    }
    encoder
        .write_image(
            tile.as_bytes(),
            tile.width(),
            tile.height(),
            tile.color().into(),
        )
        .map_err(|e| ObjectError::Image(format!("encoding a tile: {e}")))?;
    Ok(out)
}

/// The next level down: every 2×2 block of `image` averaged into one
/// pixel (a box filter; at an odd edge the block is the pixels there are).
/// Writes straight into the half-size image, so halving needs no buffer
/// beyond the result (a general resizer keeps a full-height intermediate,
/// half the size of the source, which is what pushed a 6000×8000 scan past
/// its memory target).
fn halve(image: &DynamicImage) -> DynamicImage {
    fn blocks(src: &[u8], w: u32, h: u32, channels: usize) -> Vec<u8> {
        let (w, h) = (w as usize, h as usize);
        let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
        let mut out = vec![0u8; hw * hh * channels];
        for (oy, out_row) in out.chunks_exact_mut(hw * channels).enumerate() {
            let y0 = 2 * oy;
            let rows = if y0 + 1 < h { 2 } else { 1 };
            for ox in 0..hw {
                let x0 = 2 * ox;
                let cols = if x0 + 1 < w { 2 } else { 1 };
                let n = (rows * cols) as u32;
                for c in 0..channels {
                    let mut sum = 0u32;
                    for y in y0..y0 + rows {
                        for x in x0..x0 + cols {
                            sum += u32::from(src[(y * w + x) * channels + c]);
                        }
                    }
                    // Rounded to the nearest, never above 255.
                    out_row[ox * channels + c] = ((sum + n / 2) / n) as u8;
                }
            }
        }
        out
    }
    let (w, h) = (image.width(), image.height());
    let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
    match image {
        DynamicImage::ImageLuma8(g) => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(hw, hh, blocks(g.as_raw(), w, h, 1))
                .expect("the buffer has the half size"),
        ),
        DynamicImage::ImageRgb8(rgb) => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(hw, hh, blocks(rgb.as_raw(), w, h, 3))
                .expect("the buffer has the half size"),
        ),
        // `build` makes every level grey or RGB; anything else is converted.
        other => halve(&DynamicImage::ImageRgb8(other.to_rgb8())),
    }
}

/// Decodes the image and hands every tile (and the colour profile, as
/// `icc`) to `sink` by its key, level after level; returns the shape.
/// Memory: the file's bytes until the decode ends, then the decoded image
/// plus its half-size level.
pub fn build(
    bytes: bytes::Bytes,
    format: ImageFormat,
    limits: Limits,
    sink: &mut dyn FnMut(String, Vec<u8>),
) -> Result<Pyramid, ObjectError> {
    let (width, height) = dimensions(&bytes, format, limits)?;
    let broken = |e: image::ImageError| refused(format!("cannot be decoded: {e}"));
    let mut decoder = reader(&bytes, format, limits)
        .into_decoder()
        .map_err(broken)?;
    let icc = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|p| !p.is_empty());
    let image = DynamicImage::from_decoder(decoder).map_err(broken)?;
    drop(bytes);
    let gray = !image.color().has_color();
    let mut level_image = match gray {
        true => DynamicImage::ImageLuma8(image.into_luma8()),
        false => DynamicImage::ImageRgb8(image.into_rgb8()),
    };
    if let Some(icc) = &icc {
        sink("icc".into(), icc.clone());
    }
    let mut level = 0;
    loop {
        let (lw, lh) = (level_image.width(), level_image.height());
        for row in 0..ceil_div(lh, TILE) {
            for col in 0..ceil_div(lw, TILE) {
                let (x, y) = (col * TILE, row * TILE);
                let tile = level_image.crop_imm(x, y, TILE.min(lw - x), TILE.min(lh - y));
                sink(tile_key(level, col, row), encode_tile(&tile, icc.as_ref())?);
            }
        }
        if lw <= TILE && lh <= TILE {
            break;
        }
        level_image = halve(&level_image);
        level += 1;
    }
    Ok(Pyramid {
        width,
        height,
        tile: TILE,
        levels: level + 1,
        gray,
        icc: icc.is_some(),
    })
}

#[cfg(test)]
mod halving {
    use super::*;

    #[test]
    fn halving_averages_each_block_and_keeps_an_odd_edge() {
        // 3×3 grey: the right column and bottom row are blocks of their own.
        let g = image::GrayImage::from_raw(3, 3, vec![0, 10, 7, 20, 31, 9, 100, 200, 50]).unwrap();
        let half = halve(&DynamicImage::ImageLuma8(g));
        assert_eq!((half.width(), half.height()), (2, 2));
        // (0+10+20+31)/4 = 15.25 → 15; (7+9)/2 = 8; (100+200)/2 = 150; 50.
        assert_eq!(half.as_bytes(), &[15, 8, 150, 50]);
        let rgb = image::RgbImage::from_fn(4, 2, |x, _| image::Rgb([x as u8 * 10, 255, 1]));
        let half = halve(&DynamicImage::ImageRgb8(rgb));
        assert_eq!(half.as_bytes(), &[5, 255, 1, 25, 255, 1]);
    }
}
