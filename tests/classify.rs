//! Classification fixtures: small files (and an optional `lanes.toml`) in, every region's lane
//! and evidence out, as a compact text snapshot. `//- /path` starts a file of the fixture.
//! Update snapshots with `UPDATE_EXPECT=1 cargo test --test classify`.

use std::path::Path;

use expect_test::{expect, Expect};
use lanes::classify::{classify, SourceFile};
use lanes::config::Config;
use lanes::explain::region_lines;
use lanes::language::Language;
use lanes::ruleset::Ruleset;

/// Classify every source file of the fixture and render one line per region:
/// `kind name lines a-b: lane N (categories) [rule@line, …]`; overridden evidence is
/// marked `~`.
fn render(fixture: &str) -> String {
    let mut files: Vec<(String, String)> = Vec::new();
    for chunk in fixture.split("//- ").skip(1) {
        let (path, body) = chunk.split_once('\n').unwrap();
        files.push((path.trim().trim_start_matches('/').to_string(), body.to_string()));
    }
    let ruleset = match files.iter().find(|(p, _)| p == "lanes.toml") {
        Some((_, text)) => {
            let config = Config::from_toml(text, Path::new("lanes.toml")).unwrap().unwrap();
            Ruleset::new(config, &[]).unwrap()
        }
        None => Ruleset::new(Config::default(), &[]).unwrap(),
    };
    let mut out = String::new();
    for (path, text) in &files {
        let Some(language) = Language::from_path(Path::new(path)) else { continue };
        let file = SourceFile { path: Path::new(path), rule_path: Path::new(path), language, text };
        let c = classify(&file, &ruleset);
        out.push_str(&format!("{path}\n"));
        for p in &c.problems {
            out.push_str(&format!("  problem at {}: {}\n", c.line_index.line(p.range.start) + 1, p.message));
        }
        for r in &c.regions {
            let (start, end) = region_lines(r, &c.line_index, text);
            let cats: Vec<&str> = r.categories.iter().map(|c| c.name()).collect();
            let evidence: Vec<String> = r
                .evidence
                .iter()
                .map(|e| format!("{}{}@{}", if e.overridden { "~" } else { "" }, e.rule, c.line_index.line(e.range.start) + 1))
                .collect();
            out.push_str(&format!(
                "  {} {} {}-{}: lane {} ({}) [{}]\n",
                r.region.kind.name(),
                r.region.name,
                start,
                end,
                r.lane.number(),
                cats.join(", "),
                evidence.join(", ")
            ));
        }
    }
    out
}

fn check(fixture: &str, expected: Expect) {
    expected.assert_eq(&render(fixture));
}

#[test]
fn python_traps_stay_out_of_lane_3() {
    check(
        r#"
//- /text/search.py
import requests

def tokenize(query):
    tokens = query.lower().split()
    return [t for t in tokens if t]

def fetch_feed(url):
    session = requests.Session()
    return session.get(url).json()

def forget(cache, key):
    cache.pop(key, None)
    cache.delete(key)
    items = [1, 2]
    items.remove(1)
"#,
        expect![[r#"
            text/search.py
              module search 1-15: lane 2 (core) [default@1]
              function tokenize 3-5: lane 2 (core) [default@3]
              function fetch_feed 7-9: lane 2 (core) [default@7]
              function forget 11-15: lane 2 (core) [default@11]
        "#]],
    );
}

#[test]
fn rust_traps_stay_out_of_lane_3() {
    check(
        r#"
//- /src/stock.rs
use std::collections::HashMap;

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {}
}

pub fn release(stock: &mut HashMap<String, u32>, sku: &str, guard: Guard) {
    stock.remove(sku);
    drop(guard);
}

pub fn next_token(input: &str) -> Option<&str> {
    input.split_whitespace().next()
}
"#,
        expect![[r#"
            src/stock.rs
              module stock 1-16: lane 2 (core) [default@1]
              impl Drop for Guard 5-7: lane 2 (core) [default@5]
              method drop 6-6: lane 2 (core) [default@6]
              function release 9-12: lane 2 (core) [default@9]
              function next_token 14-16: lane 2 (core) [default@14]
        "#]],
    );
}

#[test]
fn lane_3_evidence_in_python() {
    check(
        r#"
//- /app/ops.py
import shutil
import subprocess
import stripe

def refund(charge_id):
    return stripe.Refund.create(charge=charge_id)

def wipe_uploads(path):
    shutil.rmtree(path)

def run_job(cmd):
    subprocess.run(cmd, shell=True)

def find_user(cursor, name):
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
"#,
        expect![[r#"
            app/ops.py
              module ops 1-15: lane 3 (security, billing, irreversible) [contains@5, contains@8, contains@11, contains@14]
              function refund 5-6: lane 3 (billing) [billing.money@5, billing.payment-api@6]
              function wipe_uploads 8-9: lane 3 (irreversible) [irreversible.delete-records@8, irreversible.delete-files@9]
              function run_job 11-12: lane 3 (security) [security.shell@12]
              function find_user 14-15: lane 3 (security) [security.raw-sql@15]
        "#]],
    );
}

#[test]
fn precedence_inline_path_test_signals_default() {
    check(
        r#"
//- /lanes.toml
[[paths]]
glob = "billing/**"
lane = 3
category = "billing"
reason = "billing moves money"

[[paths]]
glob = "docs/**"
lane = 1
category = "docs"

//- /billing/format.py
def cents_label(cents):
    return f"{cents / 100:.2f}"

# lanes: lane=2 reason="display only, reviewed"
def amount_label(cents):
    return f"{cents / 100:.2f}"

//- /docs/example.py
import os

def example():
    os.system("ls")

//- /tests/test_ops.py
import shutil

def test_cleanup(tmp_path):
    shutil.rmtree(tmp_path)

//- /app/core.py
def total(items):
    return sum(items)
"#,
        expect![[r#"
            billing/format.py
              module format 1-7: lane 3 (billing) [path@1]
              function cents_label 1-2: lane 3 (billing) [path@1, ~ui.presentation@1]
              function amount_label 5-6: lane 2 () [inline@4, ~ui.presentation@5]
            docs/example.py
              module example 1-5: lane 1 (docs) [path@1]
              function example 3-4: lane 1 (docs) [path@3, ~security.shell@4]
            tests/test_ops.py
              module test_ops 1-5: lane 1 (test) [test.path@1]
              function test_cleanup 3-4: lane 1 (test) [test.path@3, ~irreversible.delete-files@4]
            app/core.py
              module core 1-2: lane 2 (core) [default@1]
              function total 1-2: lane 2 (revenue) [revenue.pricing@1]
        "#]],
    );
}

#[test]
fn containers_take_the_highest_lane_and_nested_functions_inherit() {
    check(
        r#"
//- /app/accounts.py
import bcrypt

class Accounts:
    def display_name(self, user):
        return user.name.title()

    def check(self, user, password):
        return bcrypt.checkpw(password, user.hash)

def guarded(view):
    def wrapper(request):
        if not request.user.is_staff:
            raise PermissionDenied()
        return view(request)
    return wrapper
"#,
        expect![[r#"
            app/accounts.py
              module accounts 1-15: lane 3 (security, permission) [contains@3, contains@10]
              class Accounts 3-8: lane 3 (security) [contains@7]
              method display_name 4-5: lane 1 (ui) [ui.presentation@4]
              method check 7-8: lane 3 (security) [security.secrets@7, security.password@8, security.secrets@8]
              function guarded 10-15: lane 3 (permission) [contains@11]
              function wrapper 11-14: lane 3 (permission) [permission.check@12, permission.check@12, permission.check@13]
        "#]],
    );
}

#[test]
fn rust_regions_tests_and_unsafe() {
    check(
        r#"
//- /src/buf.rs
pub struct Buf(Vec<u8>);

impl Buf {
    pub fn first(&self) -> u8 {
        unsafe { *self.0.get_unchecked(0) }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

mod inner {
    pub fn helper() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_byte() {
        let b = Buf(vec![1]);
        assert_eq!(b.first(), 1);
        std::fs::remove_dir_all("/tmp/x").ok();
    }
}
"#,
        expect![[r#"
            src/buf.rs
              module buf 1-27: lane 3 (security) [contains@3]
              impl Buf 3-11: lane 3 (security) [contains@4]
              method first 4-6: lane 3 (security) [security.unsafe@5]
              method len 8-10: lane 2 (core) [default@8]
              module inner 13-15: lane 2 (core) [default@13]
              function helper 14-14: lane 2 (core) [default@14]
              module tests 18-27: lane 1 (test) [test.code@17]
              function first_byte 22-26: lane 1 (test) [test.code@17, test.code@21, ~irreversible.delete-files@25]
        "#]],
    );
}

#[test]
fn ignore_annotations_and_problems() {
    check(
        r#"
//- /src/ffi.rs
// lanes: ignore=security.unsafe
pub fn reviewed() -> u8 {
    unsafe { 1 }
}

pub fn partly() -> u8 {
    let a = unsafe { 1 }; // lanes: ignore=security.unsafe
    let b = unsafe { 2 };
    a + b
}

// lanes: lane=4
pub fn broken() {}

// lanes: colour=red
pub fn unknown_key() {}
"#,
        expect![[r#"
            src/ffi.rs
              problem at 12: `4` is not a lane (expected 1, 2 or 3)
              problem at 15: unknown key `colour` in `lanes:` annotation (expected lane, category, reason, ignore, reviewed-by or rollback)
              module ffi 1-16: lane 3 (security) [contains@6]
              function reviewed 2-4: lane 2 (core) [default@2, ~security.unsafe@3]
              function partly 6-10: lane 3 (security) [security.unsafe@8, ~security.unsafe@7]
              function broken 13-13: lane 2 (core) [default@13]
              function unknown_key 16-16: lane 2 (core) [default@16]
        "#]],
    );
}

#[test]
fn configuration_vocabulary_disable_and_relane() {
    check(
        r#"
//- /lanes.toml
default-lane = 1
disable = ["security.shell"]

[vocabulary]
billing = ["ledger"]

[signals]
pii = 2

//- /app/ledger.py
import os

def post_to_ledger(entry):
    return entry

def run(cmd):
    os.system(cmd)

def age(customer):
    return customer.date_of_birth
"#,
        expect![[r#"
            app/ledger.py
              module ledger 1-10: lane 3 (billing) [contains@3]
              function post_to_ledger 3-4: lane 3 (billing) [billing.vocabulary@3]
              function run 6-7: lane 1 (core) [default@6]
              function age 9-10: lane 2 (compliance) [compliance.pii@10]
        "#]],
    );
}

#[test]
fn syntax_errors_and_multibyte_lines_still_give_regions() {
    check(
        r#"
//- /app/broken.py
def ok():
    return 1

def broken(:
    pass

label = "é中🙂"; import os
def after():  # 🙂
    os.remove("x")
"#,
        expect![[r#"
            app/broken.py
              problem at 4: syntax error: regions around it may be missing or cut short
              module broken 1-9: lane 3 (irreversible) [contains@8]
              function ok 1-2: lane 2 (core) [default@1]
              function broken 4-5: lane 2 (core) [default@4]
              function after 8-9: lane 3 (irreversible) [irreversible.delete-files@9]
        "#]],
    );
}

#[test]
fn generated_files_are_lane_1() {
    check(
        r#"
//- /src/gen.rs
// @generated by protoc. DO NOT EDIT.
pub fn decode(bytes: &[u8]) -> u8 {
    unsafe { *bytes.get_unchecked(0) }
}
"#,
        expect![[r#"
            src/gen.rs
              module gen 1-4: lane 1 (generated) [contains@2]
              function decode 2-4: lane 1 (generated) [generated.code@1, ~security.unsafe@3, ~data.parsing@2]
        "#]],
    );
}

/// Every function with its gates: `t` tests, `o` observability, `r` review, `b` rollback;
/// `+` present, `-` missing, `.` not applicable.
fn render_gates(fixture: &str) -> String {
    use lanes::gates::GateState;
    let mark = |s: GateState| match s {
        GateState::Present => '+',
        GateState::Missing => '-',
        GateState::NotApplicable => '.',
    };
    let mut out = String::new();
    for chunk in fixture.split("//- ").skip(1) {
        let (path, text) = chunk.split_once('\n').unwrap();
        let path = path.trim().trim_start_matches('/');
        let language = Language::from_path(Path::new(path)).unwrap();
        let file = SourceFile { path: Path::new(path), rule_path: Path::new(path), language, text };
        let c = classify(&file, Ruleset::builtin());
        for r in c.regions.iter().skip(1) {
            let g = &r.gates;
            out.push_str(&format!(
                "{path} {} lane {}: t{} o{} r{} b{}\n",
                r.region.name,
                r.lane.number(),
                mark(g.tests),
                mark(g.observability),
                mark(g.review),
                mark(g.rollback)
            ));
        }
    }
    out
}

#[test]
fn gates_per_function() {
    let fixture = r#"
//- /app/orders.py
import logging
import shutil

logger = logging.getLogger(__name__)


def total(items):
    logger.info("total of %d items", len(items))
    return sum(items)


def average(items):
    return sum(items) / len(items)


class Orders:
    def place(self, order):
        self.log.warning("placing %s", order)

    # lanes: rollback="restore the folder from the nightly backup"
    def purge(self, path):
        shutil.rmtree(path)

//- /src/ledger.rs
pub struct Ledger;

impl Ledger {
    #[tracing::instrument(skip(self))]
    pub fn post(&self, amount: i64) -> i64 {
        amount
    }

    pub fn new() -> Self {
        Ledger
    }

    pub fn raw(&self, p: *const u8) -> u8 {
        unsafe { *p }
    }
}

pub fn tally(n: i64) -> i64 {
    tracing::info!(n, "tallied");
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts() {
        assert_eq!(Ledger.post(1), 1);
        let _ = Ledger::new();
    }
}
"#;
    expect![[r#"
        app/orders.py total lane 2: t- o+ r. b.
        app/orders.py average lane 2: t- o- r. b.
        app/orders.py Orders lane 3: t. o. r. b.
        app/orders.py place lane 2: t- o+ r. b.
        app/orders.py purge lane 3: t- o- r- b+
        src/ledger.rs Ledger lane 3: t. o. r. b.
        src/ledger.rs post lane 2: t+ o+ r. b.
        src/ledger.rs new lane 2: t+ o- r. b.
        src/ledger.rs raw lane 3: t- o- r- b.
        src/ledger.rs tally lane 2: t- o+ r. b.
        src/ledger.rs tests lane 1: t. o. r. b.
        src/ledger.rs posts lane 1: t. o. r. b.
    "#]].assert_eq(&render_gates(fixture));
}
