//! End-to-end tests of `efa serve` (SPEC section 7): the real `efa` binary is started on
//! a free port with a fresh database, and every route and status code is exercised over
//! HTTP, as a browser without JavaScript and as another program would.
//!
//! - `wizard_*`: the Personenstandsurkunde page by page with the session cookie: 422 with
//!   every value kept, back and change links, a file upload, review, submit, receipt.
//! - `repeats_*`: add and remove buttons of a repeated group, checkbox lists, decimal commas.
//! - `json_api_*`, `back_office_*`, `downloads_*`: the JSON routes and their status codes.
//! - `recompiles_*`: a form file edited to a broken one shows its diagnostics; fixing it
//!   recovers.
//! - `durability_*`: acknowledged submissions survive `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "test-token-3f9a1c";

/// A form with a repeated group, a checkbox list, money and a boolean.
const FAMILIE: &str = r#"form familie {
  version "1.0.0"
  title "Familienpass" en "Family pass"
  publisher "HE"
  leika "99000000000000"
  languages de, en

  list themen { sport "Sport" en "Sports" kultur "Kultur" en "Culture" natur "Natur" en "Nature" }

  page eltern "Eltern" en "Parents" {
    field name: text { label "Name" required }
    field betrag: money { label "Spende" }
    field themen: multichoice(themen) { label "Interessen" }
    group kinder "Kinder" en "Children" repeat 0..3 {
      field name: text { label "Name des Kindes" required }
    }
  }

  page bestaetigung "Bestätigung" {
    field ok: boolean { label "Alles richtig" }
    check ok == true message "Bitte bestätigen." en "Please confirm."
  }

  fee pass "Gebühr" = 5.00
}
"#;

// ---------------------------------------------------------------------------------------
// Helpers: a temporary directory, the server process, an HTTP client with a cookie.

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "efa-serve-{tag}-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A forms directory with the Personenstandsurkunde and [`FAMILIE`].
fn forms_dir(tmp: &TempDir) -> PathBuf {
    let forms = tmp.path().join("forms");
    let pst = forms.join("personenstandsurkunde");
    std::fs::create_dir_all(&pst).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/personenstandsurkunde");
    std::fs::copy(
        repo.join("personenstandsurkunde.form"),
        pst.join("personenstandsurkunde.form"),
    )
    .unwrap();
    std::fs::write(forms.join("familie.form"), FAMILIE).unwrap();
    forms
}

/// A running `efa serve`.
struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(dir: &Path, db: &Path, token: Option<&str>) -> Server {
        Server::start_with(dir, db, token, &[])
    }

    fn start_with(dir: &Path, db: &Path, token: Option<&str>, extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_efa"));
        cmd.arg("serve").args(extra);
        cmd.arg(dir)
            .args(["--port", "0", "--db"])
            .arg(db)
            .env_remove("EFA_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(t) = token {
            cmd.args(["--token", t]);
        }
        let mut child = cmd.spawn().expect("efa serve starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                {
                    let mut l = log2.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
                if let Some(i) = line.find("http://") {
                    let rest = &line[i..];
                    let end = rest.find(' ').unwrap_or(rest.len());
                    let _ = tx.send(rest[..end].trim_end_matches('/').to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                panic!("efa serve printed no address: {}", log.lock().unwrap());
            }
        };
        Server { child, base, log }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Kills the server with SIGKILL (no chance to clean up).
    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// A response, its body read.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The body with the HTML escapes of URLs and quotes undone, for searching.
    fn html(&self) -> String {
        self.body
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }
}

fn read(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
    let mut res = res.expect("the request gets an answer");
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = res
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.call())
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = agent.post(url).header("Content-Type", content_type);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.send(body))
}

fn post_json(agent: &ureq::Agent, url: &str, body: &Value) -> Resp {
    post(
        agent,
        url,
        "application/json",
        body.to_string().as_bytes(),
        &[],
    )
}

/// A browser without JavaScript: keeps the session cookie, posts urlencoded forms.
struct Browser<'s> {
    server: &'s Server,
    agent: ureq::Agent,
    cookie: Option<String>,
}

impl<'s> Browser<'s> {
    fn new(server: &'s Server) -> Browser<'s> {
        Browser {
            server,
            agent: agent(),
            cookie: None,
        }
    }

    fn remember(&mut self, r: &Resp) {
        for (name, value) in &r.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or("").to_owned();
                if pair.starts_with("efa_session=") {
                    self.cookie = Some(pair);
                }
            }
        }
    }

    fn cookie_headers(&self) -> Vec<(&str, &str)> {
        self.cookie
            .as_deref()
            .map(|c| vec![("Cookie", c)])
            .unwrap_or_default()
    }

    fn get(&mut self, path: &str) -> Resp {
        let r = get(&self.agent, &self.server.url(path), &self.cookie_headers());
        self.remember(&r);
        r
    }

    fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let mut headers = self.cookie_headers();
        let origin = self.server.base.clone();
        headers.push(("Origin", &origin));
        let r = post(
            &self.agent,
            &self.server.url(path),
            "application/x-www-form-urlencoded",
            body.as_bytes(),
            &headers,
        );
        self.remember(&r);
        r
    }

    fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &str, &[u8]),
    ) -> Resp {
        let boundary = "efa-test-boundary-7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, file_name, media_type, content) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let headers = self.cookie_headers();
        let r = post(
            &self.agent,
            &self.server.url(path),
            &format!("multipart/form-data; boundary={boundary}"),
            &body,
            &headers,
        );
        self.remember(&r);
        r
    }
}

fn back_office(server: &Server, query: &str) -> Value {
    let r = get(
        &agent(),
        &server.url(&format!("/api/submissions{query}")),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Polls `f` until it returns true or `secs` seconds pass.
fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn is_reference(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].chars().all(|c| c.is_ascii_uppercase())
        && parts[1].len() == 4
        && parts[2].len() == 6
        && parts[1..]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn valid_sample() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("forms/personenstandsurkunde/samples/valid-geburtsurkunde-selbst-abholung.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const PST: &str = "/forms/personenstandsurkunde";

// ---------------------------------------------------------------------------------------
// The wizard.

#[test]
fn wizard_personenstandsurkunde_from_first_page_to_receipt() {
    let tmp = TempDir::new("wizard");
    let forms = forms_dir(&tmp);
    let server = Server::start(&forms, &tmp.path().join("db.sqlite3"), Some(TOKEN));
    assert!(
        server.log().contains("2 forms at http://127.0.0.1:"),
        "{}",
        server.log()
    );

    // The catalog.
    let mut b = Browser::new(&server);
    let r = b.get("/");
    assert_eq!(r.status, 200);
    let html = r.html();
    for s in [
        "Personenstandsurkunde beantragen",
        "TH",
        "1.0.0",
        "99063006000000",
        "href=\"/forms/personenstandsurkunde\"",
        "Familienpass",
    ] {
        assert!(html.contains(s), "catalog lacks {s}");
    }
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));

    // The first page sets the session cookie.
    let r = b.get(PST);
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(r.html().contains("name=\"vorname\""));
    assert!(r
        .html()
        .contains("action=\"/forms/personenstandsurkunde/pages/antragsteller\""));
    assert!(b
        .get(&format!("{PST}?lang=en"))
        .html()
        .contains("About you"));

    // Invalid: 422, every value kept, each error shown.
    let r = b.post(
        &format!("{PST}/pages/antragsteller"),
        &[
            ("vorname", "Anna"),
            ("familienname", ""),
            ("geburtsdatum", "1990-02-30"),
            ("anschrift.plz", "123"),
            ("email", "anna@example.de"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let html = r.html();
    assert!(html.contains("value=\"Anna\""));
    assert!(html.contains("value=\"1990-02-30\""));
    assert!(html.contains("value=\"123\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("Familienname"));
    // A reload shows the draft, values kept.
    assert!(b
        .get(&format!("{PST}/pages/antragsteller"))
        .html()
        .contains("value=\"123\""));

    // Valid: 303 to the next page.
    let person = [
        ("vorname", "Anna"),
        ("familienname", "Schmidt"),
        ("geburtsdatum", "1990-04-12"),
        ("anschrift.strasse", "Anger"),
        ("anschrift.hausnummer", "1"),
        ("anschrift.plz", "99084"),
        ("anschrift.ort", "Erfurt"),
        ("email", "anna@example.de"),
    ];
    let r = b.post(&format!("{PST}/pages/antragsteller"), &person);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some("/forms/personenstandsurkunde/pages/urkunde")
    );

    // A number that is not one: 422 with the text kept; then valid.
    let r = b.post(
        &format!("{PST}/pages/urkunde"),
        &[
            ("art", "geburt"),
            ("urkundenform", "standard"),
            ("anzahl", "zwei"),
            ("verwendungszweck", "behoerde"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.html().contains("value=\"zwei\""));
    assert!(
        r.html()
            .contains("href=\"/forms/personenstandsurkunde/pages/antragsteller\""),
        "back link"
    );
    let r = b.post(
        &format!("{PST}/pages/urkunde"),
        &[
            ("art", "geburt"),
            ("urkundenform", "standard"),
            ("anzahl", "2"),
            ("verwendungszweck", "behoerde"),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/forms/personenstandsurkunde/pages/angaben_eintrag")
    );

    let r = b.post(
        &format!("{PST}/pages/angaben_eintrag"),
        &[
            ("eintrag.familienname", "Schmidt"),
            ("eintrag.vornamen", "Anna"),
            ("eintrag.datum", "1990-04-12"),
            ("eintrag.ort", "Erfurt"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);

    // Going back keeps what was entered.
    let r = b.get(&format!("{PST}/pages/urkunde"));
    assert!(r.html().contains("value=\"2\""));

    // A file upload (multipart): the power of attorney.
    let pdf: &[u8] = b"%PDF-1.4\n% test\n";
    let r = b.post_multipart(
        &format!("{PST}/pages/berechtigung"),
        &[("beziehung", "bevollmaechtigt")],
        ("vollmacht", "vollmacht.pdf", "application/pdf", pdf),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some("/forms/personenstandsurkunde/pages/lieferung")
    );
    // Posting the page again without a new file keeps the uploaded one.
    let r = b.post(
        &format!("{PST}/pages/berechtigung"),
        &[("beziehung", "bevollmaechtigt")],
    );
    assert_eq!(r.status, 303, "{}", r.body);

    let r = b.post(
        &format!("{PST}/pages/lieferung"),
        &[("zustellung", "abholung")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/forms/personenstandsurkunde/pages/abschluss")
    );

    // The failed check of the last page, then confirmed: 303 to the review.
    let r = b.post(
        &format!("{PST}/pages/abschluss"),
        &[("einwilligung", "false")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Bitte bestätigen Sie"));
    let r = b.post(
        &format!("{PST}/pages/abschluss"),
        &[("einwilligung", "false"), ("einwilligung", "true")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/forms/personenstandsurkunde/review")
    );

    // The review: answers, a change link per page, the fees.
    let r = b.get(&format!("{PST}/review"));
    assert_eq!(r.status, 200);
    let html = r.html();
    assert!(html.contains("Anna") && html.contains("Erfurt") && html.contains("vollmacht.pdf"));
    for page in [
        "antragsteller",
        "urkunde",
        "angaben_eintrag",
        "berechtigung",
        "lieferung",
        "abschluss",
    ] {
        assert!(
            html.contains(&format!(
                "href=\"/forms/personenstandsurkunde/pages/{page}\""
            )),
            "change link to {page}"
        );
    }
    assert!(html.contains("24,00"), "fee of two certificates");
    assert!(html.contains("action=\"/forms/personenstandsurkunde/submit\""));

    // Submit: the receipt with its reference; posting again shows the same receipt.
    let r = b.post(&format!("{PST}/submit"), &[("_action", "submit")]);
    assert_eq!(r.status, 200, "{}", r.body);
    let reference = r
        .body
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| is_reference(w))
        .expect("a reference on the receipt")
        .to_owned();
    assert!(reference.starts_with("TH-"));
    let again = b.post(&format!("{PST}/submit"), &[("_action", "submit")]);
    assert_eq!(again.status, 200);
    assert!(again.body.contains(&reference));

    // The draft is cleared: the first page is empty again.
    assert!(!b
        .get(&format!("{PST}/pages/antragsteller"))
        .html()
        .contains("value=\"Anna\""));

    // The back office has it, as submitted through the web.
    let list = back_office(&server, "?form=personenstandsurkunde");
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 1);
    let s = &subs[0];
    assert_eq!(s["id"], json!(reference));
    assert_eq!(s["channel"], json!("web"));
    assert_eq!(s["data"]["anzahl"], json!(2));
    assert_eq!(s["data"]["anschrift"]["plz"], json!("99084"));
    assert_eq!(
        s["data"]["vollmacht"]["media_type"],
        json!("application/pdf")
    );
    assert!(s["hash"].as_str().unwrap().starts_with("sha256:"));
    // ... and the uploaded file.
    let sha = s["data"]["vollmacht"]["sha256"].as_str().unwrap();
    let f = get(
        &agent(),
        &server.url(&format!("/api/files/{sha}")),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(f.status, 200);
    assert_eq!(f.body.as_bytes(), pdf);
    assert_eq!(
        get(&agent(), &server.url(&format!("/api/files/{sha}")), &[]).status,
        401
    );

    // A submit of an incomplete draft: 422, the review with the errors linking to pages.
    let mut other = Browser::new(&server);
    other.get(PST);
    let r = other.post(&format!("{PST}/pages/antragsteller"), &person);
    assert_eq!(r.status, 303);
    let r = other.post(&format!("{PST}/submit"), &[("_action", "submit")]);
    assert_eq!(r.status, 422);
    assert!(
        r.html()
            .contains("/forms/personenstandsurkunde/pages/urkunde"),
        "{}",
        r.body
    );

    // Cross-site posts are refused; unknown forms and pages are 404.
    let cross = post(
        &agent(),
        &server.url(&format!("{PST}/pages/antragsteller")),
        "application/x-www-form-urlencoded",
        b"vorname=X",
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(cross.status, 403);
    assert_eq!(b.get("/forms/gibt_es_nicht").status, 404);
    assert_eq!(b.get(&format!("{PST}/pages/gibt_es_nicht")).status, 404);
    assert!(b.get("/forms/gibt_es_nicht").body.contains("<html"));
}

#[test]
fn repeats_add_remove_checkbox_lists_and_decimal_commas() {
    let tmp = TempDir::new("repeats");
    let forms = forms_dir(&tmp);
    let server = Server::start(&forms, &tmp.path().join("db.sqlite3"), Some(TOKEN));
    let mut b = Browser::new(&server);
    let page = "/forms/familie/pages/eltern";
    b.get("/forms/familie");

    let r = b.post(page, &[("name", "Eva"), ("_action", "add:kinder")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.html().contains("name=\"kinder.0.name\""));
    assert!(!r.html().contains("name=\"kinder.1.name\""));
    assert!(r.html().contains("value=\"Eva\""));

    let r = b.post(
        page,
        &[
            ("name", "Eva"),
            ("kinder.0.name", "Ben"),
            ("_action", "add:kinder"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(r.html().contains("name=\"kinder.1.name\""));
    assert!(r.html().contains("value=\"Ben\""));
    assert!(r.html().contains("remove:kinder.1"));

    let r = b.post(
        page,
        &[
            ("name", "Eva"),
            ("kinder.0.name", "Ben"),
            ("kinder.1.name", "Lea"),
            ("_action", "remove:kinder.0"),
        ],
    );
    assert_eq!(r.status, 200);
    let html = r.html();
    assert!(html.contains("value=\"Lea\"") && !html.contains("value=\"Ben\""));
    assert!(!html.contains("name=\"kinder.1.name\""));

    // An empty entry is an error of its own field.
    let r = b.post(
        page,
        &[("name", "Eva"), ("kinder.0.name", ""), ("_action", "next")],
    );
    assert_eq!(r.status, 422);
    assert!(r.html().contains("f-kinder-0-name-error"), "{}", r.body);

    let r = b.post(
        page,
        &[
            ("name", "Eva"),
            ("betrag", "12,50"),
            ("themen", "sport"),
            ("themen", "natur"),
            ("kinder.0.name", "Lea"),
            ("_action", "next"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some("/forms/familie/pages/bestaetigung")
    );
    let r = b.get(page);
    assert!(r.html().contains("checked"), "checkboxes stay ticked");

    // Unticking every checkbox clears the list.
    let r = b.post(
        "/forms/familie/pages/bestaetigung?lang=en",
        &[("ok", "false")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Please confirm."));
    let r = b.post(
        "/forms/familie/pages/bestaetigung?lang=en",
        &[("ok", "false"), ("ok", "true")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/forms/familie/review?lang=en"));
    let r = b.post("/forms/familie/submit?lang=en", &[]);
    assert_eq!(r.status, 200, "{}", r.body);

    let list = back_office(&server, "?form=familie");
    let data = &list["submissions"][0]["data"];
    assert_eq!(data["kinder"], json!([{ "name": "Lea" }]));
    assert_eq!(data["themen"], json!(["sport", "natur"]));
    // Money is written exactly, with its two decimal places.
    assert_eq!(data["betrag"].to_string(), "12.50");
    assert_eq!(list["submissions"][0]["lang"], json!("en"));
}

// ---------------------------------------------------------------------------------------
// The JSON routes.

#[test]
fn json_api_back_office_and_downloads() {
    let tmp = TempDir::new("api");
    let forms = forms_dir(&tmp);
    let server = Server::start(&forms, &tmp.path().join("db.sqlite3"), Some(TOKEN));
    let a = agent();
    let url = server.url("/api/forms/personenstandsurkunde/submissions");

    // 201
    let r = post_json(&a, &url, &valid_sample());
    assert_eq!(r.status, 201, "{}", r.body);
    let first = r.json();
    let id1 = first["id"].as_str().unwrap().to_owned();
    assert!(is_reference(&id1), "{id1}");
    let at = first["received_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.contains('T'), "{at}");
    assert_eq!(first["fees"][0]["id"], json!("urkunden"));
    assert_eq!(
        r.header("location"),
        Some(format!("/api/submissions/{id1}").as_str())
    );

    // 422 with the result of SPEC section 3, in the language asked for.
    let mut bad = valid_sample();
    bad["anschrift"]["plz"] = json!("123");
    let r = post_json(&a, &url, &bad);
    assert_eq!(r.status, 422);
    let res = r.json();
    assert_eq!(res["valid"], json!(false));
    assert_eq!(res["errors"][0]["path"], json!("/anschrift/plz"));
    assert_eq!(res["errors"][0]["code"], json!("format"));
    assert!(res.get("fees").is_some() && res.get("data").is_some());
    let en = post(
        &a,
        &url,
        "application/json",
        bad.to_string().as_bytes(),
        &[("Accept-Language", "en-GB,en;q=0.9")],
    );
    let en_q = post_json(&a, &format!("{url}?lang=en"), &bad);
    assert_eq!(
        en.json()["errors"][0]["message"],
        en_q.json()["errors"][0]["message"]
    );
    assert_ne!(
        en.json()["errors"][0]["message"],
        res["errors"][0]["message"]
    );

    // 400, 413, 415, 404
    let r = post(&a, &url, "application/json", b"{\"vorname\": ", &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], json!("malformed_json"));
    let big = format!("{{\"vorname\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = post(&a, &url, "application/json", big.as_bytes(), &[]);
    assert_eq!(r.status, 413);
    let r = post(
        &a,
        &url,
        "text/plain",
        valid_sample().to_string().as_bytes(),
        &[],
    );
    assert_eq!(r.status, 415);
    let r = post_json(
        &a,
        &server.url("/api/forms/gibt_es_nicht/submissions"),
        &valid_sample(),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], json!("not_found"));
    assert_eq!(get(&a, &server.url("/api/nope"), &[]).status, 404);

    // The back office: 401 without or with a wrong token.
    let r = get(&a, &server.url("/api/submissions"), &[]);
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let r = get(
        &a,
        &server.url("/api/submissions"),
        &[("Authorization", "Bearer wrong")],
    );
    assert_eq!(r.status, 401);

    // Oldest first, paged with `after`.
    let mut ids = vec![id1.clone()];
    for _ in 0..3 {
        ids.push(
            post_json(&a, &url, &valid_sample()).json()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    post_json(
        &a,
        &server.url("/api/forms/familie/submissions"),
        &json!({"name": "X", "ok": true}),
    );
    let all = back_office(&server, "?form=personenstandsurkunde");
    let got: Vec<&str> = all["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids);
    assert_eq!(
        all["submissions"][0]["form"],
        json!("personenstandsurkunde")
    );
    assert_eq!(all["submissions"][0]["version"], json!("1.0.0"));
    assert_eq!(all["submissions"][0]["data"]["vorname"], json!("Anna"));
    let page1 = back_office(&server, "?form=personenstandsurkunde&limit=2");
    assert_eq!(page1["submissions"].as_array().unwrap().len(), 2);
    assert_eq!(page1["has_more"], json!(true));
    let page2 = back_office(
        &server,
        &format!("?form=personenstandsurkunde&limit=2&after={}", ids[1]),
    );
    let got: Vec<&str> = page2["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, &ids[2..]);
    assert_eq!(page2["has_more"], json!(false));
    assert_eq!(
        back_office(&server, "")["submissions"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let r = get(
        &a,
        &server.url("/api/submissions?after=XX-0000-000000"),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 400);
    let r = get(
        &a,
        &server.url(&format!("/api/submissions/{id1}")),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], json!(id1));

    // Downloads for other states: schema and artifact, revalidated by ETag.
    let r = get(
        &a,
        &server.url("/forms/personenstandsurkunde/schema.json"),
        &[],
    );
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(r.json()["$schema"].as_str().unwrap().contains("2020-12"));
    let r = get(
        &a,
        &server.url("/forms/personenstandsurkunde.form.json"),
        &[],
    );
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let artifact = r.json();
    assert_eq!(artifact["format"], json!("efa-form/1"));
    assert_eq!(artifact["id"], json!("personenstandsurkunde"));
    let etag = r.header("etag").unwrap().to_owned();
    let r = get(
        &a,
        &server.url("/forms/personenstandsurkunde.form.json"),
        &[("If-None-Match", &etag)],
    );
    assert_eq!(r.status, 304);
    assert_eq!(
        get(&a, &server.url("/forms/gibt_es_nicht.form.json"), &[]).status,
        404
    );
    assert_eq!(
        get(&a, &server.url("/forms/gibt_es_nicht/schema.json"), &[]).status,
        404
    );

    // The stylesheet, cached.
    let r = get(&a, &server.url("/static/efa.css"), &[]);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert!(r.header("cache-control").unwrap().contains("max-age"));
}

/// A form whose one field must lie between today and today + 30.
const TERMIN: &str = r#"form termin {
  version "1.0.0"
  title "Termin"
  publisher "TH"
  page wann "Wann" {
    field beginn: date { label "Beginn" required min today() max today() + 30 }
  }
}
"#;

#[test]
fn today_fixes_the_day_of_api_wizard_and_runtime() {
    let tmp = TempDir::new("today");
    let forms = tmp.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::write(forms.join("termin.form"), TERMIN).unwrap();
    let server = Server::start_with(
        &forms,
        &tmp.path().join("db.sqlite3"),
        None,
        &["--today", "2026-02-10"],
    );
    let a = agent();
    let url = server.url("/api/forms/termin/submissions");
    // Valid on the given day, whatever the real date is.
    let r = post_json(&a, &url, &json!({ "beginn": "2026-02-10" }));
    assert_eq!(r.status, 201, "{}", r.body);
    for (day, code) in [("2026-02-09", "min"), ("2026-03-13", "max")] {
        let r = post_json(&a, &url, &json!({ "beginn": day }));
        assert_eq!(r.status, 422, "{day}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["code"], json!(code), "{day}");
    }
    // The wizard gives the browser runtime the same day.
    let mut b = Browser::new(&server);
    let page = b.get("/forms/termin/pages/wann");
    assert_eq!(page.status, 200);
    assert!(
        page.html().contains("data-efa-today=\"2026-02-10\""),
        "{}",
        page.body
    );
    let r = b.post("/forms/termin/pages/wann", &[("beginn", "2026-02-09")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.html().contains("10.2.2026"), "{}", r.body);
}

#[test]
fn a_today_that_is_no_date_stops_serve_with_a_reason() {
    let tmp = TempDir::new("today_bad");
    let o = Command::new(env!("CARGO_BIN_EXE_efa"))
        .args(["serve", "."])
        .args(["--today", "2026-02-30", "--port", "0"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid --today `2026-02-30`"), "{err}");
}

#[test]
fn back_office_without_a_token_always_answers_401() {
    let tmp = TempDir::new("notoken");
    let forms = forms_dir(&tmp);
    let server = Server::start(&forms, &tmp.path().join("db.sqlite3"), None);
    assert!(
        eventually(5, || server.log().contains("no back-office token")),
        "{}",
        server.log()
    );
    let r = get(
        &agent(),
        &server.url("/api/submissions"),
        &[("Authorization", "Bearer ")],
    );
    assert_eq!(r.status, 401);
    let r = get(
        &agent(),
        &server.url("/api/submissions"),
        &[("Authorization", "Bearer anything")],
    );
    assert_eq!(r.status, 401);
}

#[test]
fn serves_the_browser_runtime_when_it_is_built() {
    let tmp = TempDir::new("runtime");
    let forms = forms_dir(&tmp);
    let runtime = tmp.path().join("pkg");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::write(runtime.join("efa-enhance.js"), "export {};\n").unwrap();
    std::fs::write(runtime.join("efa_forms_bg.wasm"), b"\0asm").unwrap();
    let rt = runtime.to_string_lossy().into_owned();
    let server = Server::start_with(
        &forms,
        &tmp.path().join("db.sqlite3"),
        None,
        &["--runtime", &rt],
    );
    let a = agent();
    let page = get(&a, &server.url("/forms/personenstandsurkunde"), &[]);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("runtime&#x2f;efa-enhance.js"),
        "{}",
        page.body
    );
    let wasm = get(&a, &server.url("/static/runtime/efa_forms_bg.wasm"), &[]);
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    // Only the runtime's own files, never anything else from the folder or above it.
    assert_eq!(
        get(&a, &server.url("/static/runtime/other.js"), &[]).status,
        404
    );
    assert_eq!(
        get(&a, &server.url("/static/runtime/..%2F..%2Fdb.sqlite3"), &[]).status,
        404
    );
}

#[test]
fn says_when_a_given_runtime_is_not_built_and_serves_pages_without_it() {
    let tmp = TempDir::new("runtime_missing");
    let forms = forms_dir(&tmp);
    let empty = tmp.path().join("not-built");
    std::fs::create_dir_all(&empty).unwrap();
    let rt = empty.to_string_lossy().into_owned();
    let server = Server::start_with(
        &forms,
        &tmp.path().join("db.sqlite3"),
        Some(TOKEN),
        &["--runtime", &rt],
    );
    let a = agent();
    let page = get(&a, &server.url("/forms/familie"), &[]);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script"), "{}", page.body);
    assert!(
        eventually(5, || server.log().contains("no built runtime in")),
        "a warning names the folder: {}",
        server.log()
    );
    assert!(
        server.log().contains("no browser runtime built"),
        "{}",
        server.log()
    );
}

// ---------------------------------------------------------------------------------------
// Recompiling, durability.

#[test]
fn recompiles_a_broken_edit_to_its_diagnostics_and_recovers() {
    let tmp = TempDir::new("watch");
    let forms = forms_dir(&tmp);
    let server = Server::start(&forms, &tmp.path().join("db.sqlite3"), Some(TOKEN));
    let a = agent();
    let file = forms.join("familie.form");
    assert_eq!(get(&a, &server.url("/forms/familie"), &[]).status, 200);

    std::fs::write(
        &file,
        FAMILIE.replace("field name: text", "field name: txet"),
    )
    .unwrap();
    assert!(
        eventually(5, || get(&a, &server.url("/forms/familie"), &[]).status
            == 503),
        "the broken edit is noticed: {}",
        server.log()
    );
    let r = get(&a, &server.url("/forms/familie"), &[]);
    assert!(
        r.body.contains("familie.form:"),
        "diagnostics with file and line: {}",
        r.body
    );
    assert!(r.body.contains("error["));
    let catalog = get(&a, &server.url("/"), &[]);
    assert!(
        catalog.body.contains("familie.form does not compile"),
        "{}",
        catalog.body
    );
    let r = post_json(
        &a,
        &server.url("/api/forms/familie/submissions"),
        &json!({"name": "X"}),
    );
    assert_eq!(r.status, 503);
    assert!(!r.json()["diagnostics"].as_array().unwrap().is_empty());
    // The other form is still served.
    assert_eq!(get(&a, &server.url(PST), &[]).status, 200);

    std::fs::write(&file, FAMILIE).unwrap();
    assert!(
        eventually(5, || get(&a, &server.url("/forms/familie"), &[]).status
            == 200),
        "the fixed form is served again"
    );
    assert!(server.log().contains("recompiled"));

    // A new file appears, a removed one disappears.
    std::fs::write(
        forms.join("neu.form"),
        FAMILIE.replace("form familie", "form neu"),
    )
    .unwrap();
    assert!(eventually(5, || get(&a, &server.url("/forms/neu"), &[])
        .status
        == 200));
    std::fs::remove_file(forms.join("neu.form")).unwrap();
    assert!(eventually(5, || get(&a, &server.url("/forms/neu"), &[])
        .status
        == 404));
}

#[test]
fn durability_acknowledged_submissions_survive_kill_9() {
    let tmp = TempDir::new("durable");
    let forms = forms_dir(&tmp);
    let db = tmp.path().join("db.sqlite3");
    let mut server = Server::start(&forms, &db, Some(TOKEN));
    let url = server.url("/api/forms/personenstandsurkunde/submissions");
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let url = url.clone();
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                let a = agent();
                for i in 0..25 {
                    let mut data = valid_sample();
                    data["vorname"] = json!(format!("T{t}-{i}"));
                    let r = post_json(&a, &url, &data);
                    assert_eq!(r.status, 201, "{}", r.body);
                    acknowledged
                        .lock()
                        .unwrap()
                        .push(r.json()["id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Right after the last acknowledgement: SIGKILL, no shutdown.
    server.kill9();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(acknowledged.len(), 200);

    let server = Server::start(&forms, &db, Some(TOKEN));
    let stored = back_office(&server, "?limit=1000");
    let ids: std::collections::HashSet<&str> = stored["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    assert!(lost.is_empty(), "lost after kill -9: {lost:?}");
    assert_eq!(ids.len(), 200);
}
