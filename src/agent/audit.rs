//! The audit log of guard decisions: one JSON object per line, appended with a single
//! `write` on a file opened with `O_APPEND` (so lines of concurrent writers never
//! interleave), then flushed to disk. Writing happens on a thread that the edit path waits
//! for at most `WRITE_TIMEOUT`, so a slow disk cannot hold up an agent. Readers skip a torn
//! line (a crash mid-write) and recover a record glued to one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long the edit path waits for the log line to reach the disk.
pub const WRITE_TIMEOUT: Duration = Duration::from_millis(300);

/// Every record starts with this, so a reader can find a record after a torn line.
const RECORD_START: &str = "{\"v\":1,";

/// One guard decision (or override).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    pub time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub path: String,
    #[serde(default)]
    pub regions: Vec<RegionRecord>,
    #[serde(default)]
    pub lanes: Vec<u8>,
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub profile: String,
    /// FNV-1a (64 bits) of the path and the texts before and after: which edit this was.
    pub edit_hash: String,
    /// A person's override: the reason they gave.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The decision the override replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRecord {
    pub name: String,
    pub kind: String,
    pub line: usize,
    #[serde(default)]
    pub lane_before: Option<u8>,
    #[serde(default)]
    pub lane_after: Option<u8>,
}

impl Record {
    /// The record as one line, starting with `RECORD_START`.
    pub fn to_line(&self) -> String {
        let mut s = serde_json::to_string(self).expect("serialisable");
        debug_assert!(s.starts_with(RECORD_START));
        s.push('\n');
        s
    }
}

/// Append one line, waiting at most `timeout` for it to reach the disk. Returns an error
/// (for a warning) when the write failed or did not finish in time; the write then goes on
/// in the background for as long as the process lives.
pub fn append(log: &Path, line: &str, timeout: Duration) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let (log_owned, line_owned) = (log.to_path_buf(), line.to_string());
    std::thread::spawn(move || {
        let _ = tx.send(write_line(&log_owned, &line_owned));
    });
    match rx.recv_timeout(timeout) {
        Ok(result) => result.map_err(|e| format!("cannot append to {}: {e}", log.display())),
        Err(_) => Err(format!("the audit log {} did not take the line within {} ms", log.display(), timeout.as_millis())),
    }
}

fn write_line(log: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    // One write call: with O_APPEND the kernel places it at the end as a whole.
    let written = file.write(line.as_bytes())?;
    if written < line.len() {
        // A short write (a full disk): finish the line so that the next one starts clean;
        // readers skip what is torn.
        file.write_all(&line.as_bytes()[written..])?;
    }
    file.flush()?;
    file.sync_data()
}

/// Read a log: the records, and how many lines could not be read (torn or foreign).
pub fn read(log: &Path) -> Result<(Vec<Record>, usize), String> {
    let text = match std::fs::read(log) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(format!("cannot read {}: {e}", log.display())),
    };
    Ok(parse(&text))
}

/// Parse log text, skipping unreadable lines; a record glued to the end of a torn line
/// is recovered.
pub fn parse(text: &str) -> (Vec<Record>, usize) {
    let mut records = Vec::new();
    let mut skipped = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(_) => {
                skipped += 1;
                if let Some(at) = line.rfind(RECORD_START).filter(|&at| at > 0) {
                    if let Ok(r) = serde_json::from_str::<Record>(&line[at..]) {
                        records.push(r);
                    }
                }
            }
        }
    }
    (records, skipped)
}

/// `lanes audit`: counts per lane, decision and agent, overrides, and the last `last`
/// Lane 3 attempts.
pub fn summary(records: &[Record], skipped: usize, log: &Path, last: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} decisions", log.display(), records.len());
    if skipped > 0 {
        let _ = writeln!(out, "  ({skipped} unreadable line{} skipped: torn by a crash or not a record)", if skipped == 1 { "" } else { "s" });
    }
    let count = |key: &dyn Fn(&Record) -> String| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for r in records {
            *m.entry(key(r)).or_default() += 1;
        }
        m
    };
    let table = |out: &mut String, title: &str, m: BTreeMap<String, usize>| {
        let _ = writeln!(out, "\n{title}");
        for (k, n) in m {
            let _ = writeln!(out, "  {k:<24} {n:>6}");
        }
    };
    let lane = |r: &Record| r.lanes.iter().max().map_or("no lane".to_string(), |l| format!("Lane {l}"));
    table(&mut out, "by lane", count(&lane));
    table(&mut out, "by decision", count(&|r: &Record| match &r.overridden {
        Some(was) => format!("{} (override of {was})", r.decision),
        None => r.decision.clone(),
    }));
    table(&mut out, "by agent", count(&|r: &Record| r.agent.clone().unwrap_or_else(|| "unknown".into())));
    let lane3: Vec<&Record> = records.iter().filter(|r| r.lanes.contains(&3)).collect();
    let _ = writeln!(out, "\nlast {} Lane 3 attempts", last.min(lane3.len()));
    for r in lane3.iter().rev().take(last).rev() {
        let regions: Vec<String> = r.regions.iter().map(|g| format!("{} `{}`", g.kind, g.name)).collect();
        let who = match (&r.agent, &r.tool) {
            (Some(a), Some(t)) => format!("{a} {t}"),
            (Some(a), None) => a.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => "unknown".into(),
        };
        let over = r.override_reason.as_ref().map(|o| format!(" (override: {o})")).unwrap_or_default();
        let _ = writeln!(out, "  {} {:<5} {} {} {}{over}", r.time, r.decision, who, r.path, regions.join(", "));
    }
    out
}

/// FNV-1a, 64 bits, of the parts with a separator between them.
pub fn edit_hash(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0xff;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for b in part.bytes() {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("fnv1a64:{hash:016x}")
}

/// Now, as RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    rfc3339(since.as_secs() as i64, since.subsec_millis())
}

fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = crate::date::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Where the log goes: `audit-log` of the configuration, relative to its directory, or
/// `.lanes/audit.jsonl` under the repository root (the nearest directory with `.git`
/// above `start`, else `start`) when there is no configuration file.
pub fn log_path(config: &crate::config::Config, start: &Path) -> PathBuf {
    if config.source.is_some() {
        let root = std::path::absolute(&config.root).unwrap_or_else(|_| config.root.clone());
        return root.join(&config.guard.audit_log);
    }
    let root = start.ancestors().find(|d| d.join(".git").exists()).unwrap_or(start);
    root.join(&config.guard.audit_log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_795_000_000, 123), "2026-11-18T11:06:40.123Z");
    }

    fn record(i: usize) -> Record {
        Record {
            v: 1,
            time: now(),
            agent: Some(format!("agent-{}", i % 3)),
            path: format!("src/file_{i}.py"),
            lanes: vec![3],
            decision: "ask".into(),
            reason: "x".repeat(i * 37 % 900),
            edit_hash: edit_hash(&[&i.to_string()]),
            ..Record::default()
        }
    }

    #[test]
    fn concurrent_writers_append_whole_lines() {
        let dir = std::env::temp_dir().join(format!("lanes-audit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let log = dir.join("nested/audit.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        append(&log, &record(t * 100 + i).to_line(), Duration::from_secs(10)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (records, skipped) = read(&log).unwrap();
        assert_eq!((records.len(), skipped), (200, 0));
        let mut paths: Vec<String> = records.iter().map(|r| r.path.clone()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 200);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn torn_lines_are_skipped_and_glued_records_recovered() {
        let (a, b) = (record(1).to_line(), record(2).to_line());
        // A crash tore the last line.
        let torn = format!("{a}{}", &b[..b.len() / 2]);
        let (records, skipped) = parse(&torn);
        assert_eq!((records, skipped), (vec![record_from(&a)], 1));
        // A later writer appended after the torn line: its record is recovered.
        let glued = format!("{a}{}{b}", &b[..b.len() / 2]);
        let (records, skipped) = parse(&glued);
        assert_eq!((records, skipped), (vec![record_from(&a), record_from(&b)], 1));
        // A missing log is empty, not an error.
        assert_eq!(read(Path::new("/nonexistent/lanes/audit.jsonl")).unwrap(), (Vec::new(), 0));
    }

    fn record_from(line: &str) -> Record {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn hashes_separate_parts() {
        assert_ne!(edit_hash(&["ab", "c"]), edit_hash(&["a", "bc"]));
        assert_eq!(edit_hash(&[""]), "fnv1a64:cbf29ce484222325");
    }
}
