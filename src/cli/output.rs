//! Output streams that never make the command panic or fail half-way.
//!
//! `println!` panics when stdout is a closed pipe (`efa schema x | head -1`). A [`Sink`]
//! instead swallows the write: after a broken pipe everything further is discarded and
//! the command ends normally with its own exit code. Any other write error (a full disk)
//! is remembered and turned into exit code 2 at the end.

use std::io::{self, IsTerminal, Write};

/// A write target that reports success to the writer and keeps real errors for later.
pub(crate) struct Sink {
    inner: Box<dyn Write>,
    closed: bool,
    error: Option<io::Error>,
}

impl Sink {
    /// Buffered standard output.
    pub fn stdout() -> Sink {
        Sink::new(Box::new(io::BufWriter::new(io::stdout())))
    }

    /// Standard error (unbuffered).
    pub fn stderr() -> Sink {
        Sink::new(Box::new(io::stderr()))
    }

    fn new(inner: Box<dyn Write>) -> Sink {
        Sink {
            inner,
            closed: false,
            error: None,
        }
    }

    /// The first write error other than a broken pipe, if any.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    fn fail(&mut self, e: io::Error) {
        self.closed = true;
        if e.kind() != io::ErrorKind::BrokenPipe && self.error.is_none() {
            self.error = Some(e);
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.fail(e);
                Ok(buf.len())
            }
            ok => ok,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        if let Err(e) = self.inner.flush() {
            self.fail(e);
        }
        Ok(())
    }
}

/// Whether colour is wanted on a stream: it is a terminal and `NO_COLOR` is not set.
fn color_for(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour for what goes to stdout.
pub(crate) fn color_for_stdout() -> bool {
    color_for(io::stdout().is_terminal())
}

/// Colour for what goes to stderr.
pub(crate) fn color_for_stderr() -> bool {
    color_for(io::stderr().is_terminal())
}
