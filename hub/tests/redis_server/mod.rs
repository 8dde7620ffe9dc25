//! A redis-server of a test's own: Debian's `redis-server` binary on a unix socket in a temporary
//! directory, no TCP listener (`--port 0`), stopped by its PID when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub struct RedisServer {
    binary: &'static str,
    child: Option<Child>,
    pub dir: PathBuf,
    pub socket: PathBuf,
    appendonly: bool,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl RedisServer {
    /// Starts a server; `appendonly` for a test that restarts it (`appendfsync always`: every
    /// acknowledged write survives).
    pub fn start(appendonly: bool) -> Self {
        Self::start_binary("redis-server", appendonly)
    }

    /// As [`start`](Self::start), with another binary name.
    pub fn start_binary(binary: &'static str, appendonly: bool) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "hub-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("r.sock");
        let mut server = RedisServer {
            binary,
            child: None,
            dir,
            socket,
            appendonly,
        };
        server.spawn();
        server
    }

    /// Starts the server again after [`stop`](Self::stop), on the same socket and directory.
    pub fn start_again(&mut self) {
        self.spawn();
    }

    fn spawn(&mut self) {
        let aof = if self.appendonly { "yes" } else { "no" };
        let child = Command::new(self.binary)
            .args(["--port", "0", "--unixsocket"])
            .arg(&self.socket)
            .args(["--unixsocketperm", "700", "--save", "", "--appendonly", aof])
            .args(["--appendfsync", "always", "--dir"])
            .arg(&self.dir)
            .args(["--logfile"])
            .arg(self.dir.join("log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server not found: these tests need Debian's package `redis-server` \
                 (apt-get install -y redis-server)"
            ),
            Err(e) => panic!("cannot start redis-server: {e}"),
        };
        self.child = Some(child);
        for _ in 0..400 {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
        panic!("redis-server did not answer PING within 4 s; its log:\n{log}");
    }

    fn ping(&self) -> bool {
        let Ok(mut s) = UnixStream::connect(&self.socket) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket.display())
    }

    /// Kills the server (by its PID) and waits for it to go.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    /// Kills the server and starts it again on the same socket and directory.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// The server's PID.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
