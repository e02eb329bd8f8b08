//! Benchmark results as a markdown fragment: every bench writes
//! `target/bench/<bench-name>.md` (a heading, notes, and one table of figure,
//! value, baseline, ratio, target, met?); `scripts/bench.sh` runs every bench
//! and concatenates the fragments into BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// One row of the table.
pub struct Row {
    pub figure: String,
    pub value: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    /// `None` when the row has no target.
    pub met: Option<bool>,
}

/// A bench's fragment.
pub struct Fragment {
    pub name: String,
    pub title: String,
    pub notes: Vec<String>,
    pub rows: Vec<Row>,
}

impl Fragment {
    pub fn new(name: &str, title: &str) -> Self {
        Self {
            name: name.to_string(),
            title: title.to_string(),
            notes: Vec::new(),
            rows: Vec::new(),
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## {} (`{}`)\n", self.title, self.name);
        for n in &self.notes {
            let _ = writeln!(out, "{n}\n");
        }
        out.push_str("| figure | value | baseline | ratio | target | met? |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for r in &self.rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {met} |",
                r.figure, r.value, r.baseline, r.ratio, r.target
            );
        }
        out.push('\n');
        out
    }

    /// Writes `target/bench/<name>.md` (under `CARGO_TARGET_DIR` when set)
    /// and prints the fragment; returns the path.
    pub fn write(&self) -> std::io::Result<PathBuf> {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::workspace_root().join("target"));
        let dir = target.join("bench");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.md", self.name));
        let text = self.to_markdown();
        std::fs::write(&path, &text)?;
        println!("\n{text}written to {}", path.display());
        Ok(path)
    }
}

/// The median of some durations (the lower middle one for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    let mut v = samples.to_vec();
    v.sort();
    v.get(v.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// `1.234 s`, `12.3 ms`, `45.6 µs`.
pub fn show(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Today's date and time (UTC) for the notes.
pub fn now_utc() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let t = time::OffsetDateTime::from_unix_timestamp(now as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The machine, for the notes: CPU count and load when the bench started.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!("{cpus} CPUs, load average {load} at start")
}
