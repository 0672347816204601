//! The object store on a real folder: files checked and kept, pyramids
//! built, regions rendered from tiles, bad files refused.

use super::*;
use image::{ImageFormat, Rgb, RgbImage};

/// A test scan: four coloured quarters, so that a region's colour says
/// which part of the image it came from.
fn quarters(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| match (x < w / 2, y < h / 2) {
        (true, true) => Rgb([220, 30, 30]),
        (false, true) => Rgb([30, 200, 30]),
        (true, false) => Rgb([30, 30, 220]),
        (false, false) => Rgb([240, 240, 240]),
    })
}

fn encoded(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn objects() -> (tempfile::TempDir, Objects) {
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::in_folder(dir.path()).unwrap();
    (dir, objects)
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) < 24)
}

fn request(region: (u32, u32, u32, u32), size: (u32, u32)) -> RenderRequest {
    RenderRequest {
        region,
        size,
        rotation: 0,
        mirror: false,
        quality: Quality::Default,
        format: OutputFormat::Jpg,
    }
}

fn decode(output: &Output) -> RgbImage {
    image::load_from_memory(&output.bytes).unwrap().into_rgb8()
}

#[tokio::test]
async fn a_scan_is_kept_with_its_pyramid_and_regions_come_from_the_right_place() {
    let (_dir, objects) = objects();
    let png = encoded(&quarters(1500, 1100), ImageFormat::Png);
    let page = objects
        .ingest("p1.png", png.clone(), Some("recto".into()))
        .await
        .unwrap();
    assert_eq!(page.sha256, sha256_hex(&png));
    assert_eq!(page.media_type, "image/png");
    assert_eq!((page.width, page.height), (Some(1500), Some(1100)));
    assert_eq!(page.label.as_deref(), Some("recto"));
    assert_eq!(objects.original(&page.sha256).await.unwrap(), png);

    let shape = objects.pyramid(&page.sha256).await.unwrap();
    // 1500×1100 → 750×550 → 375×275, which fits in one tile.
    assert_eq!(shape.levels, 3);
    assert_eq!(shape.level_size(2), (375, 275));
    assert!(!shape.gray);

    // The bottom-right tile of level 0, asked for exactly, is the stored tile.
    let corner = request((1024, 1024, 476, 76), (476, 76));
    assert_eq!(shape.exact_tile(&corner), Some((0, 2, 2)));
    let tile = objects.render(&page.sha256, &shape, &corner).await.unwrap();
    assert_eq!(
        tile.bytes,
        objects.tile(&page.sha256, 0, 2, 2).await.unwrap()
    );
    assert!(near(decode(&tile).get_pixel(100, 40).0, [240, 240, 240]));

    // A region across tiles, scaled: each quarter keeps its colour.
    let whole = objects
        .render(
            &page.sha256,
            &shape,
            &request((0, 0, 1500, 1100), (300, 220)),
        )
        .await
        .unwrap();
    let img = decode(&whole);
    assert_eq!(img.dimensions(), (300, 220));
    assert!(near(img.get_pixel(20, 20).0, [220, 30, 30]));
    assert!(near(img.get_pixel(280, 20).0, [30, 200, 30]));
    assert!(near(img.get_pixel(20, 200).0, [30, 30, 220]));
    assert!(near(img.get_pixel(280, 200).0, [240, 240, 240]));

    // Turned a quarter and in grey, as PNG.
    let mut turned = request((700, 0, 100, 50), (100, 50));
    turned.rotation = 90;
    turned.quality = Quality::Gray;
    turned.format = OutputFormat::Png;
    let out = objects.render(&page.sha256, &shape, &turned).await.unwrap();
    assert_eq!(out.media_type, "image/png");
    let grey = image::load_from_memory(&out.bytes).unwrap();
    assert_eq!((grey.width(), grey.height()), (50, 100));
    assert!(!grey.color().has_color());
    // Its left half (after turning: top half) was red, its right half green.
    let top = grey.to_luma8().get_pixel(25, 10).0[0];
    let bottom = grey.to_luma8().get_pixel(25, 90).0[0];
    assert!(
        top < bottom,
        "red is darker than green in grey: {top} {bottom}"
    );
}

#[tokio::test]
async fn a_coarse_size_reads_a_coarse_level() {
    let (_dir, objects) = objects();
    let page = objects
        .ingest(
            "p.jpg",
            encoded(&quarters(2000, 1600), ImageFormat::Jpeg),
            None,
        )
        .await
        .unwrap();
    let shape = objects.pyramid(&page.sha256).await.unwrap();
    // 2000×1600 → 1000×800 → 500×400, which fits in one tile.
    assert_eq!(shape.levels, 3);
    let plan = shape.plan(&request((0, 0, 2000, 1600), (500, 400)));
    assert_eq!(
        plan.level, 2,
        "a quarter of the size reads the quarter level"
    );
    assert_eq!(plan.tiles, vec![(0, 0)]);
    let plan = shape.plan(&request((0, 0, 2000, 1600), (250, 200)));
    assert_eq!(plan.level, 2, "smaller still reads the coarsest level");
    let plan = shape.plan(&request((0, 0, 2000, 1600), (900, 720)));
    assert_eq!(plan.level, 1);
    assert_eq!(plan.tiles.len(), 4);
    let plan = shape.plan(&request((0, 0, 2000, 1600), (1200, 960)));
    assert_eq!(plan.level, 0, "less than half the size still needs level 0");
}

#[tokio::test]
async fn what_a_file_claims_to_be_is_checked_against_its_bytes() {
    let (_dir, objects) = objects();
    let png = encoded(&quarters(40, 40), ImageFormat::Png);
    let refused = |r: Result<DigitalObject, ObjectError>| match r {
        Err(ObjectError::Refused(why)) => why,
        other => panic!("not refused: {other:?}"),
    };
    let why = refused(objects.ingest("scan.jpg", png.clone(), None).await);
    assert!(why.contains("image/jpeg") && why.contains("PNG"), "{why}");
    let why = refused(objects.ingest("scan.gif", png.clone(), None).await);
    assert!(why.contains("scan.gif"), "{why}");
    let why = refused(objects.ingest("notes.pdf", b"hello".to_vec(), None).await);
    assert!(why.contains("not a JPEG, PNG, TIFF or PDF"), "{why}");

    // Truncated: the header is there, the pixels are not.
    let mut cut = encoded(&quarters(400, 400), ImageFormat::Png);
    cut.truncate(cut.len() / 2);
    let why = refused(objects.ingest("cut.png", cut, None).await);
    assert!(why.contains("cannot be decoded"), "{why}");

    let why = refused(
        objects
            .ingest("broken.pdf", b"%PDF-1.4\n1 0 obj".to_vec(), None)
            .await,
    );
    assert!(why.contains("truncated"), "{why}");
    let pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n".to_vec();
    let kept = objects.ingest("letter.pdf", pdf, None).await.unwrap();
    assert_eq!(kept.media_type, "application/pdf");
    assert_eq!(kept.width, None);
}

/// A PNG whose header claims `w`×`h` pixels, with one tiny data chunk: what
/// a decompression bomb looks like before it is inflated.
fn claimed_png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_before_it_is_decoded() {
    let (_dir, objects) = objects();
    match objects
        .ingest("bomb.png", claimed_png(50_000, 50_000), None)
        .await
    {
        Err(ObjectError::Refused(why)) => {
            assert!(
                why.contains("50000×50000") && why.contains("limit"),
                "{why}"
            )
        }
        other => panic!("not refused: {other:?}"),
    }
    let small = objects.clone().with_limits(Limits {
        max_pixels: 1000,
        ..Limits::default()
    });
    let png = encoded(&quarters(40, 40), ImageFormat::Png);
    assert!(small.ingest("p.png", png.clone(), None).await.is_err());
    assert!(objects.ingest("p.png", png, None).await.is_ok());
}

#[tokio::test]
async fn a_grey_scan_keeps_grey_tiles_and_derivatives_carry_no_exif() {
    let (_dir, objects) = objects();
    let grey = image::GrayImage::from_fn(600, 300, |x, _| image::Luma([(x % 256) as u8]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    grey.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    // An APP1 Exif segment right after SOI, as cameras and scanners write.
    let mut bytes = jpeg.into_inner();
    let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-SECRET";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((exif.len() + 2) as u16).to_be_bytes());
    app1.extend(exif);
    bytes.splice(2..2, app1);
    let page = objects.ingest("g.jpg", bytes, None).await.unwrap();
    let shape = objects.pyramid(&page.sha256).await.unwrap();
    assert!(shape.gray);
    let tile = objects.tile(&page.sha256, 0, 0, 0).await.unwrap();
    assert!(
        !tile.windows(4).any(|w| w == b"Exif") && !tile.windows(6).any(|w| w == b"SECRET"),
        "a derivative carries no EXIF"
    );
    let out = objects
        .render(&page.sha256, &shape, &request((0, 0, 600, 300), (120, 60)))
        .await
        .unwrap();
    assert!(!out.bytes.windows(6).any(|w| w == b"SECRET"));
}
