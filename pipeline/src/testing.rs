//! Test support shared by the crates' integration tests (feature `testing`): a real
//! S3-compatible server (moto) on 127.0.0.1.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Location;

/// A moto S3 server on a free loopback port, stopped on drop.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Start moto (`python3 -m moto.server`) and wait until it answers.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 must be installed; scripts/test.sh installs moto[server]");
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(port, "GET", "/").is_none() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!(
                    "moto exited with {status}: run 'pip install moto[server]' (scripts/test.sh does)"
                );
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer on port {port} within 60s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Create a bucket.
    pub fn create_bucket(&self, bucket: &str) {
        let port: u16 = self
            .endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        let status = http(port, "PUT", &format!("/{bucket}")).expect("moto answers");
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "create bucket: {status}"
        );
    }

    /// S3 settings pointing at this server.
    pub fn options(&self) -> Vec<(&'static str, String)> {
        vec![
            ("aws_endpoint_url", self.endpoint.clone()),
            ("aws_access_key_id", "test".into()),
            ("aws_secret_access_key", "test".into()),
            ("aws_region", "us-east-1".into()),
        ]
    }

    /// A location in this server.
    pub fn location(&self, url: &str) -> Location {
        let options = self.options();
        let borrowed: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Location::parse_with(url, &borrowed).expect("s3 location")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare HTTP/1.1 request; the status line, or `None` when nothing answers.
fn http(port: u16, method: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.lines().next().map(str::to_string)
}

/// What a [`FaultyProxy`] does to the connections it accepts, each counted from 0. Every
/// connection carries one request when the client keeps no idle connections
/// (`pool_max_idle_per_host` 0, see [`FaultyProxy::options`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Every n-th connection is answered `503 Slow Down` without reaching the store.
    pub unavailable_every: Option<u64>,
    /// Every n-th connection reaches the store, which does the work, but its answer is lost
    /// (the connection closes): the client cannot tell whether the request happened.
    pub lost_answer_every: Option<u64>,
    /// Every n-th connection waits this long before it is forwarded.
    pub slow_every: Option<(u64, Duration)>,
}

/// A TCP proxy on 127.0.0.1 in front of an S3 server that injects [`Faults`]; stops on drop.
#[derive(Debug)]
pub struct FaultyProxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    counts: std::sync::Arc<FaultCounts>,
    task: tokio::task::JoinHandle<()>,
}

/// How many faults a [`FaultyProxy`] injected.
#[derive(Debug, Default)]
pub struct FaultCounts {
    /// Connections accepted.
    pub connections: std::sync::atomic::AtomicU64,
    /// Answered 503.
    pub unavailable: std::sync::atomic::AtomicU64,
    /// Answers dropped.
    pub lost: std::sync::atomic::AtomicU64,
    /// Delayed.
    pub slow: std::sync::atomic::AtomicU64,
}

impl FaultyProxy {
    /// Start a proxy to `upstream` (`http://127.0.0.1:<port>`) injecting `faults`.
    pub async fn start(upstream: &str, faults: Faults) -> FaultyProxy {
        use std::sync::atomic::Ordering::Relaxed;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let counts = std::sync::Arc::new(FaultCounts::default());
        let shared = std::sync::Arc::clone(&counts);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let n = shared.connections.fetch_add(1, Relaxed) + 1;
                let hit = move |every: Option<u64>| every.is_some_and(|e| e > 0 && n % e == 0);
                let (upstream, counts) = (upstream.clone(), std::sync::Arc::clone(&shared));
                tokio::spawn(async move {
                    if hit(faults.unavailable_every) {
                        counts.unavailable.fetch_add(1, Relaxed);
                        let _ = answer_unavailable(client).await;
                        return;
                    }
                    if let Some((_, delay)) =
                        faults.slow_every.filter(|(every, _)| hit(Some(*every)))
                    {
                        counts.slow.fetch_add(1, Relaxed);
                        tokio::time::sleep(delay).await;
                    }
                    let lose = hit(faults.lost_answer_every);
                    if lose {
                        counts.lost.fetch_add(1, Relaxed);
                    }
                    let _ = forward(client, &upstream, lose).await;
                });
            }
        });
        FaultyProxy {
            endpoint,
            counts,
            task,
        }
    }

    /// What was injected so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.counts
    }

    /// S3 settings for a location reached through this proxy: `moto`'s credentials, this
    /// endpoint, one request per connection, and quick retries.
    pub fn options(&self, moto: &Moto) -> Vec<(&'static str, String)> {
        let mut options = moto.options();
        options.retain(|(k, _)| *k != "aws_endpoint_url");
        options.push(("aws_endpoint_url", self.endpoint.clone()));
        options.push(("pool_max_idle_per_host", "0".into()));
        options
    }

    /// A location in `moto` reached through this proxy.
    pub fn location(&self, moto: &Moto, url: &str) -> Location {
        let options = self.options(moto);
        let borrowed: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Location::parse_with(url, &borrowed).expect("s3 location")
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Read the request head, answer 503 as S3 does when it sheds load, and close.
async fn answer_unavailable(mut client: tokio::net::TcpStream) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let body = "<Error><Code>SlowDown</Code><Message>injected</Message></Error>";
    client
        .write_all(
            format!(
                "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await?;
    client.shutdown().await
}

/// Forward one connection to `upstream`; with `lose`, the store's answer is read and dropped.
async fn forward(
    mut client: tokio::net::TcpStream,
    upstream: &str,
    lose: bool,
) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt;
    let mut server = tokio::net::TcpStream::connect(upstream).await?;
    if !lose {
        tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        return Ok(());
    }
    let (mut client_read, _client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upload = tokio::io::copy(&mut client_read, &mut server_write);
    let mut first = [0u8; 1];
    tokio::select! {
        _ = upload => {}
        _ = server_read.read(&mut first) => {}
    }
    // Let the store finish the request, then close without a word to the client.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}
