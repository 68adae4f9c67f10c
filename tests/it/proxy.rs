//! The test proxy's own tests: the other tests trust what it counts (bad input must send
//! nothing), what it names (faults are injected by operation) and what it measures (the
//! benchmark's depth), so each of those is checked here against a tiny upstream that answers
//! every request `200 ok`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::proxy::{Fault, Proxy, Times};

/// An upstream on a free port answering each connection's one request with `200 ok`.
fn upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the upstream");
    let port = listener.local_addr().expect("upstream address").port();
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            thread::spawn(move || answer_ok(conn));
        }
    });
    port
}

/// Reads the whole request (head and `Content-Length` body) before answering, so that no
/// unread byte turns the close into a reset.
fn answer_ok(mut conn: TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0; 4096];
    let complete = |seen: &[u8]| {
        let text = String::from_utf8_lossy(seen);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0);
        body.len() >= length
    };
    while !complete(&seen) {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
}

/// A signed-looking request for `service`: the proxy names it from the credential scope.
fn request(service: &str, start: &str, extra: &str, body: &str) -> String {
    format!(
        "{start} HTTP/1.1\r\nHost: localhost\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential=AKIDTEST/20261206/us-east-1/{service}/aws4_request, SignedHeaders=host, \
         Signature=0\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn iam(action: &str) -> String {
    let body = format!("Action={action}&Version=2010-05-08");
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    request("iam", "POST /", form, &body)
}

fn kms(target: &str) -> String {
    let extra = format!("X-Amz-Target: TrentService.{target}\r\n");
    request("kms", "POST /", &extra, "{}")
}

fn s3(start: &str) -> String {
    request("s3", start, "", "")
}

/// Sends `raw` over a new connection; the status code and body of the answer (`None`: the
/// connection was closed without one).
fn send(proxy: &Proxy, raw: &str) -> Option<(u16, String)> {
    let mut conn = TcpStream::connect(("127.0.0.1", proxy.port())).expect("connect to the proxy");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    conn.write_all(raw.as_bytes()).expect("send");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, body.to_string()))
}

#[test]
fn names_each_request_by_service_and_operation_and_counts_it() {
    let proxy = Proxy::start(upstream());
    for raw in [
        iam("GetRole"),
        kms("DescribeKey"),
        s3("GET /data-a?encryption"),
        s3("GET /data-a?policy"),
        s3("GET /data-a?requestPayment"),
        s3("PUT /data-a?cors"),
        s3("GET /data-a?location"),
        s3("GET /"),
        iam("GetRole"),
    ] {
        assert_eq!(send(&proxy, &raw), Some((200, "ok".into())), "{raw}");
    }
    let named = [
        "iam:GetRole",
        "kms:DescribeKey",
        "s3:GetBucketEncryption",
        "s3:GetBucketPolicy",
        "s3:GetBucketRequestPayment",
        "s3:PutBucketCors",
        "s3:GetBucketLocation",
        "s3:ListBuckets",
        "iam:GetRole",
    ];
    assert_eq!(proxy.requests(), named);
    assert_eq!((proxy.count("iam:GetRole"), proxy.total()), (2, 9));
    assert_eq!((proxy.connections(), proxy.unparsed()), (9, 0));
    proxy.clear_requests();
    assert_eq!((proxy.requests().len(), proxy.total()), (0, 0));
}

#[test]
fn counts_connections_that_send_nothing_and_bytes_that_are_not_a_request() {
    let proxy = Proxy::start(upstream());
    assert_eq!(proxy.connections(), 0, "its own probe is not counted");
    let quiet = TcpStream::connect(("127.0.0.1", proxy.port())).expect("connect");
    quiet.shutdown(Shutdown::Both).expect("close");
    assert_eq!(
        send(&proxy, "hello\r\n\r\n"),
        None,
        "garbage gets no answer"
    );
    assert_eq!(proxy.connections(), 2);
    assert_eq!(proxy.unparsed(), 1);
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn injected_faults_fire_on_the_matching_requests_only_as_often_as_told() {
    let proxy = Proxy::start(upstream());
    proxy.inject("iam:GetRole", Fault::throttling(), Times::N(2));
    proxy.inject("s3:*", Fault::slow_down(), Times::After(1));
    proxy.inject(
        "kms:DescribeKey",
        Fault::throttling_exception(),
        Times::Once,
    );
    let status = |raw: String| send(&proxy, &raw).map(|(status, _)| status);
    let roles: Vec<_> = (0..3).map(|_| status(iam("GetRole"))).collect();
    assert_eq!(roles, [Some(400), Some(400), Some(200)]);
    assert_eq!(status(iam("GetPolicy")), Some(200), "another operation");
    let buckets: Vec<_> = (0..3).map(|_| status(s3("GET /b?cors"))).collect();
    assert_eq!(buckets, [Some(200), Some(503), Some(503)]);
    let (code, body) = send(&proxy, &kms("DescribeKey")).expect("an answer");
    assert_eq!(code, 400);
    assert!(body.contains(r#""__type":"ThrottlingException""#), "{body}");
    let (_, body) = send(&proxy, &s3("GET /b?policy")).expect("an answer");
    assert!(body.contains("<Code>SlowDown</Code>"), "S3's XML: {body}");
    proxy.clear_faults();
    assert_eq!(status(s3("GET /b?cors")), Some(200));
    proxy.inject("iam:*", Fault::Close, Times::Once);
    assert_eq!(status(iam("GetRole")), None, "closed without an answer");
}

#[test]
fn depth_is_the_longest_chain_of_requests_sent_one_after_another() {
    let proxy = Proxy::start(upstream());
    proxy.latency_floor(Duration::from_millis(100));
    let started = Instant::now();
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| send(&proxy, &iam("GetRole")));
        }
    });
    send(&proxy, &iam("CreateRole"));
    send(&proxy, &iam("AttachRolePolicy"));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(proxy.depth(), 3, "{:?}", proxy.timeline());
    assert_eq!(proxy.max_in_flight(), 3);
    let timeline = proxy.timeline();
    assert_eq!(timeline.len(), 5);
    for (op, arrived, answered) in &timeline {
        let answered = answered.unwrap_or_else(|| panic!("{op} has no answer time"));
        assert!(
            answered + 1 >= arrived + 100,
            "{op}: {arrived} → {answered} ms"
        );
    }
}

#[test]
fn a_delay_on_every_request_or_on_one_operation_holds_its_answer() {
    let proxy = Proxy::start(upstream());
    proxy.inject(
        "iam:GetRole",
        Fault::Delay(Duration::from_millis(300)),
        Times::Once,
    );
    let timed = |raw: String| {
        let started = Instant::now();
        assert_eq!(send(&proxy, &raw), Some((200, "ok".into())));
        started.elapsed()
    };
    assert!(timed(iam("GetRole")) >= Duration::from_millis(300));
    assert!(
        timed(iam("GetRole")) < Duration::from_millis(300),
        "only once"
    );
    proxy.delay_every_request(Duration::from_millis(200));
    assert!(timed(s3("GET /b?cors")) >= Duration::from_millis(200));
}
