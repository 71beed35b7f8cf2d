//! The guard's policy, on the engine (`lanes::guard::decide`, no files): allow, ask or deny
//! per lane and per category, escalation when an edit adds Lane 3 evidence, removal of
//! Lane 3 code, path exceptions, profiles, and `[guard]` configuration errors with their
//! file, line and column.

use std::path::Path;

use lanes::config::Config;
use lanes::guard::{decide, Decision, Proposal};
use lanes::ruleset::Ruleset;

fn rules(toml: &str) -> Ruleset {
    let config = Config::from_toml(toml, Path::new("lanes.toml")).unwrap().unwrap();
    Ruleset::new(config, &[]).unwrap()
}

/// The decision and the deciding keys, one per touched region:
/// `ask [charge lane-3 2->3]`.
fn check(toml: &str, profile: &str, path: &str, before: Option<&str>, after: &str) -> String {
    let rules = rules(toml);
    let (name, policy) = rules.config.guard.profile(Some(profile)).unwrap();
    let p = Proposal {
        path: Path::new(path),
        rule_path: Path::new(path),
        before,
        after,
        protected: None,
        whole_file: false,
    };
    let v = decide(&p, &rules.config, Some(&rules), policy, name);
    let regions: Vec<String> = v
        .touched
        .iter()
        .map(|t| {
            let lane = |s: &Option<lanes::guard::Side>| s.as_ref().map_or("-".to_string(), |s| s.lane.number().to_string());
            format!("{} {} {}->{}", t.name, t.decided_by, lane(&t.before), lane(&t.after))
        })
        .collect();
    format!("{} [{}]", v.decision, regions.join("; "))
}

const PY: &str = "def total(items):\n    return sum(items)\n\n\ndef cleanup(folder):\n    return folder\n";

#[test]
fn lane_defaults_of_the_dev_profile() {
    // Lane 2: allow.
    let after = PY.replace("return sum(items)", "return sum(items) + 1");
    assert_eq!(check("", "dev", "shop/orders.py", Some(PY), &after), "allow [total lane-2 2->2]");
    // Lane 1 (test code): allow.
    assert_eq!(
        check("", "dev", "tests/test_orders.py", Some(PY), &after),
        "allow [total lane-1 1->1]"
    );
    // Lane 3 by a path rule: ask.
    let toml = "[[paths]]\nglob = \"billing/**\"\nlane = 3\n";
    assert_eq!(check(toml, "dev", "billing/orders.py", Some(PY), &after), "ask [total lane-3 3->3]");
}

#[test]
fn escalation_by_added_evidence() {
    // Adding a payment call to a Lane 2 function makes it a Lane 3 edit.
    let pay = PY.replace("return sum(items)", "return stripe.Charge.create(amount=sum(items))");
    assert_eq!(check("", "dev", "shop/orders.py", Some(PY), &pay), "ask [total lane-3 2->3]");
    // Adding shutil.rmtree is irreversible: denied by the category, not the lane.
    let rm = PY.replace("    return folder", "    shutil.rmtree(folder)\n    return folder");
    assert_eq!(check("", "dev", "shop/orders.py", Some(PY), &rm), "deny [cleanup categories.irreversible 2->3]");
    // Removing Lane 3 code is a Lane 3 edit too.
    assert_eq!(check("", "dev", "shop/orders.py", Some(&pay), PY), "ask [total lane-3 3->2]");
    // A new file is judged by what it contains.
    assert_eq!(check("", "dev", "shop/new.py", None, &pay), "ask [total lane-3 -->3; cleanup lane-2 -->2]");
}

#[test]
fn only_touched_regions_count() {
    // A Lane 3 function in the same file does not make an edit of its neighbour Lane 3.
    let text = "def total(items):\n    return sum(items)\n\n\ndef pay(x):\n    return stripe.Charge.create(amount=x)\n";
    let after = text.replace("return sum(items)", "return sum(items) or 0");
    assert_eq!(check("", "dev", "shop/orders.py", Some(text), &after), "allow [total lane-2 2->2]");
    // Nor does a class whose other method is Lane 3.
    let class = "class Cart:\n    def size(self):\n        return 1\n\n    def pay(self):\n        return stripe.Charge.create(amount=1)\n";
    let after = class.replace("return 1", "return 2");
    assert_eq!(check("", "dev", "shop/cart.py", Some(class), &after), "allow [size lane-2 2->2]");
}

#[test]
fn categories_replace_their_lanes_decision() {
    let toml = "[guard.categories]\nbilling = \"allow\"\n";
    let pay = PY.replace("return sum(items)", "return stripe.Charge.create(amount=sum(items))");
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &pay), "allow [total categories.billing 2->3]");
    // `total` is revenue code (its name): a category key tightens its Lane 2 too, and the
    // strictest side of the edit counts.
    let toml = "[guard.categories]\nbilling = \"allow\"\nrevenue = \"ask\"\n";
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &pay), "ask [total categories.revenue 2->3]");
    let after = PY.replace("return sum(items)", "return sum(items) + 1");
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &after), "ask [total categories.revenue 2->2]");
    // The built-in irreversible = deny still holds next to the file's own keys.
    let rm = PY.replace("    return folder", "    shutil.rmtree(folder)\n    return folder");
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &rm), "deny [cleanup categories.irreversible 2->3]");
    let toml = "[guard.categories]\nirreversible = \"ask\"\n";
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &rm), "ask [cleanup categories.irreversible 2->3]");
}

#[test]
fn lane_keys_and_profiles() {
    let after = PY.replace("return sum(items)", "return sum(items) + 1");
    let toml = "[guard]\nlane-2 = \"deny\"\n";
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &after), "deny [total lane-2 2->2]");
    // Built-in profiles: prod asks for Lane 2; ci denies Lane 3.
    assert_eq!(check("", "prod", "shop/orders.py", Some(PY), &after), "ask [total lane-2 2->2]");
    let pay = PY.replace("return sum(items)", "return stripe.Charge.create(amount=sum(items))");
    assert_eq!(check("", "ci", "shop/orders.py", Some(PY), &pay), "deny [total lane-3 2->3]");
    // A profile table overrides the keys at the top of [guard].
    let toml = "[guard]\nlane-2 = \"deny\"\n[guard.profiles.dev]\nlane-2 = \"allow\"\n";
    assert_eq!(check(toml, "dev", "shop/orders.py", Some(PY), &after), "allow [total lane-2 2->2]");
    assert_eq!(check(toml, "prod", "shop/orders.py", Some(PY), &after), "deny [total lane-2 2->2]");
    // The default profile comes from the file unless LANES_ENV says otherwise.
    let rules = rules("[guard]\nprofile = \"prod\"\n");
    assert_eq!(rules.config.guard.profile(None).unwrap().0, "prod");
    assert_eq!(rules.config.guard.profile(Some("ci")).unwrap().0, "ci");
    assert_eq!(
        rules.config.guard.profile(Some("qa")).unwrap_err(),
        "LANES_ENV=qa is not a guard profile (known: ci, dev, prod)"
    );
}

#[test]
fn path_exceptions_win_and_later_ones_win_over_earlier() {
    let toml = "[[guard.exceptions]]\nglob = \"scripts/**\"\ndecision = \"allow\"\n\n[[guard.exceptions]]\nglob = \"scripts/prod/**\"\ndecision = \"deny\"\n";
    let rm = PY.replace("    return folder", "    shutil.rmtree(folder)\n    return folder");
    assert_eq!(check(toml, "dev", "scripts/clean.py", Some(PY), &rm), "allow [cleanup exception `scripts/**` 2->3]");
    let after = PY.replace("return sum(items)", "return sum(items) + 1");
    assert_eq!(check(toml, "dev", "scripts/prod/clean.py", Some(PY), &after), "deny [total exception `scripts/prod/**` 2->2]");
}

#[test]
fn files_lanes_does_not_parse_follow_path_rules() {
    let toml = "[[paths]]\nglob = \"migrations/**\"\nlane = 3\ncategory = \"irreversible\"\n";
    assert_eq!(check(toml, "dev", "migrations/0001.sql", Some("select 1;\n"), "drop table x;\n"), "deny [the file categories.irreversible 3->3]");
    assert_eq!(check(toml, "dev", "README.md", Some("a\n"), "b\n"), "allow []");
}

fn err(toml: &str) -> String {
    Config::from_toml(toml, Path::new("proj/lanes.toml")).unwrap_err().to_string()
}

#[test]
fn guard_configuration_errors_name_file_line_and_column() {
    assert_eq!(err("[guard]\nlane-3 = \"maybe\"\n"), "proj/lanes.toml:2:10: decision must be `allow`, `ask` or `deny`, not `maybe`");
    assert_eq!(
        err("[guard.categories]\nmoney = \"deny\"\n"),
        "proj/lanes.toml:2:1: unknown category `money` (expected one of security, billing, permission, identity, compliance, irreversible, core, data, revenue, test, docs, ui, generated)"
    );
    assert_eq!(err("[guard]\nprofile = \"staging\"\n"), "proj/lanes.toml:2:11: unknown guard profile `staging` (known: ci, dev, prod)");
    assert_eq!(
        err("[[guard.exceptions]]\nglob = \"a/{b\"\ndecision = \"allow\"\n"),
        "proj/lanes.toml:2:8: invalid glob `a/{b`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
    );
    assert_eq!(
        err("[guard]\nlane-4 = \"ask\"\n"),
        "proj/lanes.toml:2:1: unknown field `lane-4`, expected one of `profile`, `lane-1`, `lane-2`, `lane-3`, `config`, `categories`, `exceptions`, `audit-log`, `grant-allow`, `profiles`"
    );
    assert_eq!(err("[guard.profiles.qa]\nlane-2 = \"no\"\n"), "proj/lanes.toml:2:10: decision must be `allow`, `ask` or `deny`, not `no`");
}

#[test]
fn decisions_order_by_strictness() {
    assert!(Decision::Allow < Decision::Ask && Decision::Ask < Decision::Deny);
}

#[test]
fn large_files_are_judged_on_a_window_with_true_line_numbers() {
    // Above 16 KiB only the top-level items around the edit are classified.
    let mut text = String::from("import stripe\n\n");
    for i in 0..400 {
        text.push_str(&format!("def step_{i}(x):\n    \"\"\"Step {i}.\"\"\"\n    return x + {i}\n\n\n"));
    }
    assert!(text.len() > 16 * 1024);
    let after = text.replace("    return x + 200\n", "    stripe.Charge.create(amount=x)\n    return x + 200\n");
    assert_eq!(check("", "dev", "shop/steps.py", Some(&text), &after), "ask [step_200 lane-3 2->3]");
    let rules = rules("");
    let (name, policy) = rules.config.guard.profile(None).unwrap();
    let p = Proposal { path: Path::new("shop/steps.py"), rule_path: Path::new("shop/steps.py"), before: Some(&text), after: &after, protected: None, whole_file: false };
    let v = decide(&p, &rules.config, Some(&rules), policy, name);
    // `def step_200` is on line 3 + 200 * 5.
    assert_eq!((v.touched[0].line, v.touched[0].added[0].line), (1003, 1005));
    // A window that would start inside a multi-line string does not parse cleanly: the
    // whole file is classified instead, and the call inside the string stays text (a
    // window cut there would have read it as code and denied the edit).
    let tricky = text.replace("def step_199(x):\n", "TEMPLATE = \"\"\"\n\ndef step_199(x):\n").replace("    return x + 199\n", "    return x + 199\n\"\"\"\n");
    let tricky_after = tricky.replace("    return x + 199\n", "    shutil.rmtree(x)\n    return x + 199\n");
    assert_eq!(check("", "dev", "shop/steps.py", Some(&tricky), &tricky_after), "allow [steps lane-2 2->2]");
}
