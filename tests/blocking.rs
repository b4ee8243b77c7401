//! The blocking facade runs generated calls without async code.

use std::io::{Read, Write};
use std::net::TcpListener;

/// A one-connection-at-a-time HTTP server in a thread: enough for the facade.
fn serve(answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n]);
            let body = if request.starts_with("GET /1.0/auth/time") {
                "1700000000"
            } else {
                answer
            };
            let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    format!("http://{addr}")
}

#[test]
fn blocking_client_runs_generated_calls() {
    let base = serve(r#"["FR1","FR2"]"#);
    let async_client = ovhcloud::Client::builder()
        .endpoint(base)
        .application("ak", "as", "ck")
        .build()
        .unwrap();
    let client = ovhcloud::blocking::Client::new(async_client).unwrap();
    let bills = client.run(client.api().me().get_bill()).unwrap();
    assert_eq!(bills, ["FR1", "FR2"]);
}
