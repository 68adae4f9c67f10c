//! A loopback HTTP/1.1 proxy between the binary and moto, for fault injection.
//!
//! Point `AWS_ENDPOINT_URL` at [`Proxy::endpoint`] and every AWS request goes
//! through it, logged by operation name (`iam:CreateRole`, `s3:PutBucketCors`,
//! `kms:DescribeKey`): tests can count calls or assert that none were sent,
//! make chosen operations fail, hang or lose their connection, and slow every
//! request down to measure sequential round trips (wall time / delay ≈ depth).
//! Beside the requests it also counts the connections it accepted and the
//! requests it could not parse, so "nothing was sent" covers bytes that never
//! made a request.
//!
//! The service comes from the SigV4 credential scope; the operation from the
//! query protocol's `Action`, the JSON protocol's `X-Amz-Target`, or the S3
//! method, path and sub-resource flag (path-style addressing only). Requests
//! reach moto byte for byte, `Host` header included, each on a fresh upstream
//! connection; responses are re-framed with `Content-Length`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Longest request or response head accepted, in bytes.
const MAX_HEAD: usize = 64 * 1024;
/// How long to wait on moto before answering the client `502`.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

/// What to do to a request whose operation matches an injected rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with an AWS error in the operation's protocol format, without
    /// forwarding (nothing happens in moto).
    Error {
        /// HTTP status code.
        status: u16,
        /// AWS error code, e.g. `AccessDenied`.
        code: String,
        /// Error message.
        message: String,
    },
    /// Forward, and delay the response by this long.
    Delay(Duration),
    /// Forward (so the write happens in moto), then never answer: hold the
    /// client connection open, silent, until the client gives up or the proxy
    /// is dropped.
    DropResponse,
    /// Close the client connection without forwarding (a connection reset /
    /// server died).
    Close,
}

impl Fault {
    /// An AWS error with this HTTP status, error code and message.
    pub fn error(status: u16, code: &str, message: &str) -> Fault {
        let (code, message) = (code.to_string(), message.to_string());
        Fault::Error {
            status,
            code,
            message,
        }
    }

    /// `400 Throttling`, IAM and STS's throttling error (SDKs retry it for any service).
    pub fn throttling() -> Fault {
        Fault::error(400, "Throttling", "Rate exceeded")
    }

    /// `503 SlowDown`, S3's throttling error (retried).
    pub fn slow_down() -> Fault {
        Fault::error(503, "SlowDown", "Please reduce your request rate.")
    }

    /// `400 ThrottlingException`, KMS's throttling error (retried).
    pub fn throttling_exception() -> Fault {
        Fault::error(400, "ThrottlingException", "Rate exceeded")
    }

    /// `403 AccessDenied`, as IAM and S3 send it (KMS: `400 AccessDeniedException`).
    pub fn access_denied(message: &str) -> Fault {
        Fault::error(403, "AccessDenied", message)
    }
}

/// Which of the matching requests an injected fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// Every matching request.
    Always,
    /// Only the first matching request.
    Once,
    /// The first `n` matching requests.
    N(usize),
    /// Let the first `n` matching requests through, fault the rest.
    After(usize),
}

impl Times {
    /// Whether the `seen`-th (1-based) matching request is faulted.
    fn fires(self, seen: usize) -> bool {
        match self {
            Times::Always => true,
            Times::Once => seen == 1,
            Times::N(n) => seen <= n,
            Times::After(n) => seen > n,
        }
    }
}

#[derive(Default)]
struct State {
    delay: Duration,
    /// Every answer waits until at least this long after its request arrived.
    floor: Duration,
    /// (pattern, fault, times, matching requests seen)
    rules: Vec<(String, Fault, Times, usize)>,
    log: Vec<String>,
    /// When each logged request arrived, and when its answer went out.
    spans: Vec<(Instant, Option<Instant>)>,
}

struct Shared {
    upstream_port: u16,
    stop: AtomicBool,
    state: Mutex<State>,
    /// The peer address of every connection accepted, in order.
    peers: Mutex<Vec<SocketAddr>>,
    /// The addresses of the proxy's own connections (see [`Proxy::connections`]).
    probes: Mutex<Vec<SocketAddr>>,
    /// Requests that could not be parsed (the connection was closed after each).
    unparsed: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    next_conn: AtomicU64,
    /// Live client connections, shut down when the proxy is dropped.
    conns: Mutex<HashMap<u64, TcpStream>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running proxy. Dropping it stops accepting and closes its client
/// connections (held ones too), so every thread ends.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on `127.0.0.1:0` forwarding to `127.0.0.1:upstream_port`.
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            upstream_port,
            stop: AtomicBool::new(false),
            state: Mutex::default(),
            peers: Mutex::default(),
            probes: Mutex::default(),
            unparsed: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            next_conn: AtomicU64::new(0),
            conns: Mutex::default(),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("proxy-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .expect("spawn the proxy accept thread");
        Proxy {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// The port the proxy listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The endpoint URL for the client: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// Sleeps this long before handling each request, faulted ones included
    /// (`Duration::ZERO` turns it off).
    pub fn delay_every_request(&self, d: Duration) {
        lock(&self.shared.state).delay = d;
    }

    /// Answers every request no sooner than `d` after it arrived, like a remote service whose
    /// calls take `d`: the request is forwarded at once, so moto's own time (it serves one
    /// request at a time) overlaps the wait instead of adding to it. `Duration::ZERO` turns it
    /// off.
    pub fn latency_floor(&self, d: Duration) {
        lock(&self.shared.state).floor = d;
    }

    /// Applies `fault` to requests for `op`: `"iam:CreateRole"`, `"s3:*"` (a
    /// whole service) or `"*"`. Each rule counts the matching requests from now
    /// on; when several fire for one request the earliest injected wins.
    pub fn inject(&self, op: &str, fault: Fault, times: Times) {
        lock(&self.shared.state)
            .rules
            .push((op.to_string(), fault, times, 0));
    }

    /// Removes every injected fault (the per-request delay stays).
    pub fn clear_faults(&self) {
        lock(&self.shared.state).rules.clear();
    }

    /// Forgets the requests logged so far.
    pub fn clear_requests(&self) {
        let mut state = lock(&self.shared.state);
        state.log.clear();
        state.spans.clear();
    }

    /// Each request with its arrival and answer, in milliseconds since the first arrival.
    pub fn timeline(&self) -> Vec<(String, u128, Option<u128>)> {
        let state = lock(&self.shared.state);
        let Some(first) = state.spans.iter().map(|s| s.0).min() else {
            return Vec::new();
        };
        let ms = |t: Instant| t.duration_since(first).as_millis();
        state
            .log
            .iter()
            .zip(&state.spans)
            .map(|(op, (start, end))| (op.clone(), ms(*start), end.map(ms)))
            .collect()
    }

    /// The longest chain of requests in which each was sent only after the one before it was
    /// answered: the number of round trips a client waited for one after another.
    pub fn depth(&self) -> usize {
        let mut spans = lock(&self.shared.state).spans.clone();
        spans.sort_by_key(|s| s.0);
        let mut chain = vec![1; spans.len()];
        for i in 0..spans.len() {
            for j in 0..i {
                if spans[j].1.is_some_and(|end| end <= spans[i].0) {
                    chain[i] = chain[i].max(chain[j] + 1);
                }
            }
        }
        chain.into_iter().max().unwrap_or(0)
    }

    /// The operation names received so far, faulted ones included, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.state).log.clone()
    }

    /// How many requests for `op` were received.
    pub fn count(&self, op: &str) -> usize {
        lock(&self.shared.state)
            .log
            .iter()
            .filter(|o| *o == op)
            .count()
    }

    /// How many requests were received (parsed ones; see [`Proxy::unparsed`]).
    pub fn total(&self) -> usize {
        lock(&self.shared.state).log.len()
    }

    /// How many client connections were accepted since the proxy started, whether or not a
    /// request came over them.
    ///
    /// A client can connect and go away before the accept loop takes its connection, so this
    /// first connects once itself and waits until that connection is accepted: the listen
    /// queue is first in, first out, so every connection made before the call is counted.
    /// The proxy's own connections are not.
    pub fn connections(&self) -> usize {
        let probe = TcpStream::connect(self.addr).expect("connect to the proxy");
        let me = probe.local_addr().expect("the probe's address");
        lock(&self.shared.probes).push(me);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lock(&self.shared.peers).contains(&me) {
            assert!(
                Instant::now() < deadline,
                "the proxy did not accept its own connection within 10 s"
            );
            thread::sleep(Duration::from_millis(1));
        }
        let probes = lock(&self.shared.probes);
        let peers = lock(&self.shared.peers);
        peers.iter().filter(|p| !probes.contains(p)).count()
    }

    /// How many requests arrived that the proxy could not parse as HTTP/1.1 (bytes that are
    /// not a request line and header fields, a head or body cut short). Each is neither
    /// logged nor answered: the proxy closes the connection.
    pub fn unparsed(&self) -> usize {
        self.shared.unparsed.load(SeqCst)
    }

    /// The peak number of requests being handled at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        // Wake the blocking accept so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        for conn in lock(&self.shared.conns).values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(SeqCst) {
            return;
        }
        let accepted = conn.and_then(|c| Ok((c.peer_addr()?, c.try_clone()?, c)));
        let Ok((peer, conn, registered)) = accepted else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        lock(&shared.peers).push(peer);
        let id = shared.next_conn.fetch_add(1, SeqCst);
        lock(&shared.conns).insert(id, registered);
        let shared = Arc::clone(shared);
        let _ = thread::Builder::new()
            .name("proxy-conn".into())
            .spawn(move || {
                let _ = serve(&shared, conn);
                lock(&shared.conns).remove(&id);
            });
    }
}

/// Counts a request as in flight until dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, SeqCst);
    }
}

/// A request line or status line, and the header fields.
struct Head {
    start: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        let found = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }

    fn get(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        let mut tokens = self.values(name).flat_map(|v| v.split(','));
        tokens.any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

struct Request {
    /// `service:Operation`, see [`operation_name`].
    op: String,
    method: String,
    target: String,
    head: Head,
    /// The body exactly as received (still chunk-framed if it was chunked).
    raw: Vec<u8>,
    /// The body without chunk framing.
    body: Vec<u8>,
}

/// Serves one client connection, request after request (keep-alive).
fn serve(shared: &Shared, mut client: TcpStream) -> io::Result<()> {
    client.set_nodelay(true)?;
    let mut reader = BufReader::new(client.try_clone()?);
    while !shared.stop.load(SeqCst) {
        let (req, keep_alive) = match read_request(&mut reader, &mut client) {
            Ok(Some(read)) => read,
            Ok(None) => return Ok(()),
            Err(err) => {
                // Bytes that are not a request; an I/O error (a reset) is not one.
                if err.kind() == io::ErrorKind::InvalidData {
                    shared.unparsed.fetch_add(1, SeqCst);
                }
                return Err(err);
            }
        };
        let guard = InFlight::enter(shared);
        let op = &req.op;
        let arrived = Instant::now();
        let (delay, floor, fault, seq) = {
            let mut state = lock(&shared.state);
            state.log.push(op.clone());
            state.spans.push((Instant::now(), None));
            let mut fault = None;
            for (pattern, rule_fault, times, seen) in &mut state.rules {
                if op_matches(pattern, op) {
                    *seen += 1;
                    if fault.is_none() && times.fires(*seen) {
                        fault = Some(rule_fault.clone());
                    }
                }
            }
            (state.delay, state.floor, fault, state.log.len())
        };
        thread::sleep(delay);
        let response = match fault {
            None => forward(shared.upstream_port, &req),
            Some(Fault::Error {
                status,
                code,
                message: msg,
            }) => Ok(error_response(&req, status, &code, &msg, seq)),
            Some(Fault::Delay(d)) => {
                let response = forward(shared.upstream_port, &req);
                thread::sleep(d);
                response
            }
            Some(Fault::DropResponse) => {
                let _ = forward(shared.upstream_port, &req);
                drop(guard);
                // Stay silent until the client (or `Proxy::drop`) closes the connection.
                while matches!(reader.read(&mut [0; 4096]), Ok(n) if n > 0) {}
                return Ok(());
            }
            Some(Fault::Close) => return client.shutdown(Shutdown::Both),
        };
        let (response, keep_alive) = match response {
            Ok(response) => (response, keep_alive),
            Err(err) => (
                Response::new("502 Bad Gateway", &[], err.to_string()),
                false,
            ),
        };
        thread::sleep(floor.saturating_sub(arrived.elapsed()));
        client.write_all(&response.to_bytes(keep_alive))?;
        if let Some(span) = lock(&shared.state).spans.get_mut(seq - 1) {
            span.1 = Some(Instant::now());
        }
        drop(guard);
        if !keep_alive {
            break;
        }
    }
    Ok(())
}

/// Reads one request and whether the client keeps the connection open after it; `None` on a
/// clean close before it. Errors of kind `InvalidData` mean the bytes were not a request.
fn read_request(
    reader: &mut impl BufRead,
    client: &mut TcpStream,
) -> io::Result<Option<(Request, bool)>> {
    let Some(head) = read_head(reader)? else {
        return Ok(None);
    };
    let mut start = head.start.split(' ').map(str::to_string);
    let (Some(method), Some(target), Some(version)) = (start.next(), start.next(), start.next())
    else {
        return Err(bad("malformed request line"));
    };
    let keep_alive = match version.as_str() {
        "HTTP/1.0" => head.has_token("connection", "keep-alive"),
        _ => !head.has_token("connection", "close"),
    };
    if head.has_token("expect", "100-continue") {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let (raw, body) = read_body(reader, &head, false)?;
    let mut req = Request {
        op: String::new(),
        method,
        target,
        head,
        raw,
        body,
    };
    req.op = operation_name(&req);
    Ok(Some((req, keep_alive)))
}

fn op_matches(pattern: &str, op: &str) -> bool {
    let service = pattern
        .strip_suffix(":*")
        .map(|s| op.split(':').next() == Some(s));
    pattern == "*" || pattern == op || service == Some(true)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Reads one line of at most `limit` bytes, without its line ending.
fn read_line(reader: &mut impl BufRead, limit: usize) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    if reader.take(limit as u64 + 1).read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(bad("line too long or cut short"));
    }
    let line = String::from_utf8(line).map_err(|_| bad("head is not UTF-8"))?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// Reads a request or response head; `None` on a clean close before it.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut start = String::new();
    while start.is_empty() {
        let Some(line) = read_line(reader, MAX_HEAD)? else {
            return Ok(None);
        };
        start = line;
    }
    let (mut headers, mut size) = (Vec::new(), start.len());
    loop {
        let line = read_line(reader, MAX_HEAD)?.ok_or_else(|| bad("head cut short"))?;
        size += line.len();
        if size > MAX_HEAD {
            return Err(bad("head too large"));
        }
        if line.is_empty() {
            return Ok(Some(Head { start, headers }));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
}

/// Reads a body as (raw bytes, de-chunked bytes): by chunked framing, by
/// `Content-Length`, else until the peer closes if `to_close`.
fn read_body(r: &mut impl BufRead, head: &Head, to_close: bool) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let (mut raw, mut body) = (Vec::new(), Vec::new());
    if !head.has_token("transfer-encoding", "chunked") {
        if let Some(len) = head.get("content-length") {
            let len: u64 = len.parse().map_err(|_| bad("bad content-length"))?;
            if r.take(len).read_to_end(&mut body)? as u64 != len {
                return Err(bad("body cut short"));
            }
        } else if to_close {
            r.read_to_end(&mut body)?;
        }
        return Ok((body.clone(), body));
    }
    loop {
        let line = read_line(r, MAX_HEAD)?.ok_or_else(|| bad("chunk cut short"))?;
        raw.extend_from_slice(format!("{line}\r\n").as_bytes());
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            break;
        }
        let start = body.len();
        if r.take(size).read_to_end(&mut body)? as u64 != size
            || read_line(r, 2)?.as_deref() != Some("")
        {
            return Err(bad("chunk cut short"));
        }
        raw.extend_from_slice(&body[start..]);
        raw.extend_from_slice(b"\r\n");
    }
    // Trailer fields, up to the blank line.
    loop {
        let line = read_line(r, MAX_HEAD)?.ok_or_else(|| bad("trailers cut short"))?;
        raw.extend_from_slice(format!("{line}\r\n").as_bytes());
        if line.is_empty() {
            return Ok((raw, body));
        }
    }
}

/// Header fields that apply to one connection only, never passed on.
fn hop_by_hop(name: &str) -> bool {
    let hop = "connection keep-alive proxy-connection expect te upgrade";
    hop.split(' ').any(|h| name.eq_ignore_ascii_case(h))
}

/// A response for the client.
struct Response {
    /// The status line after the version, e.g. `200 OK`.
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// HEAD, 204 and 304 responses: no body, `Content-Length` passed on as is.
    bodiless: bool,
}

impl Response {
    fn new(status: &str, headers: &[(&str, &str)], body: String) -> Response {
        let headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let headers = headers.collect();
        Response {
            status: status.into(),
            headers,
            body: body.into_bytes(),
            bodiless: false,
        }
    }

    fn to_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {}\r\n", self.status);
        for (name, value) in &self.headers {
            let framing = name.eq_ignore_ascii_case("transfer-encoding")
                || (!self.bodiless && name.eq_ignore_ascii_case("content-length"));
            if !hop_by_hop(name) && !framing {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if !self.bodiless {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        let connection = if keep_alive { "keep-alive" } else { "close" };
        out.push_str(&format!("Connection: {connection}\r\n\r\n"));
        [out.as_bytes(), &self.body].concat()
    }
}

/// Sends `req` to moto over a fresh connection and reads the whole response.
fn forward(upstream_port: u16, req: &Request) -> io::Result<Response> {
    let upstream = TcpStream::connect(("127.0.0.1", upstream_port))?;
    upstream.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
    upstream.set_write_timeout(Some(UPSTREAM_TIMEOUT))?;
    upstream.set_nodelay(true)?;
    let chunked = req.head.has_token("transfer-encoding", "chunked");
    let mut out = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (name, value) in &req.head.headers {
        if !(hop_by_hop(name) || chunked && name.eq_ignore_ascii_case("content-length")) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    (&upstream).write_all(&[out.as_bytes(), &req.raw].concat())?;
    let mut reader = BufReader::new(upstream);
    loop {
        let head = read_head(&mut reader)?.ok_or_else(|| bad("upstream closed"))?;
        let status = head.start.split_once(' ').map_or("", |(_, s)| s.trim());
        let code = status.get(..3).and_then(|c| c.parse::<u16>().ok());
        let (status, code) = (status.to_string(), code.ok_or_else(|| bad("bad status"))?);
        if (100..200).contains(&code) {
            continue; // an interim response
        }
        let bodiless = req.method == "HEAD" || code == 204 || code == 304;
        let body = if bodiless {
            Vec::new()
        } else {
            read_body(&mut reader, &head, true)?.1
        };
        return Ok(Response {
            status,
            headers: head.headers,
            body,
            bodiless,
        });
    }
}

/// Names a request `service:Operation`; see the module docs.
fn operation_name(req: &Request) -> String {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    // `Credential=AKID/DATE/REGION/SERVICE/aws4_request`, or `X-Amz-Credential=` if presigned.
    let auth = req
        .head
        .get("authorization")
        .unwrap_or(query)
        .replace("%2F", "/");
    let scope = auth.split("Credential=").nth(1).unwrap_or_default();
    let service = scope
        .split(['/', ',', '&'])
        .nth(3)
        .filter(|s| !s.is_empty());
    let service = service.unwrap_or("unknown");
    let op = if service == "s3" {
        s3_operation(req, path, query)
    } else if let Some(target) = req.head.get("x-amz-target") {
        target.rsplit('.').next().unwrap_or_default().to_string()
    } else {
        let form = String::from_utf8_lossy(&req.body);
        let action = query_param(&form, "Action").or_else(|| query_param(query, "Action"));
        action.unwrap_or("unknown").to_string()
    };
    format!("{service}:{op}")
}

/// The raw value of `key` in `a=1&b=2`.
fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    let mut pairs = query
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")));
    pairs.find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Query parameters that are arguments rather than S3 sub-resource flags.
const S3_ARGS: &str = "x-id list-type prefix delimiter max-keys marker continuation-token \
    start-after encoding-type fetch-owner versionId partNumber max-buckets";

/// Sub-resource flags whose operation name is not `{Verb}Bucket{Flag}`.
const S3_STEMS: &str = "publicAccessBlock=PublicAccessBlock \
    lifecycle=BucketLifecycleConfiguration notification=BucketNotificationConfiguration \
    accelerate=BucketAccelerateConfiguration";

/// Names a path-style S3 request: `GET /b?cors` is `GetBucketCors`, `PUT /b/k`
/// is `PutObject`, an unknown `POST /b?flag` is `POST?flag`.
fn s3_operation(req: &Request, path: &str, query: &str) -> String {
    let method = req.method.as_str();
    let copy = req.head.get("x-amz-copy-source").is_some();
    let path = path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let target = if key.is_empty() { "Bucket" } else { "Object" };
    let mut keys = query
        .split('&')
        .map(|p| p.split('=').next().unwrap_or_default());
    let flag = keys.find(|k| !k.is_empty() && !S3_ARGS.split_whitespace().any(|a| a == *k));
    let verb = match method {
        "GET" => "Get",
        "PUT" if copy => "Copy",
        "PUT" => "Put",
        "DELETE" => "Delete",
        "HEAD" => "Head",
        _ => "",
    };
    let name = match (method, flag) {
        ("POST", Some("delete")) => "DeleteObjects",
        ("POST", Some("uploads")) => "CreateMultipartUpload",
        ("POST", Some("uploadId")) => "CompleteMultipartUpload",
        _ if verb.is_empty() => return flag.map_or(method.into(), |f| format!("{method}?{f}")),
        ("GET", None) if bucket.is_empty() => "ListBuckets",
        ("PUT", None) if key.is_empty() => "CreateBucket",
        ("GET", None) if key.is_empty() && query_param(query, "list-type") == Some("2") => {
            "ListObjectsV2"
        }
        ("GET", None) if key.is_empty() => "ListObjects",
        (_, None) => return format!("{verb}{target}"),
        ("GET", Some("uploads")) => "ListMultipartUploads",
        ("GET", Some("versions")) => "ListObjectVersions",
        ("GET", Some("uploadId")) => "ListParts",
        ("PUT", Some("uploadId")) => "UploadPart",
        ("DELETE", Some("uploadId")) => "AbortMultipartUpload",
        ("DELETE", Some("lifecycle")) => "DeleteBucketLifecycle",
        (_, Some(flag)) => {
            let mut stems = S3_STEMS.split_whitespace();
            let stem = stems.find_map(|s| s.strip_prefix(flag)?.strip_prefix('='));
            let mut chars = flag.chars();
            let first = chars.next().unwrap_or_default().to_ascii_uppercase();
            let generic = || format!("{target}{first}{}", chars.as_str());
            return format!("{verb}{}", stem.map_or_else(generic, str::to_string));
        }
    };
    name.to_string()
}

/// An AWS error response in the request's protocol: JSON 1.1 when it has an
/// `X-Amz-Target`, REST-XML for S3, the query protocol's XML otherwise.
fn error_response(req: &Request, status: u16, code: &str, msg: &str, seq: usize) -> Response {
    let reason = if status < 500 {
        "Client Error"
    } else {
        "Server Error"
    };
    let (status, id) = (format!("{status} {reason}"), format!("proxy-{seq}"));
    if req.head.get("x-amz-target").is_some() {
        let json = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let body = format!(r#"{{"__type":"{}","message":"{}"}}"#, json(code), json(msg));
        let json_type = ("Content-Type", "application/x-amz-json-1.1");
        let headers = [
            json_type,
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", &id),
        ];
        return Response::new(&status, &headers, body);
    }
    let xml = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let error = format!("<Code>{}</Code><Message>{}</Message>", xml(code), xml(msg));
    if req.op.starts_with("s3:") {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Error>{error}<RequestId>{id}</RequestId></Error>"#
        );
        return Response::new(&status, &[("Content-Type", "application/xml")], body);
    }
    let body = format!(
        r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>{error}</Error><RequestId>{id}</RequestId></ErrorResponse>"#
    );
    Response::new(&status, &[("Content-Type", "text/xml")], body)
}
