//! The IIIF Image API 3.0: parsing `{region}/{size}/{rotation}/{quality}.{format}`
//! against an image, and the `info.json` that describes one.
//!
//! Offered: regions by pixels, percent and `square`; sizes `max`, `w,`,
//! `,h`, `w,h`, `!w,h`, `pct:n`, each with `^` (upscaling); rotation by
//! multiples of 90 and mirroring; qualities default, color, gray, bitonal;
//! JPEG and PNG: level 2 and a little more. Any size larger than the region
//! needs `^`, also a `!w,h` whose best fit would enlarge it (as the official
//! validator's `size_noup` test asks): see [`confined_thumbnail`] for a
//! thumbnail request that never does.

use super::IiifError;
use crate::objects::{OutputFormat, Pyramid, Quality, RenderRequest};
use serde_json::{Value, json};

/// Most pixels an answer may have (width × height): 2048 × 2048. A render
/// reads at most four times as many pixels of tiles.
pub const MAX_AREA: u64 = 2048 * 2048;

fn bad(message: impl Into<String>) -> IiifError {
    IiifError::BadRequest(message.into())
}

fn number(text: &str, what: &str) -> Result<u32, IiifError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("{what} {text:?} is not a whole number")));
    }
    text.parse()
        .map_err(|_| bad(format!("{what} {text:?} is too large")))
}

fn decimal(text: &str, what: &str) -> Result<f64, IiifError> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
        && text != ".";
    match ok {
        true => text
            .parse()
            .map_err(|_| bad(format!("{what} {text:?} is not a number"))),
        false => Err(bad(format!("{what} {text:?} is not a number"))),
    }
}

fn four<T>(text: &str, parse: impl Fn(&str) -> Result<T, IiifError>) -> Result<[T; 4], IiifError> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 4 {
        return Err(bad(format!("region {text:?} needs four numbers x,y,w,h")));
    }
    Ok([
        parse(parts[0])?,
        parse(parts[1])?,
        parse(parts[2])?,
        parse(parts[3])?,
    ])
}

/// The region asked for, in pixels, cut to the image.
fn region(text: &str, width: u32, height: u32) -> Result<(u32, u32, u32, u32), IiifError> {
    let (x, y, w, h) = match text {
        "full" => return Ok((0, 0, width, height)),
        "square" => {
            let side = width.min(height);
            return Ok(((width - side) / 2, (height - side) / 2, side, side));
        }
        _ => match text.strip_prefix("pct:") {
            Some(pct) => {
                let [x, y, w, h] = four(pct, |t| decimal(t, "region"))?;
                let px = |p: f64, of: u32| {
                    (p * f64::from(of) / 100.0).round().min(u32::MAX as f64) as u32
                };
                (px(x, width), px(y, height), px(w, width), px(h, height))
            }
            None => {
                let [x, y, w, h] = four(text, |t| number(t, "region"))?;
                (x, y, w, h)
            }
        },
    };
    if w == 0 || h == 0 {
        return Err(bad(format!("region {text:?} is empty")));
    }
    if x >= width || y >= height {
        return Err(bad(format!(
            "region {text:?} lies outside the {width}×{height} image"
        )));
    }
    Ok((x, y, w.min(width - x), h.min(height - y)))
}

/// Scales `(rw, rh)` by `factor`, at least one pixel each way.
fn scaled(rw: u32, rh: u32, factor: f64) -> (u32, u32) {
    let s = |v: u32| ((f64::from(v) * factor).round() as u32).max(1);
    (s(rw), s(rh))
}

/// The largest size of `(rw, rh)`'s shape within [`MAX_AREA`]: what
/// `full/max` answers for an image of that size.
pub fn max_size(rw: u32, rh: u32) -> (u32, u32) {
    fit_area(rw, rh, false)
}

/// `(rw, rh)` scaled (up only when `up`) to the most pixels within
/// [`MAX_AREA`].
fn fit_area(rw: u32, rh: u32, up: bool) -> (u32, u32) {
    let area = u64::from(rw) * u64::from(rh);
    if area <= MAX_AREA && !up {
        return (rw, rh);
    }
    let factor = (MAX_AREA as f64 / area as f64).sqrt();
    let (mut w, mut h) = scaled(rw, rh, factor);
    while u64::from(w) * u64::from(h) > MAX_AREA {
        let f = f64::from(w - 1) / f64::from(rw);
        (w, h) = (w - 1, ((f64::from(rh) * f).round() as u32).max(1));
    }
    (w, h)
}

/// The size part of a request for the whole of an image of `width` ×
/// `height` within `side` × `side` pixels, and the size it answers:
/// `!side,side`, or `max` for an image that already fits (a `!w,h` that
/// would enlarge is refused without `^`).
pub fn confined_thumbnail(width: u32, height: u32, side: u32) -> (String, (u32, u32)) {
    let spec = match width <= side && height <= side {
        true => "max".to_string(),
        false => format!("!{side},{side}"),
    };
    let answer = size(&spec, width.max(1), height.max(1)).unwrap_or((width, height));
    (spec, answer)
}

/// The size asked for, given the region's size.
fn size(text: &str, rw: u32, rh: u32) -> Result<(u32, u32), IiifError> {
    let (up, spec) = match text.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (w, h) = if spec == "max" {
        fit_area(rw, rh, up)
    } else if let Some(pct) = spec.strip_prefix("pct:") {
        let n = decimal(pct, "size")?;
        if n <= 0.0 {
            return Err(bad(format!("size {text:?} is empty")));
        }
        if n > 100.0 && !up {
            return Err(bad(format!("size {text:?} enlarges: write ^{text}")));
        }
        scaled(rw, rh, n / 100.0)
    } else if let Some(fit) = spec.strip_prefix('!') {
        let (w, h) = fit
            .split_once(',')
            .ok_or_else(|| bad(format!("size {text:?} needs !w,h")))?;
        let (w, h) = (number(w, "size")?, number(h, "size")?);
        if w == 0 || h == 0 {
            return Err(bad(format!("size {text:?} is empty")));
        }
        let factor = (f64::from(w) / f64::from(rw)).min(f64::from(h) / f64::from(rh));
        // The best fit inside w×h would enlarge the region: as for `w,h`,
        // only with `^` (what the official validator's `size_noup` checks).
        if factor > 1.0 && !up {
            return Err(bad(format!(
                "size {text:?} would enlarge the {rw}×{rh} region: write ^{text} to enlarge"
            )));
        }
        let (sw, sh) = scaled(rw, rh, factor);
        (sw.min(w), sh.min(h))
    } else {
        let (w, h) = spec
            .split_once(',')
            .ok_or_else(|| bad(format!("size {text:?} is not one the Image API knows")))?;
        let (w, h) = match (w.is_empty(), h.is_empty()) {
            (true, true) => return Err(bad(format!("size {text:?} names no width or height"))),
            (false, true) => {
                let w = number(w, "size")?;
                (w, scaled(rw, rh, f64::from(w) / f64::from(rw)).1)
            }
            (true, false) => {
                let h = number(h, "size")?;
                (scaled(rw, rh, f64::from(h) / f64::from(rh)).0, h)
            }
            (false, false) => (number(w, "size")?, number(h, "size")?),
        };
        if w == 0 || h == 0 {
            return Err(bad(format!("size {text:?} is empty")));
        }
        if !up && (w > rw || h > rh) {
            return Err(bad(format!(
                "size {text:?} is larger than the {rw}×{rh} region: write ^{text} to enlarge"
            )));
        }
        (w, h)
    };
    if u64::from(w) * u64::from(h) > MAX_AREA {
        return Err(bad(format!(
            "size {text:?} gives {w}×{h} pixels, more than the {MAX_AREA} this server answers"
        )));
    }
    Ok((w, h))
}

fn rotation(text: &str) -> Result<(u16, bool), IiifError> {
    let (mirror, angle) = match text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let degrees = decimal(angle, "rotation")?;
    if degrees > 360.0 {
        return Err(bad(format!("rotation {text:?} is more than 360")));
    }
    let turn = [0u16, 90, 180, 270, 360]
        .into_iter()
        .find(|t| f64::from(*t) == degrees);
    match turn {
        Some(t) => Ok((t % 360, mirror)),
        _ => Err(IiifError::NotImplemented(format!(
            "rotation {text:?}: only multiples of 90 are offered"
        ))),
    }
}

fn quality_format(text: &str) -> Result<(Quality, OutputFormat), IiifError> {
    let (quality, format) = text
        .rsplit_once('.')
        .ok_or_else(|| bad(format!("{text:?} needs quality.format")))?;
    let quality = match quality {
        "default" => Quality::Default,
        "color" => Quality::Color,
        "gray" => Quality::Gray,
        "bitonal" => Quality::Bitonal,
        other => {
            return Err(bad(format!(
                "quality {other:?} is not one the Image API knows"
            )));
        }
    };
    let format = match format {
        "jpg" => OutputFormat::Jpg,
        "png" => OutputFormat::Png,
        "tif" | "gif" | "pdf" | "jp2" | "webp" => {
            return Err(IiifError::NotImplemented(format!(
                "format {format:?}: jpg and png are offered"
            )));
        }
        other => {
            return Err(bad(format!(
                "format {other:?} is not one the Image API knows"
            )));
        }
    };
    Ok((quality, format))
}

/// Reads an image request's four parameters against an image of
/// `width` × `height`.
pub fn parse_request(
    width: u32,
    height: u32,
    region_text: &str,
    size_text: &str,
    rotation_text: &str,
    quality_text: &str,
) -> Result<RenderRequest, IiifError> {
    let region = region(region_text, width, height)?;
    let size = size(size_text, region.2, region.3)?;
    let (rotation, mirror) = rotation(rotation_text)?;
    let (quality, format) = quality_format(quality_text)?;
    Ok(RenderRequest {
        region,
        size,
        rotation,
        mirror,
        quality,
        format,
    })
}

/// The `info.json` of an image service at `id` (its URL, without
/// `/info.json`).
pub fn info_json(id: &str, pyramid: &Pyramid) -> Value {
    let sizes: Vec<Value> = (0..pyramid.levels)
        .rev()
        .map(|l| pyramid.level_size(l))
        .filter(|(w, h)| u64::from(*w) * u64::from(*h) <= MAX_AREA)
        .map(|(w, h)| json!({"width": w, "height": h}))
        .collect();
    json!({
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": pyramid.width,
        "height": pyramid.height,
        "maxArea": MAX_AREA,
        "sizes": sizes,
        "tiles": [{
            "width": pyramid.tile,
            "height": pyramid.tile,
            "scaleFactors": pyramid.scale_factors(),
        }],
        "extraQualities": ["color", "gray", "bitonal"],
        "extraFormats": ["png"],
        "extraFeatures": ["mirroring", "regionByPct", "regionSquare", "rotationBy90s",
            "sizeByConfinedWh", "sizeByPct", "sizeByWh", "sizeUpscaling",
            "baseUriRedirect", "cors", "jsonldMediaType"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(r: &str, s: &str) -> Result<RenderRequest, IiifError> {
        parse_request(1000, 800, r, s, "0", "default.jpg")
    }

    #[test]
    fn regions_are_read_and_cut_to_the_image() {
        assert_eq!(req("full", "max").unwrap().region, (0, 0, 1000, 800));
        assert_eq!(req("square", "max").unwrap().region, (100, 0, 800, 800));
        assert_eq!(req("10,20,30,40", "max").unwrap().region, (10, 20, 30, 40));
        assert_eq!(
            req("900,700,500,500", "max").unwrap().region,
            (900, 700, 100, 100)
        );
        assert_eq!(
            req("pct:10,10,50,50", "max").unwrap().region,
            (100, 80, 500, 400)
        );
        assert!(matches!(
            req("1000,0,10,10", "max"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            req("0,0,0,10", "max"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            req("0,0,10", "max"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            req("-1,0,10,10", "max"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            req("a,b,c,d", "max"),
            Err(IiifError::BadRequest(_))
        ));
    }

    #[test]
    fn sizes_keep_the_shape_and_enlarge_only_when_asked() {
        assert_eq!(req("full", "max").unwrap().size, (1000, 800));
        assert_eq!(req("full", "500,").unwrap().size, (500, 400));
        assert_eq!(req("full", ",400").unwrap().size, (500, 400));
        assert_eq!(req("full", "pct:50").unwrap().size, (500, 400));
        assert_eq!(req("full", "!500,500").unwrap().size, (500, 400));
        assert_eq!(req("full", "300,300").unwrap().size, (300, 300));
        assert_eq!(req("0,0,100,100", "^200,").unwrap().size, (200, 200));
        assert_eq!(req("full", "!2000,800").unwrap().size, (1000, 800));
        assert_eq!(req("full", "!1000,2000").unwrap().size, (1000, 800));
        // A best fit larger than the region enlarges: only with `^`.
        assert!(matches!(
            req("full", "!2000,2000"),
            Err(IiifError::BadRequest(_))
        ));
        assert_eq!(req("full", "^!1250,2000").unwrap().size, (1250, 1000));
        assert!(matches!(
            req("full", "1001,"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            req("full", "pct:101"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(req("full", "0,"), Err(IiifError::BadRequest(_))));
        assert!(matches!(req("full", ","), Err(IiifError::BadRequest(_))));
        assert!(matches!(
            req("full", "^5000,5000"),
            Err(IiifError::BadRequest(_))
        ));
    }

    #[test]
    fn max_is_held_to_the_largest_answer() {
        let r = parse_request(6000, 8000, "full", "max", "0", "default.jpg").unwrap();
        assert!(u64::from(r.size.0) * u64::from(r.size.1) <= MAX_AREA);
        assert!(r.size.0 >= 1770 && r.size.1 >= 2360, "{:?}", r.size);
        let r = parse_request(6000, 8000, "full", "^max", "0", "default.jpg").unwrap();
        assert!(u64::from(r.size.0) * u64::from(r.size.1) <= MAX_AREA);
        let r = parse_request(100, 50, "full", "^max", "0", "default.jpg").unwrap();
        assert!(r.size.0 > 2800 && r.size.0 / r.size.1 == 2, "{:?}", r.size);
    }

    #[test]
    fn thumbnails_never_ask_to_enlarge() {
        assert_eq!(
            confined_thumbnail(1000, 800, 200),
            ("!200,200".to_string(), (200, 160))
        );
        assert_eq!(
            confined_thumbnail(150, 100, 200),
            ("max".to_string(), (150, 100))
        );
        assert_eq!(
            confined_thumbnail(150, 400, 200),
            ("!200,200".to_string(), (75, 200))
        );
        for (w, h) in [(1, 1), (199, 1), (200, 200), (201, 3), (6000, 8000)] {
            let (spec, answer) = confined_thumbnail(w, h, 200);
            let r = parse_request(w, h, "full", &spec, "0", "default.jpg").unwrap();
            assert_eq!(r.size, answer, "{w}×{h}");
        }
    }

    #[test]
    fn rotations_qualities_and_formats() {
        let r = parse_request(10, 10, "full", "max", "!90", "gray.png").unwrap();
        assert_eq!((r.rotation, r.mirror), (90, true));
        assert_eq!((r.quality, r.format), (Quality::Gray, OutputFormat::Png));
        assert!(matches!(
            parse_request(10, 10, "full", "max", "45", "default.jpg"),
            Err(IiifError::NotImplemented(_))
        ));
        assert!(matches!(
            parse_request(10, 10, "full", "max", "abc", "default.jpg"),
            Err(IiifError::BadRequest(_))
        ));
        assert!(matches!(
            parse_request(10, 10, "full", "max", "0", "default.tif"),
            Err(IiifError::NotImplemented(_))
        ));
        assert!(matches!(
            parse_request(10, 10, "full", "max", "0", "sepia.jpg"),
            Err(IiifError::BadRequest(_))
        ));
    }

    #[test]
    fn info_json_lists_tiles_and_sizes_within_the_limit() {
        let p = Pyramid {
            width: 6000,
            height: 8000,
            tile: 512,
            levels: 5,
            gray: false,
            icc: false,
        };
        let info = info_json("http://x/iiif/a/1", &p);
        assert_eq!(info["tiles"][0]["scaleFactors"], json!([1, 2, 4, 8, 16]));
        assert_eq!(info["sizes"][0], json!({"width": 375, "height": 500}));
        assert_eq!(info["sizes"].as_array().unwrap().len(), 3);
        assert_eq!(info["type"], "ImageService3");
    }
}
