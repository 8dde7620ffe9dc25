//! A TLS-terminating proxy for trying `sse-inspect` on https locally: it generates a
//! certificate for `localhost` and `127.0.0.1` (rcgen), writes it as PEM for `--cacert`, and
//! forwards each connection to a plain-HTTP backend. With `--buffer` it behaves like a
//! buffering reverse proxy: it holds the backend's whole response and sends it at the end.
//!
//! ```text
//! cargo run -p http-examples --example llm_server -- 127.0.0.1:8080
//! cargo run -p sse-inspect --example tls_proxy -- 127.0.0.1:8443 127.0.0.1:8080 /tmp/cert.pem
//! sse-inspect --cacert /tmp/cert.pem -d '{"prompt":"hi"}' https://localhost:8443/v1/chat/completions
//! ```
//!
//! Usage: `tls_proxy LISTEN BACKEND CERT_OUT [--buffer]`. It runs until killed.

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, backend, cert_out, rest @ ..] = args.as_slice() else {
        return Err("usage: tls_proxy LISTEN BACKEND CERT_OUT [--buffer]".into());
    };
    let buffer = rest.iter().any(|a| a == "--buffer");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])?;
    std::fs::write(cert_out, key.cert.pem())?;
    let der = key.cert.der().clone();
    #[allow(deprecated)] // ring's provider: see src/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![der],
            rustls::pki_types::PrivateKeyDer::from(key.signing_key),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    let listener = TcpListener::bind(listen)?;
    println!(
        "listening on https://{} -> http://{backend}{}",
        listener.local_addr()?,
        if buffer { " (buffering)" } else { "" }
    );
    for client in listener.incoming() {
        let (client, config, backend) = (client?, config.clone(), backend.clone());
        std::thread::spawn(move || {
            if let Err(e) = proxy(client, config, &backend, buffer) {
                eprintln!("tls_proxy: {e}");
            }
        });
    }
    Ok(())
}

fn proxy(
    client: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend: &str,
    buffer: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config)?, client);
    let mut upstream = TcpStream::connect(backend)?;
    // The request: its head and Content-Length body (the inspector sends nothing more).
    let mut request = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(Ok(0), |v| v.trim().parse())?;
            if request.len() >= end + 4 + len {
                break;
            }
        }
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    upstream.write_all(&request)?;
    let mut held = Vec::new();
    loop {
        let n = upstream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if buffer {
            held.extend_from_slice(&buf[..n]);
        } else {
            tls.write_all(&buf[..n])?;
            tls.flush()?;
        }
    }
    tls.write_all(&held)?;
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(())
}
