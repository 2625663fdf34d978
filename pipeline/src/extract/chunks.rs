//! Cutting a raw CSV file into chunks that start and end between records, so that the chunks are
//! parsed and cleaned on several threads and put back in file order.
//!
//! A chunk ends where the `csv` reader reading the whole file stands between two records: right
//! after the first byte of a record's terminator (after a `\n`, after the `\r` of a `\r\n`). A
//! `csv` reader started at that byte then reads the same records as the whole-file reader, and
//! its line count, offset by the lines before the chunk, is the same line count (the `csv`
//! reader counts `\n` bytes). In bytes without a quote every line end ends a record; where there
//! are quotes (a quoted field may hold a line end) the cut is found by reading the records.

use std::io::Read;

use csv::{ByteRecord, StringRecord};

/// Bytes read for one chunk (it ends at the last record end within them), at most.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;

/// Bytes of the smallest chunks [`chunk_bytes_for`] cuts.
const MIN_CHUNK_BYTES: usize = 256 << 10;

/// The chunk size for a file of `file_bytes` cleaned by `workers` threads: [`CHUNK_BYTES`] (or
/// `most`, if smaller) for big files; a small file (a daily batch's few megabytes) in at least
/// four chunks per worker, down to [`MIN_CHUNK_BYTES`], so that it too is cleaned on every core
/// instead of as one chunk on one.
pub(crate) fn chunk_bytes_for(file_bytes: u64, workers: usize, most: usize) -> usize {
    let quarter = usize::try_from(file_bytes / (4 * workers.max(1)) as u64).unwrap_or(usize::MAX);
    quarter.max(MIN_CHUNK_BYTES).min(most).max(1)
}

/// A run of whole records of a raw file.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// Place in the file: 0 for the first chunk after the header.
    pub(crate) seq: usize,
    /// The records, as written.
    pub(crate) bytes: bytes::Bytes,
    /// The line the `csv` reader of the whole file counts at the chunk's first byte.
    pub(crate) first_line: u64,
}

/// Reads a raw CSV file as its header and then chunks of whole records.
pub(crate) struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    seq: usize,
    eof: bool,
    chunk_bytes: usize,
}

impl<R> std::fmt::Debug for Splitter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Splitter")
            .field("line", &self.line)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Splitter<R> {
    /// Start reading `reader` in chunks of about `chunk_bytes`; its header record is returned
    /// with the splitter standing after it.
    pub(crate) fn open(reader: R, chunk_bytes: usize) -> csv::Result<(StringRecord, Self)> {
        let mut splitter = Splitter {
            reader,
            buf: Vec::new(),
            line: 1,
            seq: 0,
            eof: false,
            chunk_bytes: chunk_bytes.max(1),
        };
        let mut wanted = splitter.chunk_bytes;
        loop {
            splitter.fill(wanted)?;
            let mut csv = csv_reader(true, &splitter.buf[..]);
            csv.byte_headers()?;
            let end = csv.position().byte() as usize;
            // The header is whole when something follows it, or when the file ends.
            if end < splitter.buf.len() || splitter.eof {
                let header = csv_reader(true, &splitter.buf[..end]).headers()?.clone();
                splitter.line = csv.position().line();
                splitter.buf.drain(..end);
                return Ok((header, splitter));
            }
            wanted = splitter.buf.len() + splitter.chunk_bytes;
        }
    }

    /// The next chunk, or `None` at the end of the file.
    pub(crate) fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        let mut wanted = self.chunk_bytes;
        loop {
            self.fill(wanted)?;
            if self.buf.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                Some(self.buf.len())
            } else {
                record_boundary(&self.buf)
            };
            match cut {
                Some(cut) => {
                    let rest = self.buf[cut..].to_vec();
                    let mut bytes = std::mem::replace(&mut self.buf, rest);
                    bytes.truncate(cut);
                    let chunk = Chunk {
                        seq: self.seq,
                        first_line: self.line,
                        bytes: bytes.into(),
                    };
                    self.line += chunk.bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                    self.seq += 1;
                    return Ok(Some(chunk));
                }
                // One record longer than a chunk: read on.
                None => wanted = self.buf.len() + self.chunk_bytes,
            }
        }
    }

    /// The line the next chunk starts on.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Chunks returned so far.
    pub(crate) fn chunks(&self) -> usize {
        self.seq
    }

    /// Read until the buffer holds `wanted` bytes or the file ends.
    fn fill(&mut self, wanted: usize) -> std::io::Result<()> {
        while self.buf.len() < wanted && !self.eof {
            let missing = (wanted - self.buf.len()) as u64;
            let got = (&mut self.reader)
                .take(missing)
                .read_to_end(&mut self.buf)?;
            self.eof = (got as u64) < missing;
        }
        Ok(())
    }
}

/// A `csv` reader over `input` configured as every reader of raw files: the header (when there
/// is one) read by the caller, field counts checked by the caller.
pub(crate) fn csv_reader<R: Read>(has_headers: bool, input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(true)
        .from_reader(input)
}

/// The line a record starts on, read from `bytes` whose first byte is on line `first_line`, at
/// `position` as the `csv` reader gives it. That position is where the record before it ended:
/// before the `\n` of a `\r\n` and before empty lines, which are counted here.
pub(crate) fn record_line(bytes: &[u8], first_line: u64, position: &csv::Position) -> u64 {
    let before = bytes
        .get(position.byte() as usize..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count() as u64;
    first_line + position.line() - 1 + before
}

/// Where the last whole record of `buf` (which starts at a record) ends: the cut is after the
/// first byte of its terminator. `None` when `buf` holds no whole record before its last one.
fn record_boundary(buf: &[u8]) -> Option<usize> {
    if !buf.contains(&b'"') {
        let end = buf.iter().rposition(|&b| b == b'\n' || b == b'\r')?;
        let crlf = buf[end] == b'\n' && end > 0 && buf[end - 1] == b'\r';
        return Some(if crlf { end } else { end + 1 });
    }
    // A quoted field may hold line ends: read the records; the last one may be cut short, so
    // the chunk ends where it starts.
    let mut csv = csv_reader(false, buf);
    let mut record = ByteRecord::new();
    let mut last_start = 0;
    while csv.read_byte_record(&mut record).ok()? {
        last_start = record.position().map_or(0, |p| p.byte() as usize);
    }
    (last_start > 0).then_some(last_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_cut_for_every_worker_and_big_ones_in_chunks_of_at_most_the_limit() {
        // a daily batch's 3.7 MB of orders: 8 chunks for 2 workers, not 1
        assert_eq!(chunk_bytes_for(3_700_000, 2, CHUNK_BYTES), 462_500);
        // no chunk below the floor, none above the limit
        assert_eq!(chunk_bytes_for(10_000, 2, CHUNK_BYTES), MIN_CHUNK_BYTES);
        assert_eq!(chunk_bytes_for(337_000_000, 2, CHUNK_BYTES), CHUNK_BYTES);
        // a smaller limit (tests) wins over the floor
        assert_eq!(chunk_bytes_for(3_700_000, 2, 7), 7);
        assert_eq!(chunk_bytes_for(0, 0, CHUNK_BYTES), MIN_CHUNK_BYTES);
    }

    /// Records read, each with the line it starts on.
    type Records = Vec<(u64, Vec<String>)>;

    /// The records of `text` as the `csv` reader reads it whole (after the header), and as it
    /// reads its chunks of `chunk_bytes`, lines offset by the chunk's line.
    fn whole_and_chunked(text: &str, chunk_bytes: usize) -> (Records, Records) {
        let records = |bytes: &[u8], has_headers: bool, first_line: u64| {
            csv_reader(has_headers, bytes)
                .byte_records()
                .map(|r| {
                    let r = r.unwrap();
                    let fields = r
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect();
                    (
                        record_line(bytes, first_line, r.position().unwrap()),
                        fields,
                    )
                })
                .collect::<Vec<_>>()
        };
        let whole = records(text.as_bytes(), true, 1);
        let (header, mut splitter) = Splitter::open(text.as_bytes(), chunk_bytes).unwrap();
        assert_eq!(
            header,
            csv_reader(true, text.as_bytes()).headers().unwrap().clone()
        );
        let mut chunked = Vec::new();
        let mut seq = 0;
        while let Some(chunk) = splitter.next_chunk().unwrap() {
            assert_eq!(chunk.seq, seq);
            seq += 1;
            chunked.extend(records(&chunk.bytes, false, chunk.first_line));
        }
        (whole, chunked)
    }

    #[test]
    fn chunks_read_as_the_whole_file_reads() {
        let files = [
            "id,name\n1,a\n2,b\n3,c\n",
            "id,name\r\n1,a\r\n2,b\r\n\r\n3,c",
            "id,name\r1,a\r2,b\r3,c\r",
            "id,name\n1,\"two\nlines\"\n2,\"a \"\"quote\"\"\"\n\n\n3,x\"y\n4,\"z\",\n",
            "id,name\n1,\"\r\n\"\r\n2,\"\"\n3,\"unclosed\n4,d\n",
            "\u{feff}id,name\n1,a",
            "id,name",
            "",
        ];
        for text in files {
            for chunk_bytes in [1, 2, 3, 5, 8, 13, 1 << 20] {
                let (whole, chunked) = whole_and_chunked(text, chunk_bytes);
                assert_eq!(whole, chunked, "{text:?} in chunks of {chunk_bytes}");
            }
        }
    }

    #[test]
    fn a_chunk_ends_after_its_last_whole_record() {
        let text = "h\n".to_string() + &"1234567\n".repeat(100);
        let (_, mut splitter) = Splitter::open(text.as_bytes(), 20).unwrap();
        let (mut lines, mut records) = (2, 0);
        while let Some(chunk) = splitter.next_chunk().unwrap() {
            // 20 bytes hold two whole records of 8; the rest waits for the next chunk.
            assert_eq!(chunk.bytes.len(), 16);
            assert!(chunk.bytes.ends_with(b"\n"));
            assert_eq!(chunk.first_line, lines);
            lines += chunk.bytes.len() as u64 / 8;
            records += chunk.bytes.len() / 8;
        }
        assert_eq!((records, lines), (100, 102));
    }
}
