//! Our framing layer in front of tower-lsp: repairs or rejects malformed LSP frames from the
//! client, and merges tower-lsp's output with our error replies without splitting any frame.

use serde_json::{json, Value};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Largest body we accept; a bigger Content-Length is treated as garbage.
const MAX_BODY: u64 = 256 * 1024 * 1024;
/// Largest header block we buffer before deciding it is garbage.
const MAX_HEADER: usize = 8 * 1024;
const NEEDLE: &[u8] = b"content-length:";

/// What the client has told us about the session's end, shared with the rest of the server.
#[derive(Debug, Default)]
pub struct Lifecycle {
    shutdown: AtomicBool,
    exit: AtomicBool,
}

impl Lifecycle {
    /// Neither `shutdown` nor `exit` seen yet.
    pub fn new() -> Lifecycle {
        Lifecycle::default()
    }
    /// A `shutdown` request was received.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
    /// An `exit` notification was received.
    pub fn exit_received(&self) -> bool {
        self.exit.load(Ordering::SeqCst)
    }
}

/// A complete frame for `body` (used by tests and by the server).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn log(what: &str, msg: &str) {
    eprintln!("lanes: transport ({what}): {msg}");
}

/// Reads frames from `input` until EOF or an `exit` notification, forwarding every well-formed
/// (or repaired) message to `to_server` re-framed with a correct Content-Length, and sending a
/// complete error-response frame (header + body) to `replies` for every message it rejects.
/// Shuts `to_server` down when done.
pub async fn sanitize_input<R, W>(
    input: R,
    mut to_server: W,
    replies: UnboundedSender<Vec<u8>>,
    lifecycle: Arc<Lifecycle>,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(input, "client");
    let result = async {
        while let Some(body) = reader.next_frame().await? {
            let (text, value) = match clean_message(body) {
                Ok(ok) => ok,
                Err(reply) => {
                    let _ = replies.send(reply); // only fails if the output side is gone
                    continue;
                }
            };
            let method = value.get("method").and_then(Value::as_str);
            lifecycle
                .shutdown
                .fetch_or(method == Some("shutdown"), Ordering::SeqCst);
            lifecycle
                .exit
                .fetch_or(method == Some("exit"), Ordering::SeqCst);
            to_server.write_all(&frame(text.as_bytes())).await?;
            to_server.flush().await?;
            if method == Some("exit") {
                return Ok(());
            }
        }
        Ok(())
    }
    .await;
    let shut = to_server.shutdown().await;
    result.and(shut)
}

/// Repairs a body (invalid UTF-8, lone surrogate escapes) and parses it; on failure returns the
/// complete -32700 reply frame.
fn clean_message(body: Vec<u8>) -> Result<(String, Value), Vec<u8>> {
    let text = String::from_utf8(body).unwrap_or_else(|e| {
        log("client", "replaced invalid UTF-8 in a message with U+FFFD");
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    });
    let text = match fix_surrogates(&text) {
        Some(fixed) => {
            log("client", "replaced lone surrogate escapes with \\ufffd");
            fixed
        }
        None => text,
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => Ok((text, value)),
        Err(e) => {
            log("client", &format!("rejected a message: {e}"));
            let reply = json!({
                "jsonrpc": "2.0",
                "id": recover_id(&text),
                "error": { "code": -32700, "message": format!("Parse error: {e}") },
            });
            Err(frame(reply.to_string().as_bytes()))
        }
    }
}

/// The code unit of a `\uXXXX` escape starting at `b[i]`, if there is one.
fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let digits = b.get(i + 2..i + 6)?;
    if b.get(i..i + 2) != Some(b"\\u") || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// Replaces `\uXXXX` escapes of lone surrogates with `\ufffd`; `None` if nothing changed.
fn fix_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut last, mut i) = (0, 0);
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = hex4(b, i) else {
            i += 2; // any other escape, including `\\`, is two bytes
            continue;
        };
        if (0xD800..0xDC00).contains(&unit) {
            if hex4(b, i + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low)) {
                i += 12;
                continue;
            }
        } else if !(0xDC00..0xE000).contains(&unit) {
            i += 6;
            continue;
        }
        // `i` is at a `\`, `last` after an ASCII escape: both are char boundaries.
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[last..i]);
        o.push_str("\\ufffd");
        i += 6;
        last = i;
    }
    out.map(|mut o| {
        o.push_str(&text[last..]);
        o
    })
}

/// The top-level `"id"` (number or string) of a possibly truncated JSON object, else null.
fn recover_id(text: &str) -> Value {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0i64, 0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return Value::Null;
                }
                let key = &b[i..=j];
                i = j + 1;
                while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                if depth == 1 && key == b"\"id\"" && b.get(i) == Some(&b':') {
                    let rest = b.get(i + 1..).unwrap_or_default();
                    let mut values =
                        serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
                    return match values.next() {
                        // A value running to the very end may itself be truncated.
                        Some(Ok(v))
                            if values.byte_offset() < rest.len()
                                && (v.is_i64() || v.is_u64() || v.is_string()) =>
                        {
                            v
                        }
                        _ => Value::Null,
                    };
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    Value::Null
}

/// Copies whole frames from `from_server` to `stdout`, and writes frames received on `replies`
/// between frames (never inside one). Flushes after every frame. Returns when `from_server` is
/// at EOF (after writing any replies already queued).
pub async fn merge_output<R, W>(
    from_server: R,
    mut replies: UnboundedReceiver<Vec<u8>>,
    mut stdout: W,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    enum Event {
        Read(io::Result<usize>),
        Reply(Option<Vec<u8>>),
    }
    let mut reader = FrameReader::new(from_server, "server");
    let mut replies_open = true;
    loop {
        while let Some(body) = reader.take_frame() {
            stdout.write_all(&frame(&body)).await?;
            stdout.flush().await?;
        }
        // Both branches are cancel-safe: `fill` keeps what it read in the reader's buffer.
        let event = tokio::select! {
            n = reader.fill() => Event::Read(n),
            reply = replies.recv(), if replies_open => Event::Reply(reply),
        };
        match event {
            Event::Read(n) => {
                if n? == 0 {
                    break;
                }
            }
            Event::Reply(Some(reply)) => {
                stdout.write_all(&reply).await?;
                stdout.flush().await?;
            }
            Event::Reply(None) => replies_open = false,
        }
    }
    if !reader.buf.is_empty() {
        log("server", "EOF inside a frame; dropped it");
    }
    while let Ok(reply) = replies.try_recv() {
        stdout.write_all(&reply).await?;
        stdout.flush().await?;
    }
    Ok(())
}

enum Header {
    /// A header block of `.0` bytes announcing a body of `.1` bytes.
    Complete(usize, usize),
    Incomplete,
    Invalid(&'static str),
}

/// Parses the header block at the start of `b`.
fn parse_header(b: &[u8]) -> Header {
    let (mut pos, mut length) = (0, None);
    loop {
        let Some(nl) = b
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
        else {
            return if b.len() > MAX_HEADER {
                Header::Invalid("header too long")
            } else {
                Header::Incomplete
            };
        };
        let line = &b[pos..pos + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += nl + 1;
        if pos > MAX_HEADER {
            return Header::Invalid("header too long");
        }
        if line.is_empty() {
            return match length {
                Some(body) => Header::Complete(pos, body),
                None => Header::Invalid("no Content-Length header"),
            };
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            return Header::Invalid("not a header line");
        };
        let name = line[..colon].trim_ascii();
        let token = |c: &u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.iter().all(token) {
            return Header::Invalid("not a header line");
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let value = line[colon + 1..].trim_ascii();
            if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
                return Header::Invalid("bad Content-Length");
            }
            match std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
            {
                Some(n) if n <= MAX_BODY => length = usize::try_from(n).ok(),
                _ => return Header::Invalid("Content-Length over the limit"),
            }
        }
    }
}

/// Position of the first case-insensitive `Content-Length:` in `hay`.
fn find_needle(hay: &[u8]) -> Option<usize> {
    hay.windows(NEEDLE.len())
        .position(|w| w.eq_ignore_ascii_case(NEEDLE))
}

/// Buffers bytes from a stream and cuts them into frame bodies. All progress lives in the
/// struct, so `fill` may be cancelled and `take_frame` retried at any time.
struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Where to resume looking for a next header inside a partially read body.
    scan: usize,
    /// We are skipping garbage (and have logged it once).
    skipping: bool,
    what: &'static str,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(inner: R, what: &'static str) -> Self {
        FrameReader {
            inner,
            buf: Vec::new(),
            scan: 0,
            skipping: false,
            what,
        }
    }

    /// Reads more bytes into the buffer; 0 means EOF.
    async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(8192);
        self.inner.read_buf(&mut self.buf).await
    }

    /// The next body, or `None` at EOF (a partial frame at EOF is dropped).
    async fn next_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(body) = self.take_frame() {
                return Ok(Some(body));
            }
            if self.fill().await? == 0 {
                if !self.buf.is_empty() {
                    log(self.what, "EOF inside a frame; dropped it");
                }
                return Ok(None);
            }
        }
    }

    /// Removes and returns the next complete body from the buffer, skipping garbage.
    fn take_frame(&mut self) -> Option<Vec<u8>> {
        loop {
            let (len, body) = match parse_header(&self.buf) {
                Header::Incomplete => return None,
                Header::Complete(len, body) => (len, body),
                Header::Invalid(why) => {
                    self.resync(why);
                    continue;
                }
            };
            let avail = self.buf.len() - len;
            // A next header inside the body means this Content-Length was too long.
            let mut at = len + self.scan;
            let end = len + avail.min(body);
            while let Some(p) = self
                .buf
                .get(at..)
                .and_then(find_needle)
                .map(|p| at + p)
                .filter(|&p| p < end)
            {
                match parse_header(&self.buf[p..]) {
                    Header::Complete(..) => {
                        log(self.what, "Content-Length too long; cut at next header");
                        return Some(self.split(len, p - len));
                    }
                    Header::Incomplete => {
                        self.scan = p - len;
                        return None;
                    }
                    Header::Invalid(_) => at = p + 1,
                }
            }
            if avail < body {
                self.scan = avail.saturating_sub(NEEDLE.len());
                return None;
            }
            return Some(self.split(len, body));
        }
    }

    /// Removes a header of `len` bytes and a body of `body` bytes from the buffer.
    fn split(&mut self, len: usize, body: usize) -> Vec<u8> {
        let rest = self.buf.split_off(len + body);
        let mut out = std::mem::replace(&mut self.buf, rest);
        out.drain(..len);
        self.scan = 0;
        self.skipping = false;
        out
    }

    /// Drops bytes up to the next `Content-Length:` after the first byte (or all but a tail that
    /// could start one).
    fn resync(&mut self, why: &str) {
        if !self.skipping {
            log(
                self.what,
                &format!("{why}; skipping to next Content-Length"),
            );
            self.skipping = true;
        }
        let drop = match self.buf.get(1..).and_then(find_needle) {
            Some(p) => p + 1,
            None => self.buf.len().saturating_sub(NEEDLE.len() - 1).max(1),
        };
        self.buf.drain(..drop.min(self.buf.len()));
        self.scan = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::duplex;
    use tokio::sync::mpsc::unbounded_channel;
    use tokio::time::timeout;

    const LIMIT: Duration = Duration::from_secs(5);
    const GOOD: &str = r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#;

    /// Splits `bytes` into bodies, asserting that every frame is whole and exactly framed.
    fn bodies(mut bytes: &[u8]) -> Vec<String> {
        let mut out = vec![];
        while !bytes.is_empty() {
            let Header::Complete(len, body) = parse_header(bytes) else {
                panic!("bad frame: {bytes:?}")
            };
            assert!(bytes.starts_with(format!("Content-Length: {body}\r\n\r\n").as_bytes()));
            out.push(String::from_utf8(bytes[len..len + body].to_vec()).unwrap());
            bytes = &bytes[len + body..];
        }
        out
    }

    struct Run {
        forwarded: Vec<String>,
        replies: Vec<Value>,
        lifecycle: Arc<Lifecycle>,
    }

    /// Feeds `input` in small pieces, closing it afterwards if `close`.
    async fn run_with(input: &[u8], close: bool) -> Run {
        let (mut client, server_in) = duplex(16);
        let (to_server, mut server) = duplex(16);
        let (tx, mut rx) = unbounded_channel();
        let lifecycle = Arc::new(Lifecycle::new());
        let task = tokio::spawn(sanitize_input(server_in, to_server, tx, lifecycle.clone()));
        let input = input.to_vec();
        let writer = tokio::spawn(async move {
            let _ = client.write_all(&input).await;
            (!close).then_some(client)
        });
        let mut out = vec![];
        timeout(LIMIT, server.read_to_end(&mut out))
            .await
            .expect("hang")
            .unwrap();
        timeout(LIMIT, task).await.expect("hang").unwrap().unwrap();
        let _open = writer.await.unwrap();
        let mut replies = vec![];
        while let Ok(r) = rx.try_recv() {
            let [body] = &bodies(&r)[..] else {
                panic!("reply is not one frame")
            };
            replies.push(serde_json::from_str(body).unwrap());
        }
        Run {
            forwarded: bodies(&out),
            replies,
            lifecycle,
        }
    }

    async fn run(input: &[u8]) -> Run {
        run_with(input, true).await
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[tokio::test]
    async fn normal_and_back_to_back_frames() {
        let a = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
        let r = run(&frame(a.as_bytes())).await;
        assert_eq!((r.forwarded, r.replies.len()), (vec![a.to_string()], 0));
        let r = run(&cat(&[&frame(a.as_bytes()), &frame(GOOD.as_bytes())])).await;
        assert_eq!(r.forwarded, [a, GOOD]);
        assert!(r.replies.is_empty());
    }

    #[tokio::test]
    async fn bare_newlines_and_extra_headers() {
        let r = run(b"Content-Length: 7\n\n{\"a\":1}").await;
        assert_eq!(r.forwarded, [r#"{"a":1}"#]);
        let input = b"content-length:7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Foo: 1\r\n\r\n{\"a\":1}";
        assert_eq!(run(input).await.forwarded, [r#"{"a":1}"#]);
    }

    #[tokio::test]
    async fn truncated_json_is_rejected_and_next_frame_forwarded() {
        let bad = br#"{"jsonrpc":"2.0","method":"initialized","params":{"#;
        let r = run(&cat(&[&frame(bad), &frame(GOOD.as_bytes())])).await;
        assert_eq!(r.forwarded, [GOOD]);
        let [reply] = &r.replies[..] else {
            panic!("{:?}", r.replies)
        };
        assert_eq!(
            (&reply["jsonrpc"], &reply["id"], &reply["error"]["code"]),
            (&json!("2.0"), &Value::Null, &json!(-32700))
        );
        assert!(reply["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Parse error: "));
    }

    #[test]
    fn id_recovered_from_truncated_json() {
        assert_eq!(
            recover_id(r#"{"jsonrpc":"2.0","id":7,"method":"x","params":{"#),
            json!(7)
        );
        assert_eq!(
            recover_id(r#"{"params":{"id":3},"id" : "a\"b","method"#),
            json!("a\"b")
        );
        assert_eq!(recover_id(r#"{"jsonrpc":"2.0","id":12"#), Value::Null);
        assert_eq!(recover_id(r#"{"method":"id","x":"#), Value::Null);
    }

    #[tokio::test]
    async fn content_length_twenty_bytes_short() {
        let msg = br#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"x":1}}"#;
        let header = format!("Content-Length: {}\r\n\r\n", msg.len() - 20);
        let r = run(&cat(&[header.as_bytes(), msg, &frame(GOOD.as_bytes())])).await;
        assert_eq!(r.forwarded, [GOOD]);
        let [reply] = &r.replies[..] else {
            panic!("{:?}", r.replies)
        };
        assert_eq!(reply["error"]["code"], json!(-32700));
    }

    #[tokio::test]
    async fn content_length_too_long_is_cut_at_next_header() {
        let msg = br#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}"#;
        let header = format!("Content-Length: {}\r\n\r\n", msg.len() + 20);
        let r = run(&cat(&[header.as_bytes(), msg, &frame(GOOD.as_bytes())])).await;
        assert_eq!(r.forwarded, [std::str::from_utf8(msg).unwrap(), GOOD]);
        assert!(r.replies.is_empty());
    }

    #[tokio::test]
    async fn garbage_before_header_is_skipped() {
        let r = run(&cat(&[
            b"garbage\r\n\x00\xff junk: x\r\n\r\n",
            &frame(GOOD.as_bytes()),
        ]))
        .await;
        assert_eq!((r.forwarded, r.replies.len()), (vec![GOOD.to_string()], 0));
        let r = run(&cat(&[
            b"\r\n\r\nxyz",
            &frame(b"{}"),
            b"[1,",
            &frame(GOOD.as_bytes()),
        ]))
        .await;
        assert_eq!(r.forwarded, ["{}", GOOD]);
    }

    #[tokio::test]
    async fn invalid_utf8_is_replaced() {
        let r = run(&frame(b"{\"a\":\"x\xffy\xe2\x82\"}")).await;
        assert_eq!(r.forwarded, ["{\"a\":\"x\u{FFFD}y\u{FFFD}\"}"]);
    }

    #[tokio::test]
    async fn lone_surrogate_escapes_are_replaced() {
        let body = r#"{"a":"\ud800 \udfff","b":"\ud83d\ude42","c":"\\ud800","d":"\udc00\ud800","e":"é\u00e9"}"#;
        let r = run(&frame(body.as_bytes())).await;
        let want = r#"{"a":"\ufffd \ufffd","b":"\ud83d\ude42","c":"\\ud800","d":"\ufffd\ufffd","e":"é\u00e9"}"#;
        assert_eq!(r.forwarded, [want]);
        let v: Value = serde_json::from_str(want).unwrap();
        assert_eq!(
            (v["b"].as_str(), v["c"].as_str()),
            (Some("🙂"), Some("\\ud800"))
        );
        assert_eq!(fix_surrogates(r#"{"x":"\u12"}"#), None);
    }

    #[tokio::test]
    async fn shutdown_then_exit_stops_reading() {
        let r = run(&frame(GOOD.as_bytes())).await;
        assert!(r.lifecycle.shutdown_requested() && !r.lifecycle.exit_received());
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let after = frame(br#"{"jsonrpc":"2.0","id":3,"method":"x"}"#);
        let input = cat(&[&frame(GOOD.as_bytes()), &frame(exit.as_bytes()), &after]);
        let r = run_with(&input, false).await; // stdin stays open: must still return
        assert_eq!(r.forwarded, [GOOD, exit]);
        assert!(r.lifecycle.shutdown_requested() && r.lifecycle.exit_received());
    }

    #[tokio::test]
    async fn content_length_over_limit_is_skipped() {
        let r = run(&cat(&[
            b"Content-Length: 268435457\r\n\r\n{\"big\":1}",
            &frame(GOOD.as_bytes()),
        ]))
        .await;
        assert_eq!((r.forwarded, r.replies.len()), (vec![GOOD.to_string()], 0));
        let r = run(&cat(&[
            b"Content-Length: 99999999999999999999999\r\n\r\n",
            &frame(b"{}"),
        ]))
        .await;
        assert_eq!(r.forwarded, ["{}"]);
    }

    #[tokio::test]
    async fn eof_inside_body_or_header_returns() {
        let r = run(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"").await;
        assert!(r.forwarded.is_empty() && r.replies.is_empty());
        assert!(run(b"Content-Length: 10").await.forwarded.is_empty());
        assert!(run(b"").await.forwarded.is_empty());
    }

    #[tokio::test]
    async fn merge_output_never_splits_frames() {
        let (mut server, from_server) = duplex(8);
        let (stdout, mut out) = duplex(1 << 16);
        let (tx, rx) = unbounded_channel();
        let task = tokio::spawn(merge_output(from_server, rx, stdout));
        // A reply is written promptly while the server is quiet.
        let first = frame(br#"{"reply":0}"#);
        tx.send(first.clone()).unwrap();
        let mut got = vec![0; first.len()];
        timeout(LIMIT, out.read_exact(&mut got))
            .await
            .expect("reply not written")
            .unwrap();
        assert_eq!(got, first);
        // Server frames trickle in 3-byte writes while replies keep arriving.
        let sent: Vec<String> = (0..4)
            .map(|i| {
                format!(
                    r#"{{"jsonrpc":"2.0","id":{i},"result":"{}"}}"#,
                    "x".repeat(i * 7)
                )
            })
            .collect();
        let all = sent
            .iter()
            .flat_map(|s| frame(s.as_bytes()))
            .collect::<Vec<u8>>();
        let mut replies = 0;
        for (i, chunk) in all.chunks(3).enumerate() {
            server.write_all(chunk).await.unwrap();
            if i % 4 == 0 {
                replies += 1;
                tx.send(frame(format!(r#"{{"reply":{replies}}}"#).as_bytes()))
                    .unwrap();
            }
            tokio::task::yield_now().await;
        }
        tx.send(frame(br#"{"reply":"last"}"#)).unwrap();
        drop(server);
        timeout(LIMIT, task).await.expect("hang").unwrap().unwrap();
        let mut rest = vec![];
        out.read_to_end(&mut rest).await.unwrap();
        let rest = bodies(&rest); // panics unless every frame is whole
        let (from_server, from_replies): (Vec<String>, Vec<String>) =
            rest.iter().cloned().partition(|b| b.contains("jsonrpc"));
        assert_eq!(from_server, sent);
        assert_eq!(from_replies.len(), replies + 1);
        assert_eq!(
            from_replies.last().map(String::as_str),
            Some(r#"{"reply":"last"}"#)
        );
        let last_server = rest.iter().rposition(|b| b.contains("jsonrpc"));
        // Some reply (after the first) was written before the server's last frame.
        let early_reply = rest[1..].iter().position(|b| !b.contains("jsonrpc"));
        assert!(matches!((early_reply, last_server), (Some(r), Some(l)) if r + 1 < l));
    }
}
