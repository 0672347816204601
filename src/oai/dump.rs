//! The public bulk dump (`/dump/records.jsonl.gz`): the JSON Lines of
//! `fonds export` ([`crate::export::jsonl`]), gzip-compressed, holding only
//! the records public at the moment of the dump: it walks the records
//! through the public reader ([`crate::archive::Archive::public`]), which
//! alone judges what is public.
//!
//! `fonds export` is the staff's full backup and writes every record,
//! drafts and embargoed ones included. The public dump leaves those out, so
//! its header's count is the number of public records it holds, not the
//! archive's total: a reader checks it against the lines as it would for any
//! dump. To make that count exact even while records change, the records
//! are read once, in identifier order, into a temporary file (gzip, fast
//! level) while counted; only then are the header and the records written
//! out. The dump therefore needs temporary space (`$TMPDIR`) of about a
//! third of its uncompressed size.

use crate::archive::{ArchiveErrorOrIo, PublicReader};
use crate::export::jsonl;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, Write};

/// The public records, read and counted, ready to be written out.
pub struct PublicDump {
    spool: File,
    records: u64,
}

impl PublicDump {
    /// Reads the public records into a temporary file.
    pub async fn collect(public: &PublicReader<'_>) -> Result<PublicDump, ArchiveErrorOrIo> {
        let mut spool = GzEncoder::new(BufWriter::new(tempfile::tempfile()?), Compression::fast());
        let mut records = 0;
        public
            .for_each_record(|record| {
                records += 1;
                writeln!(spool, "{}", jsonl::line(record))
            })
            .await?;
        let mut spool = spool.finish()?.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        Ok(PublicDump { spool, records })
    }

    /// How many records the dump holds (its header's count).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the dump, gzip-compressed: the header line, then the records.
    /// Returns `out`.
    pub fn write_gzip<W: Write>(self, out: W) -> io::Result<W> {
        let mut gz = GzEncoder::new(out, Compression::default());
        writeln!(gz, "{}", jsonl::header(self.records as usize))?;
        io::copy(&mut GzDecoder::new(BufReader::new(self.spool)), &mut gz)?;
        gz.finish()
    }
}

/// Collects and writes the public dump into `out`; returns the number of
/// records written.
pub async fn write_public_dump<W: Write>(
    public: &PublicReader<'_>,
    out: W,
) -> Result<u64, ArchiveErrorOrIo> {
    let dump = PublicDump::collect(public).await?;
    let records = dump.records();
    dump.write_gzip(out)?;
    Ok(records)
}
