//! A server that misbehaves on purpose, one [`Script`] per way, over real sockets: for the
//! hostile-server suite (`tests/hostile_server.rs`) and the limits benchmark
//! (`benches/limits.rs`).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each request.
#[derive(Clone, Copy, Debug)]
pub enum Script {
    /// Reads the request, never answers.
    StallHeaders,
    /// Headers announcing 100 bytes, 10 of them, then nothing.
    StallBody,
    /// Headers announcing 1,000 bytes, then one byte every 100 ms.
    Trickle,
    /// A 200 of 16 MiB with its `Content-Length`.
    HugeDeclared,
    /// A 200 of 16 MiB, chunked: the length is only known by reading.
    HugeChunked,
    /// A 200 of 1 GiB, chunked.
    GigabyteChunked,
    /// A 200 whose body is a JSON string of exactly this many bytes.
    SizedString(usize),
    /// Announces 100 bytes, sends 50, closes.
    Truncated,
    /// Announces 10 bytes of a longer JSON text.
    MisSized,
    /// A 200 whose JSON string holds bytes that are not UTF-8.
    NotUtf8,
    /// A 200 whose body is an HTML page.
    Html,
    /// 302 to itself, forever.
    EndlessRedirect,
    /// 307 to another server (the address in the `Redirect` state).
    RedirectElsewhere,
    /// Half the body, then a TCP reset.
    ResetMidBody,
    /// 429 with `Retry-After` of a day.
    HugeRetryAfter,
}

/// A scripted server, with everything it received.
pub struct Hostile {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
    pub connections: Arc<AtomicUsize>,
    /// Bytes of body the server managed to hand to the socket.
    pub written: Arc<AtomicUsize>,
}

impl Hostile {
    pub async fn start(script: Script, elsewhere: Option<String>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicUsize::new(0));
        let (r, c, w, own) = (
            requests.clone(),
            connections.clone(),
            written.clone(),
            url.clone(),
        );
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let (r, w, own, elsewhere) = (r.clone(), w.clone(), own.clone(), elsewhere.clone());
                tokio::spawn(async move {
                    let _ = serve(socket, script, &r, &w, &own, elsewhere.as_deref()).await;
                });
            }
        });
        Hostile {
            url,
            requests,
            connections,
            written,
        }
    }

    pub fn received(&self) -> String {
        self.requests.lock().unwrap().join("\n")
    }
}

/// Reads one request head (and ignores its body: the scenarios send GETs).
async fn read_head(socket: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn serve(
    mut socket: TcpStream,
    script: Script,
    requests: &Mutex<Vec<String>>,
    written: &AtomicUsize,
    own: &str,
    elsewhere: Option<&str>,
) -> std::io::Result<()> {
    loop {
        let head = read_head(&mut socket).await?;
        if head.is_empty() {
            return Ok(());
        }
        let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
        requests.lock().unwrap().push(head);
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
        match script {
            Script::StallHeaders => std::future::pending().await,
            Script::StallBody => {
                socket
                    .write_all(format!("{ok}Content-Length: 100\r\n\r\n[1,2,3,4,").as_bytes())
                    .await?;
                std::future::pending().await
            }
            Script::Trickle => {
                socket
                    .write_all(format!("{ok}Content-Length: 1000\r\n\r\n").as_bytes())
                    .await?;
                loop {
                    socket.write_all(b" ").await?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Script::HugeDeclared | Script::HugeChunked | Script::GigabyteChunked => {
                let total = script.huge_size();
                let framing = match script {
                    Script::HugeDeclared => format!("Content-Length: {}\r\n", total + 2),
                    _ => "Transfer-Encoding: chunked\r\n".to_owned(),
                };
                socket
                    .write_all(format!("{ok}{framing}\r\n").as_bytes())
                    .await?;
                let chunk = vec![b'1'; 64 * 1024];
                let chunked = !matches!(script, Script::HugeDeclared);
                let frame = |data: &[u8]| match chunked {
                    true => [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat(),
                    false => data.to_vec(),
                };
                socket.write_all(&frame(b"[")).await?;
                for _ in 0..total / chunk.len() {
                    socket.write_all(&frame(&chunk)).await?;
                    written.fetch_add(chunk.len(), Ordering::SeqCst);
                }
                socket.write_all(&frame(b"]")).await?;
                if chunked {
                    socket.write_all(b"0\r\n\r\n").await?;
                }
            }
            Script::SizedString(size) => {
                let body = format!("\"{}\"", "a".repeat(size - 2));
                let head = format!("{ok}Content-Length: {}\r\n\r\n", body.len());
                socket.write_all((head + &body).as_bytes()).await?;
            }
            Script::Truncated => {
                let body = "[".to_owned() + &"1,".repeat(24) + "1";
                socket
                    .write_all(format!("{ok}Content-Length: 100\r\n\r\n{body}").as_bytes())
                    .await?;
                return Ok(());
            }
            Script::MisSized => {
                socket
                    .write_all(
                        format!("{ok}Content-Length: 10\r\n\r\n{{\"name\": \"a longer text\"}}")
                            .as_bytes(),
                    )
                    .await?;
            }
            Script::NotUtf8 => {
                let body: &[u8] = b"{\"name\": \"caf\xe9 \xff\"}";
                let head = format!("{ok}Content-Length: {}\r\n\r\n", body.len());
                socket.write_all(&[head.as_bytes(), body].concat()).await?;
            }
            Script::Html => {
                let body = "<html><body><h1>Maintenance</h1></body></html>";
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                socket.write_all((head + body).as_bytes()).await?;
            }
            Script::EndlessRedirect | Script::RedirectElsewhere => {
                let (status, target) = match (script, elsewhere) {
                    (Script::RedirectElsewhere, Some(other)) => ("307 Temporary Redirect", other),
                    _ => ("302 Found", own),
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nLocation: {target}{path}\r\nContent-Length: 0\r\n\r\n"
                );
                socket.write_all(answer.as_bytes()).await?;
            }
            Script::ResetMidBody => {
                socket
                    .write_all(format!("{ok}Content-Length: 100\r\n\r\n[1,2,3,").as_bytes())
                    .await?;
                socket.flush().await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
                // A zero linger makes the close a reset (RST), which is the point here.
                #[allow(deprecated)]
                socket.set_linger(Some(Duration::ZERO))?;
                return Ok(());
            }
            Script::HugeRetryAfter => {
                let body = r#"{"message":"Too many requests","type":"too_many_requests"}"#;
                let answer = format!(
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 86400\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(answer.as_bytes()).await?;
            }
        }
    }
}

impl Script {
    /// The body size of the scripts that send a big one.
    fn huge_size(self) -> usize {
        match self {
            Script::GigabyteChunked => 1 << 30,
            _ => 16 << 20,
        }
    }
}
