//! Cron-style job scheduler for the build farm.
//!
//! Jobs run under whatever Unix permissions the agent process already has;
//! permissions are configured by the host, not checked in this module.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::process::ExitStatus;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use tokio::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSpec {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    weekdays: BTreeSet<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Job {
    pub priority: u8,
    pub name: String,
    pub command: String,
}

fn parse_field(field: &str, min: u32, max: u32) -> Result<BTreeSet<u32>, String> { // expect: lane2
    let mut out = BTreeSet::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|e| e.to_string())?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().map_err(|_| format!("bad {a}"))?, b.parse().map_err(|_| format!("bad {b}"))?)
        } else {
            let v: u32 = range.parse().map_err(|_| format!("bad {range}"))?;
            (v, v)
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{part} out of range {min}-{max}"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    Ok(out)
}

impl FromStr for CronSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> { // expect: lane2
        let fields: Vec<&str> = s.split_whitespace().collect();
        let [m, h, dow] = fields.as_slice() else {
            return Err(format!("expected 3 fields, got {}", fields.len()));
        };
        Ok(CronSpec {
            minutes: parse_field(m, 0, 59)?,
            hours: parse_field(h, 0, 23)?,
            weekdays: parse_field(dow, 0, 6)?,
        })
    }
}

impl CronSpec {
    pub fn matches(&self, t: DateTime<Utc>) -> bool { // expect: lane2
        self.minutes.contains(&t.minute())
            && self.hours.contains(&t.hour())
            && self.weekdays.contains(&t.weekday().num_days_from_sunday())
    }

    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> { // expect: lane2
        let mut cur = t.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        for _ in 0..(7 * 24 * 60) {
            if self.matches(cur) {
                return Some(cur);
            }
            cur += Duration::minutes(1);
        }
        None
    }
}

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;

    fn minutes_until(&self, at: DateTime<Utc>) -> i64 { // expect: lane2
        (at - self.now()).num_minutes().max(0)
    }
}

#[derive(Default)]
pub struct JobQueue {
    heap: BinaryHeap<Reverse<(DateTime<Utc>, Job)>>,
}

impl JobQueue {
    pub fn push(&mut self, at: DateTime<Utc>, job: Job) { // expect: lane2
        self.heap.push(Reverse((at, job)));
    }

    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<Job> { // expect: lane2
        let mut due = Vec::new();
        while matches!(self.heap.peek(), Some(Reverse((at, _))) if *at <= now) {
            if let Some(Reverse((_, job))) = self.heap.pop() {
                due.push(job);
            }
        }
        due.sort_by(|a, b| b.priority.cmp(&a.priority));
        due
    }

    pub fn remove(&mut self, name: &str) -> usize { // expect: lane2
        let before = self.heap.len();
        self.heap.retain(|Reverse((_, job))| job.name != name);
        before - self.heap.len()
    }
}

pub async fn run_job(job: &Job, workdir: &str) -> std::io::Result<ExitStatus> { // expect: lane3 security
    Command::new("/bin/sh")
        .arg("-c")
        .arg(&job.command)
        .current_dir(workdir)
        .kill_on_drop(true)
        .status()
        .await
}

pub fn describe(spec: &CronSpec) -> String { // expect: lane1
    let join = |s: &BTreeSet<u32>| s.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    format!(
        "at minute {} past hour {} on weekday {}",
        join(&spec.minutes),
        join(&spec.hours),
        join(&spec.weekdays)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    struct FixedClock(DateTime<Utc>);

    impl Clock for FixedClock {
        fn now(&self) -> DateTime<Utc> { // expect: lane1
            self.0
        }
    }

    #[test]
    fn parses_steps_and_ranges() { // expect: lane1
        let spec: CronSpec = "*/15 9-17 1-5".parse().unwrap();
        assert_eq!(spec.minutes.len(), 4);
        assert_eq!(spec.hours.len(), 9);
    }

    #[test]
    fn next_after_rolls_to_next_day() { // expect: lane1
        let spec: CronSpec = "0 3 *".parse().unwrap();
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 4, 0, 0).unwrap();
        assert_eq!(spec.next_after(t), Some(Utc.with_ymd_and_hms(2024, 5, 2, 3, 0, 0).unwrap()));
    }

    #[test]
    fn clock_default_method() { // expect: lane1
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(FixedClock(now).minutes_until(now + Duration::hours(1)), 60);
    }
}
