//! The byte side of a session: buffered input framed into command lines or
//! a message body, and replies collected until the client waits for them.
//!
//! Replies are flushed only when the input holds no further complete
//! command, i.e. right before we would block on a read; pipelined commands
//! that arrived in one packet get their replies in one write (RFC 2920).

use smtp_proto::request::receiver::{DataReceiver, DummyDataReceiver, MAX_LINE_LENGTH};
use smtp_proto::{EhloResponse, Response};
use std::fmt::Display;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

/// Longest command line we take, line end included: smtp-proto's own
/// limit, well above RFC 5321's 512 so long parameter lists still fit.
pub(super) const MAX_LINE: usize = MAX_LINE_LENGTH;

/// Room made in the input buffer before each read.
const READ_CHUNK: usize = 16 * 1024;

/// One framed command line.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The line including its line end (CRLF or a bare LF).
    Command(Vec<u8>),
    /// A line over [`MAX_LINE`], read to its end and thrown away.
    TooLong,
}

/// A message body read up to its final dot.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Body {
    /// Dot-unstuffed content, ending with the last line's CRLF.
    Complete(Vec<u8>),
    /// Over the limit; the rest was read and discarded so the session can
    /// go on. Holds the number of bytes read off the wire.
    TooBig(usize),
}

/// Why no more input can be read.
#[derive(Debug)]
pub(super) enum Stop {
    Closed,
    Timeout,
    Shutdown,
    Io(io::Error),
}

pub(super) struct Conn<T> {
    stream: T,
    input: Vec<u8>,
    /// Bytes of `input` already consumed.
    start: usize,
    /// Inside an over-long command line, dropping bytes up to its end.
    discarding: bool,
    output: Vec<u8>,
    write_timeout: Duration,
    /// A write failed or timed out: nothing more is sent.
    broken: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Conn<T> {
    pub(super) fn new(stream: T, write_timeout: Duration) -> Self {
        Self {
            stream,
            input: Vec::new(),
            start: 0,
            discarding: false,
            output: Vec::new(),
            write_timeout,
            broken: false,
        }
    }

    /// Queues a reply with an enhanced status code.
    pub(super) fn reply(
        &mut self,
        code: u16,
        [class, subject, detail]: [u8; 3],
        text: impl Display,
    ) {
        // Writing into a Vec cannot fail.
        let _ = Response::new(code, class, subject, detail, text).write(&mut self.output);
    }

    /// Queues a reply that carries no enhanced status code (greeting,
    /// HELO, 354), as RFC 2034 prescribes.
    pub(super) fn reply_plain(&mut self, code: u16, text: impl Display) {
        self.output
            .extend_from_slice(format!("{code} {text}\r\n").as_bytes());
    }

    /// Queues the multi-line EHLO reply.
    pub(super) fn reply_ehlo(&mut self, ehlo: &EhloResponse<&str>) {
        // Writing into a Vec cannot fail.
        let _ = ehlo.write(&mut self.output);
    }

    /// Sends the queued replies.
    pub(super) async fn flush(&mut self) -> Result<(), Stop> {
        if self.broken {
            return Err(Stop::Closed);
        }
        if self.output.is_empty() {
            return Ok(());
        }
        let write = async {
            self.stream.write_all(&self.output).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.write_timeout, write).await {
            Ok(Ok(())) => {
                self.output.clear();
                Ok(())
            }
            Ok(Err(error)) => {
                self.broken = true;
                Err(Stop::Io(error))
            }
            // A client that does not read its replies gets no goodbye.
            Err(_) => {
                self.broken = true;
                Err(Stop::Closed)
            }
        }
    }

    /// Sends what is queued and closes the connection, ignoring errors:
    /// the session is over either way.
    pub(super) async fn close(mut self) {
        if self.flush().await.is_ok() {
            let _ = tokio::time::timeout(self.write_timeout, self.stream.shutdown()).await;
        }
    }

    /// The next command line. Waits at most `idle` for each read, and gives
    /// up as soon as `stop` turns true while no complete line is buffered.
    pub(super) async fn next_line(
        &mut self,
        idle: Duration,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Line, Stop> {
        loop {
            let pending = &self.input[self.start..];
            if let Some(pos) = pending.iter().position(|&b| b == b'\n') {
                let end = pos + 1;
                let line = if self.discarding || end > MAX_LINE {
                    Line::TooLong
                } else {
                    Line::Command(pending[..end].to_vec())
                };
                self.discarding = false;
                self.start += end;
                return Ok(line);
            }
            if self.discarding || pending.len() >= MAX_LINE {
                self.discarding = true;
                self.start = self.input.len();
            }
            self.flush().await?;
            self.fill(idle, Some(stop)).await?;
        }
    }

    /// The message body after `354`, up to CRLF.CRLF, dot-unstuffed by
    /// smtp-proto. Past `max` bytes the rest is read but discarded. Waits at
    /// most `idle` for each read; shutdown does not interrupt a body.
    pub(super) async fn read_body(&mut self, max: usize, idle: Duration) -> Result<Body, Stop> {
        let mut receiver = DataReceiver::new();
        let mut data = Vec::new();
        // smtp-proto only takes a dot as stuffing or end when it follows a
        // CRLF it has seen; the DATA line's own CRLF plays that part for
        // the first line (else ".\r\n" or "..x" right away would be missed).
        receiver.ingest(&mut b"\r\n".iter(), &mut data);
        data.clear();
        let mut discard: Option<DummyDataReceiver> = None;
        let mut received = 0;
        loop {
            let pending = &self.input[self.start..];
            let mut bytes = pending.iter();
            let done = match discard.as_mut() {
                Some(discard) => discard.ingest(&mut bytes),
                None => receiver.ingest(&mut bytes, &mut data),
            };
            let used = pending.len() - bytes.len();
            self.start += used;
            received += used;
            if discard.is_none() && data.len() > max {
                discard = Some(DummyDataReceiver::new_data(&receiver));
                data = Vec::new();
            }
            if done {
                return Ok(match discard {
                    Some(_) => Body::TooBig(received),
                    None => Body::Complete(data),
                });
            }
            self.flush().await?;
            self.fill(idle, None).await?;
        }
    }

    /// Reads more input, dropping what was consumed.
    async fn fill(
        &mut self,
        idle: Duration,
        stop: Option<&mut watch::Receiver<bool>>,
    ) -> Result<(), Stop> {
        self.input.drain(..self.start);
        self.start = 0;
        self.input.reserve(READ_CHUNK);
        let read = tokio::time::timeout(idle, self.stream.read_buf(&mut self.input));
        let read = match stop {
            Some(stop) => tokio::select! {
                read = read => read,
                // A dropped sender means the listener is gone: stop too.
                _ = stop.wait_for(|stopping| *stopping) => return Err(Stop::Shutdown),
            },
            None => read.await,
        };
        match read {
            Ok(Ok(0)) => Err(Stop::Closed),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(Stop::Io(error)),
            Err(_) => Err(Stop::Timeout),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tokio::io::{DuplexStream, duplex};

    const SECOND: Duration = Duration::from_secs(1);

    async fn conn_with(input: &[u8]) -> (Conn<DuplexStream>, DuplexStream) {
        let (ours, mut theirs) = duplex(64 * 1024);
        theirs.write_all(input).await.unwrap();
        (Conn::new(ours, SECOND), theirs)
    }

    #[tokio::test]
    async fn body_unstuffs_the_first_line_and_leaves_pipelined_input() {
        let (mut conn, _peer) = conn_with(b"..first\r\nnext\r\n.\r\nQUIT\r\n").await;
        let body = conn.read_body(100, SECOND).await.unwrap();
        assert_eq!(body, Body::Complete(b".first\r\nnext\r\n".to_vec()));
        let (_tx, mut stop) = watch::channel(false);
        let line = conn.next_line(SECOND, &mut stop).await.unwrap();
        assert_eq!(line, Line::Command(b"QUIT\r\n".to_vec()));
    }

    #[tokio::test]
    async fn an_immediate_dot_is_an_empty_body() {
        let (mut conn, _peer) = conn_with(b".\r\n").await;
        let body = conn.read_body(100, SECOND).await.unwrap();
        assert_eq!(body, Body::Complete(Vec::new()));
    }

    #[tokio::test]
    async fn a_bare_lf_dot_does_not_end_the_body() {
        let (mut conn, _peer) = conn_with(b"a\n.\nb\r\n.\r\n").await;
        let body = conn.read_body(100, SECOND).await.unwrap();
        assert_eq!(body, Body::Complete(b"a\n.\nb\r\n".to_vec()));
    }

    #[tokio::test]
    async fn an_over_long_line_is_skipped_to_its_end() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\r\nNOOP\n");
        let (mut conn, _peer) = conn_with(&input).await;
        let (_tx, mut stop) = watch::channel(false);
        assert_eq!(
            conn.next_line(SECOND, &mut stop).await.unwrap(),
            Line::TooLong
        );
        let line = conn.next_line(SECOND, &mut stop).await.unwrap();
        assert_eq!(line, Line::Command(b"NOOP\n".to_vec()));
    }
}
