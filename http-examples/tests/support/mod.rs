//! What the loopback and browser tests share: a router served on a random port of 127.0.0.1,
//! and child processes run with a bound on their time.
#![allow(dead_code)] // each test file uses part of it

use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Serves `app` on a random port of 127.0.0.1, on a runtime of its own (one worker thread).
/// Returns the runtime, which stops the server when dropped, and the base URL (no final `/`).
pub fn serve(app: axum::Router) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free port on 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, url)
}

/// Runs `command` to its end with its output captured; kills it, by its PID, when it has not
/// finished after `limit`.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    let pid = child.id();
    let (done, wait) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done.send(());
        output
    });
    if wait.recv_timeout(limit).is_err() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("{command:?} did not finish within {limit:?}");
    }
    waiter.join().unwrap().expect("the child ran")
}
