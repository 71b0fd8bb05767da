//! The embedded database: submissions, drafts and uploaded files in one SQLite file.
//!
//! Invariant: a submission is acknowledged (a 201, a receipt) only after the transaction
//! that stores it has committed. The database runs in WAL mode with `synchronous=FULL`:
//! a commit returns after the write-ahead log is flushed to disk, so a crash (even of
//! the machine) right after the acknowledgement loses nothing.
//!
//! All writes go through one writer thread that owns the only writing connection; the
//! async handlers send it jobs and await the reply, so SQLite never blocks the runtime.
//! The writer commits in groups: it takes every job waiting in its queue (up to
//! [`MAX_BATCH`]), runs each in a savepoint of one transaction and commits once, so
//! concurrent submissions share one disk flush. A job that fails rolls back only its own
//! savepoint. Reads run on a small pool of connections in `spawn_blocking`.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::Value as Json;
use tokio::sync::oneshot;

/// The most jobs the writer commits in one transaction.
const MAX_BATCH: usize = 512;

/// The schema; `user_version` says which one a file has.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    seq         INTEGER PRIMARY KEY,   -- order of receipt
    id          TEXT NOT NULL UNIQUE,  -- the reference: TH-2026-000123
    form        TEXT NOT NULL,
    version     TEXT NOT NULL,
    hash        TEXT NOT NULL,         -- hash of the artifact it was validated against
    received_at TEXT NOT NULL,         -- RFC 3339, UTC
    lang        TEXT NOT NULL,
    channel     TEXT NOT NULL,         -- web | api
    data        TEXT NOT NULL,         -- the accepted data (SPEC section 3), JSON
    fees        TEXT NOT NULL          -- JSON array
);
CREATE INDEX IF NOT EXISTS submissions_by_form ON submissions (form, seq);
CREATE TABLE IF NOT EXISTS drafts (
    session    TEXT NOT NULL,          -- SHA-256 of the cookie's value, never the value
    form       TEXT NOT NULL,
    data       TEXT NOT NULL,          -- the answers as entered, JSON
    submitted  TEXT,                   -- the reference once submitted (data is then {})
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session, form)
);
CREATE TABLE IF NOT EXISTS files (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// A database error, as one line.
#[derive(Debug)]
pub(crate) struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError(e.to_string())
    }
}

/// A submission to store.
#[derive(Debug, Clone)]
pub(crate) struct NewSubmission {
    pub form: String,
    pub version: String,
    pub hash: String,
    /// The publisher's code, the first part of the reference.
    pub publisher: String,
    pub lang: String,
    pub channel: &'static str,
    /// The accepted data, JSON.
    pub data: String,
    /// The fees, a JSON array.
    pub fees: String,
}

/// A stored submission's reference and time of receipt.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: String,
    pub received_at: DateTime<Utc>,
}

/// A submission as the back office gets it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: String,
    pub form: String,
    pub version: String,
    pub hash: String,
    pub received_at: String,
    pub lang: String,
    pub channel: String,
    pub data: Json,
    pub fees: Json,
}

/// A draft: the answers of one browser session for one form.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub data: Json,
    /// The reference of the submission it became, if it was submitted.
    pub submitted: Option<String>,
}

/// What the writer does.
#[derive(Debug)]
pub(crate) enum Write {
    /// Stores a submission; with `clear`, marks that session's draft as submitted.
    Submit {
        sub: NewSubmission,
        clear: Option<(String, String)>,
    },
    /// Stores a session's draft of a form.
    SaveDraft {
        session: String,
        form: String,
        data: String,
    },
    /// Stores an uploaded file (content-addressed, kept once).
    PutFile {
        sha256: String,
        media_type: String,
        content: Vec<u8>,
    },
    /// Deletes drafts not touched since this RFC 3339 time.
    PurgeDrafts { before: String },
}

/// What a write gives back.
#[derive(Debug)]
pub(crate) enum Written {
    Submission(Stored),
    Done,
}

struct Job {
    op: Write,
    reply: oneshot::Sender<Result<Written, DbError>>,
}

/// The database: a writer thread and a pool of readers.
pub(crate) struct Db {
    path: PathBuf,
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn open_conn(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL: readers never block the writer; FULL: a commit is on disk when it returns.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

impl Db {
    /// Opens (or creates) the database file and starts the writer thread.
    pub fn open(path: &Path) -> Result<Arc<Db>, DbError> {
        let conn = open_conn(path)
            .map_err(|e| DbError(format!("cannot open database {}: {e}", path.display())))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| DbError(format!("cannot set up database {}: {e}", path.display())))?;
        let (sender, receiver) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("efa-db-writer".into())
            .spawn(move || writer_loop(conn, receiver))
            .map_err(|e| DbError(format!("cannot start the database writer: {e}")))?;
        Ok(Arc::new(Db {
            path: path.to_owned(),
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
        }))
    }

    /// Runs a write on the writer thread and waits for its commit.
    pub async fn write(&self, op: Write) -> Result<Written, DbError> {
        let (reply, answer) = oneshot::channel();
        {
            let guard = self.sender.lock().map_err(|_| closed())?;
            let sender = guard.as_ref().ok_or_else(closed)?;
            sender.send(Job { op, reply }).map_err(|_| closed())?;
        }
        answer.await.map_err(|_| closed())?
    }

    /// Runs a read on a pooled connection, off the async runtime.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match db.readers.lock().ok().and_then(|mut p| p.pop()) {
                Some(c) => c,
                None => open_conn(&db.path)?,
            };
            let result = f(&conn);
            if let Ok(mut pool) = db.readers.lock() {
                if pool.len() < 8 {
                    pool.push(conn);
                }
            }
            Ok(result?)
        })
        .await
        .map_err(|e| DbError(format!("database read failed: {e}")))?
    }

    /// Stops the writer after the jobs already queued and waits for it.
    pub fn close(&self) {
        if let Ok(mut s) = self.sender.lock() {
            s.take();
        }
        if let Some(handle) = self.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

fn closed() -> DbError {
    DbError("the database is closed".into())
}

fn writer_loop(mut conn: Connection, receiver: mpsc::Receiver<Job>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = run_batch(&mut conn, &batch);
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// Runs the jobs in one transaction, each in its own savepoint, and commits.
fn run_batch(conn: &mut Connection, batch: &[Job]) -> Vec<Result<Written, DbError>> {
    let fail_all = |e: &rusqlite::Error| {
        batch
            .iter()
            .map(|_| Err(DbError(format!("database write failed: {e}"))))
            .collect()
    };
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(&e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let result = match tx.savepoint() {
            Ok(sp) => match run_op(&sp, &job.op) {
                Ok(w) => sp.commit().map(|_| w).map_err(DbError::from),
                Err(e) => Err(e.into()), // dropping `sp` rolls it back
            },
            Err(e) => Err(e.into()),
        };
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => fail_all(&e),
    }
}

fn run_op(conn: &Connection, op: &Write) -> rusqlite::Result<Written> {
    match op {
        Write::Submit { sub, clear } => {
            let received_at = Utc::now();
            let seq: i64 = conn.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions",
                [],
                |r| r.get(0),
            )?;
            let year = received_at.with_timezone(&chrono::Local).year();
            let id = format!("{}-{year}-{seq:06}", reference_prefix(&sub.publisher));
            let at = received_at.to_rfc3339_opts(SecondsFormat::Millis, true);
            conn.execute(
                "INSERT INTO submissions (seq, id, form, version, hash, received_at, lang, channel, data, fees)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![seq, id, sub.form, sub.version, sub.hash, at, sub.lang, sub.channel, sub.data, sub.fees],
            )?;
            if let Some((session, form)) = clear {
                conn.execute(
                    "INSERT INTO drafts (session, form, data, submitted, updated_at) VALUES (?1, ?2, '{}', ?3, ?4)
                     ON CONFLICT (session, form) DO UPDATE SET data = '{}', submitted = excluded.submitted,
                     updated_at = excluded.updated_at",
                    params![session, form, id, at],
                )?;
            }
            Ok(Written::Submission(Stored { id, received_at }))
        }
        Write::SaveDraft {
            session,
            form,
            data,
        } => {
            conn.execute(
                "INSERT INTO drafts (session, form, data, submitted, updated_at) VALUES (?1, ?2, ?3, NULL, ?4)
                 ON CONFLICT (session, form) DO UPDATE SET data = excluded.data, submitted = NULL,
                 updated_at = excluded.updated_at",
                params![session, form, data, now_rfc3339()],
            )?;
            Ok(Written::Done)
        }
        Write::PutFile {
            sha256,
            media_type,
            content,
        } => {
            conn.execute(
                "INSERT OR IGNORE INTO files (sha256, media_type, size, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sha256, media_type, content.len() as i64, content, now_rfc3339()],
            )?;
            Ok(Written::Done)
        }
        Write::PurgeDrafts { before } => {
            conn.execute("DELETE FROM drafts WHERE updated_at < ?1", params![before])?;
            Ok(Written::Done)
        }
    }
}

/// The first part of a reference: the publisher's code in capitals, letters and digits
/// only (`TH`), `EFA` if nothing is left.
fn reference_prefix(publisher: &str) -> String {
    let p: String = publisher
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    if p.is_empty() {
        "EFA".into()
    } else {
        p
    }
}

// ---------------------------------------------------------------------------------------
// Reads (run on a pooled connection through `Db::read`).

/// A session's draft of a form.
pub(crate) fn draft(
    conn: &Connection,
    session: &str,
    form: &str,
) -> rusqlite::Result<Option<Draft>> {
    conn.query_row(
        "SELECT data, submitted FROM drafts WHERE session = ?1 AND form = ?2",
        params![session, form],
        |r| {
            let data: String = r.get(0)?;
            Ok(Draft {
                data: serde_json::from_str(&data).unwrap_or(Json::Object(Default::default())),
                submitted: r.get(1)?,
            })
        },
    )
    .optional()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let data: String = r.get(7)?;
    let fees: String = r.get(8)?;
    Ok(Row {
        id: r.get(0)?,
        form: r.get(1)?,
        version: r.get(2)?,
        hash: r.get(3)?,
        received_at: r.get(4)?,
        lang: r.get(5)?,
        channel: r.get(6)?,
        data: serde_json::from_str(&data).unwrap_or(Json::Null),
        fees: serde_json::from_str(&fees).unwrap_or(Json::Null),
    })
}

const ROW_COLUMNS: &str = "id, form, version, hash, received_at, lang, channel, data, fees";

/// The order number of a submission, by its reference.
pub(crate) fn seq_of(conn: &Connection, id: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT seq FROM submissions WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .optional()
}

/// Submissions after `after` (an order number), oldest first, of one form or all.
pub(crate) fn list(
    conn: &Connection,
    form: Option<&str>,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Row>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM submissions WHERE seq > ?1 AND (?2 IS NULL OR form = ?2) ORDER BY seq LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, form, limit as i64], row)?;
    rows.collect()
}

/// One submission by its reference.
pub(crate) fn submission(conn: &Connection, id: &str) -> rusqlite::Result<Option<Row>> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM submissions WHERE id = ?1");
    conn.query_row(&sql, [id], row).optional()
}

/// An uploaded file: its media type and content.
pub(crate) fn file(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.query_row(
        "SELECT media_type, content FROM files WHERE sha256 = ?1",
        [sha256],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_prefixes() {
        assert_eq!(reference_prefix("TH"), "TH");
        assert_eq!(reference_prefix("he"), "HE");
        assert_eq!(reference_prefix("<x>"), "X");
        assert_eq!(reference_prefix(""), "EFA");
    }

    #[tokio::test]
    async fn writes_commit_and_read_back() {
        let dir = std::env::temp_dir().join(format!("efa-db-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("t.sqlite3");
        let _ = std::fs::remove_file(&path);
        let db = Db::open(&path).unwrap();
        let sub = NewSubmission {
            form: "hund".into(),
            version: "1.0.0".into(),
            hash: "sha256:00".into(),
            publisher: "HE".into(),
            lang: "de".into(),
            channel: "api",
            data: "{\"a\":1}".into(),
            fees: "[]".into(),
        };
        let mut ids = Vec::new();
        for _ in 0..3 {
            match db
                .write(Write::Submit {
                    sub: sub.clone(),
                    clear: None,
                })
                .await
                .unwrap()
            {
                Written::Submission(s) => ids.push(s.id),
                Written::Done => panic!("no reference"),
            }
        }
        assert!(ids[0].starts_with("HE-") && ids[0].ends_with("-000001"));
        let rows = db.read(|c| list(c, Some("hund"), 1, 10)).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, ids[1]);
        assert_eq!(rows[0].data, serde_json::json!({"a": 1}));
        db.close();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
