//! The one way Rekey reads a config (and any other file a user points it at: a custom provider's spec, a
//! file the scan looks into): a regular file of at most [`MAX_BYTES`], or a clear error.
//!
//! A FIFO would block the reader until some other program writes to it (forever, usually), a device such
//! as `/dev/zero` (or a link to it) would grow the buffer until memory runs out, and a directory or a
//! socket is no config. So the path is looked at first (`stat`, following links as the clients do) and
//! only a regular file is opened; it is opened with `O_NONBLOCK` (a FIFO swapped in after the look then
//! does not wait for a writer) and the opened handle is checked again, so the bytes read come from the
//! file that was checked. The read itself stops after [`MAX_BYTES`] (a file that grows meanwhile cannot
//! make it unbounded).

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Seek};
use std::path::Path;

/// The largest config Rekey reads: far above any real one (the benchmark's `~/.claude.json` is 100 MB),
/// far below what would exhaust memory.
pub const MAX_BYTES: u64 = 512 << 20;

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// What a file that is not a regular file is, in words.
fn what(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    "not a regular file"
}

/// Refuse what is not a regular file, or is larger than [`MAX_BYTES`].
fn check(m: &Metadata) -> io::Result<()> {
    if !m.is_file() {
        return Err(refused(format!(
            "not a regular file but {}; Rekey reads configs only from regular files (or links to them)",
            what(m)
        )));
    }
    if m.len() > MAX_BYTES {
        return Err(too_big());
    }
    Ok(())
}

fn too_big() -> io::Error {
    refused(format!(
        "larger than {} MiB; Rekey reads no config that big",
        MAX_BYTES >> 20
    ))
}

/// Is `path` (through links) a regular file? What the scan looks at before it reads a client's file: a
/// path that is missing or is anything else is not a config of that client.
pub fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Open `path` for reading: only a regular file of at most [`MAX_BYTES`] (see the module's doc). A
/// missing file is `NotFound`, as with `File::open`.
pub fn open(path: &Path) -> io::Result<File> {
    check(&std::fs::metadata(path)?)?;
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path)?;
    check(&f.metadata()?)?;
    #[cfg(unix)]
    {
        // A regular file ignores O_NONBLOCK; it is cleared anyway so the handle is an ordinary one.
        use std::os::fd::AsRawFd;
        let fd = f.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns (through `f`), with integer arguments only.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(f)
}

/// Read a whole config (see [`open`]).
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_from(&open(path)?)
}

/// Read a whole config as UTF-8 text (see [`open`]).
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Read all of a file [`open`] opened, from its start, at most [`MAX_BYTES`]. A big file's buffer asks
/// the kernel for huge pages first: filling 100 MB of fresh 4 KiB pages costs more than copying the
/// bytes (a page fault every 4 KiB).
pub fn read_from(mut f: &File) -> io::Result<Vec<u8>> {
    f.seek(io::SeekFrom::Start(0))?;
    let len = f
        .metadata()
        .map(|m| m.len().min(MAX_BYTES) as usize)
        .unwrap_or(0);
    let mut buf = Vec::with_capacity(len + 1);
    #[cfg(target_os = "linux")]
    if len >= 8 << 20 {
        const HUGE: usize = 2 << 20;
        let start = buf.as_ptr() as usize;
        let (from, to) = (
            start.next_multiple_of(HUGE),
            (start + buf.capacity()) / HUGE * HUGE,
        );
        if to > from {
            // SAFETY: advice on a range inside an allocation this function owns; it changes no contents.
            unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) };
        }
    }
    f.take(MAX_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_BYTES {
        return Err(too_big());
    }
    Ok(buf)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mkfifo(p: &Path) {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.json");
        mkfifo(&fifo);
        let e = read(&fifo).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let zero = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read(&zero).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        let e = read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        assert_eq!(
            read(&dir.path().join("missing")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        let ok = dir.path().join("ok.json");
        std::fs::write(&ok, b"{}").unwrap();
        assert_eq!(read(&ok).unwrap(), b"{}");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&ok, &link).unwrap();
        assert_eq!(
            read(&link).unwrap(),
            b"{}",
            "a link to a regular file is read"
        );
        assert!(is_regular(&link) && !is_regular(&zero) && !is_regular(&fifo));
    }

    #[test]
    fn a_file_over_the_cap_is_refused_and_so_is_one_that_grows_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        let f = File::create(&big).unwrap();
        f.set_len(MAX_BYTES + 1).unwrap();
        let e = read(&big).unwrap_err();
        assert!(e.to_string().contains("larger than 512 MiB"), "{e}");
        // Opened while small, then grown (sparse): the read stops at the cap.
        f.set_len(10).unwrap();
        let opened = open(&big).unwrap();
        f.set_len(MAX_BYTES + 1).unwrap();
        assert!(read_from(&opened)
            .unwrap_err()
            .to_string()
            .contains("larger than"));
    }
}
