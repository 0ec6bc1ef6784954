//! The real `server` binary: production refuses development secrets; in production it logs
//! JSON lines with a request id per request; SIGTERM stops it gracefully; the demo seeds the
//! compiled-in example trials from any directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn temp_db() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("inclusio-bin-{}.db", uuid::Uuid::now_v7().simple()))
}

fn server() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info");
    c
}

#[test]
fn production_refuses_development_secrets() {
    let out = server()
        .env("INCLUSIO_ENV", "production")
        .env("INCLUSIO_SQLITE_PATH", temp_db())
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to start in production"), "{err}");
}

#[test]
fn demo_seeds_the_compiled_in_trials_from_any_directory() {
    let examples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
    let mut ids: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    ids.sort();
    let elsewhere =
        std::env::temp_dir().join(format!("inclusio-cwd-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir(&elsewhere).unwrap();
    let db = temp_db();
    let run = |extra: &[&std::ffi::OsStr]| {
        let out = server()
            .current_dir(&elsewhere)
            .env("INCLUSIO_SQLITE_PATH", &db)
            .arg("demo")
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let expected = format!("recruiting trials ({}):", ids.len());
    // No trial folder where it runs: the compiled-in examples.
    let compiled_in = run(&[]);
    assert!(compiled_in.contains(&expected), "{compiled_in}");
    for id in &ids {
        assert!(compiled_in.contains(id.as_str()), "{id}: {compiled_in}");
    }
    assert!(compiled_in.contains("shown once"), "{compiled_in}");
    // `--trials-dir` reads a folder instead: the same definitions, already in place.
    let from_folder = run(&["--trials-dir".as_ref(), examples.as_os_str()]);
    assert!(from_folder.contains(&expected), "{from_folder}");
    assert!(from_folder.contains("created earlier"), "{from_folder}");
    let _ = std::fs::remove_dir_all(&elsewhere);
    let _ = std::fs::remove_file(&db);
}

#[test]
fn production_logs_json_and_stops_gracefully_on_sigterm() {
    let mut child = server()
        .env("INCLUSIO_ENV", "production")
        .env(
            "INCLUSIO_SESSION_KEY",
            "3f9a1c7e5b2d8f4061a9c3e7b5d2f8a4c6e1b9d3f7a5c2e8b4d6f1a3c9e7b5d2",
        )
        .env(
            "INCLUSIO_ENCRYPTION_KEY",
            "8c2e6a4f1b9d7c3e5a2f8b6d4c1e9a7f3b5d2c8e6a4f1b9d7c3e5a2f8b6d4c1e",
        )
        .env("INCLUSIO_PUBLIC_URL", "https://inclusio.example.org")
        .env("INCLUSIO_SQLITE_PATH", temp_db())
        .env("INCLUSIO_HTTP_PORT", "0")
        // Production sends email through SMTP (it refuses to start without a transport).
        .env("INCLUSIO_SMTP_HOST", "127.0.0.1")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut port = None;
    let mut seen = Vec::new();
    while port.is_none() && Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        port = v["fields"]["port"].as_u64();
        seen.push(line);
    }
    let port = port.unwrap_or_else(|| panic!("no listening line: {seen:?}"));
    let mut stream = TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
    stream.write_all(b"GET /health?name=Jeanne+Dupont HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.to_lowercase().contains("x-request-id:"),
        "{response}"
    );
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = Vec::new();
    for line in lines.map_while(Result::ok) {
        rest.push(line);
    }
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}");
    let logs = rest.join("\n");
    assert!(
        rest.iter()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "{logs}"
    );
    assert!(
        logs.contains("request_id"),
        "a request span carries its id: {logs}"
    );
    assert!(logs.contains("\"stopped\""), "{logs}");
    assert!(
        logs.contains("/health") && !logs.contains("Jeanne") && !logs.contains("name="),
        "no query string in logs: {logs}"
    );
}
