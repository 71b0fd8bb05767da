//! A bounded loopback load test of the JSON intake of `efa serve`.
//!
//! Starts the real `efa` binary on a free port of 127.0.0.1 with a fresh database, sends
//! valid Personenstandsurkunde submissions from 8 threads over keep-alive connections,
//! reports submissions per second and latency, then checks through the back-office API
//! that every acknowledged submission was committed and none was lost.
//!
//! `cargo bench --bench intake_load` sends 2,000 submissions; under `cargo test` (no
//! `--bench` argument) a quick run of 200 checks that it works. `EFA_LOAD_SUBMISSIONS`
//! sets another count (at most 100,000). The run stops sending after 120 seconds
//! whatever the count. Traffic goes to the loopback address only.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const THREADS: usize = 8;
const TOKEN: &str = "load-test-token";
const TIME_LIMIT: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start() -> Server {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("efa-intake-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let forms = dir.join("forms");
    std::fs::create_dir_all(&forms).expect("temp dir");
    std::fs::copy(
        repo.join("forms/personenstandsurkunde/personenstandsurkunde.form"),
        forms.join("personenstandsurkunde.form"),
    )
    .expect("copy the form");
    let mut child = Command::new(env!("CARGO_BIN_EXE_efa"))
        .arg("serve")
        .arg(&forms)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--db",
        ])
        .arg(dir.join("load.sqlite3"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("efa serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let rest = &line[i..];
                let end = rest.find(' ').unwrap_or(rest.len());
                let _ = tx.send(rest[..end].trim_end_matches('/').to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("efa serve prints its address");
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "loopback only: {base}"
    );
    Server { child, base, dir }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn sample() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("forms/personenstandsurkunde/samples/valid-geburtsurkunde-selbst-abholung.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("sample JSON")
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let total: usize = std::env::var("EFA_LOAD_SUBMISSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if bench { 2000 } else { 200 })
        .min(100_000);
    let server = start();
    let url = format!(
        "{}/api/forms/personenstandsurkunde/submissions",
        server.base
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let url = url.clone();
            let count = total / THREADS + usize::from(t < total % THREADS);
            std::thread::spawn(move || {
                let a = agent();
                let mut ids = Vec::with_capacity(count);
                let mut latencies = Vec::with_capacity(count);
                let mut body = sample();
                for i in 0..count {
                    if started.elapsed() > TIME_LIMIT {
                        break;
                    }
                    body["vorname"] = json!(format!("Last{t}x{i}"));
                    let sent = Instant::now();
                    let mut res = a
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(body.to_string().as_bytes())
                        .expect("an answer");
                    let text = res.body_mut().read_to_string().expect("a body");
                    latencies.push(sent.elapsed());
                    assert_eq!(res.status().as_u16(), 201, "{text}");
                    let v: Value = serde_json::from_str(&text).expect("JSON");
                    ids.push(v["id"].as_str().expect("an id").to_owned());
                }
                (ids, latencies)
            })
        })
        .collect();
    let mut ids = Vec::new();
    let mut latencies = Vec::new();
    for w in workers {
        let (i, l) = w.join().expect("a worker");
        ids.extend(i);
        latencies.extend(l);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let rate = ids.len() as f64 / elapsed.as_secs_f64();
    println!(
        "intake_load: {} submissions from {THREADS} threads over keep-alive in {:.2} s: {rate:.0} submissions/s (latency p50 {:.1} ms, p99 {:.1} ms)",
        ids.len(),
        elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
    );

    // Every acknowledged submission is in the database, each once.
    let a = agent();
    let mut stored = std::collections::HashSet::new();
    let mut after = String::new();
    loop {
        let mut res = a
            .get(format!(
                "{}/api/submissions?limit=1000&after={after}",
                server.base
            ))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .call()
            .expect("the back office answers");
        let page: Value =
            serde_json::from_str(&res.body_mut().read_to_string().expect("a body")).expect("JSON");
        let subs = page["submissions"].as_array().expect("submissions");
        for s in subs {
            assert!(
                stored.insert(s["id"].as_str().expect("id").to_owned()),
                "a duplicate id"
            );
        }
        match subs.last() {
            Some(last) if page["has_more"] == json!(true) => {
                after = last["id"].as_str().expect("id").to_owned();
            }
            _ => break,
        }
    }
    let lost = ids.iter().filter(|id| !stored.contains(*id)).count();
    println!(
        "intake_load: {} acknowledged, {} stored, {lost} lost",
        ids.len(),
        stored.len()
    );
    assert_eq!(lost, 0, "acknowledged submissions were lost");
    assert_eq!(
        stored.len(),
        ids.len(),
        "stored submissions that were not acknowledged"
    );
}
