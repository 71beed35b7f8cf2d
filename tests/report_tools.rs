//! Outputs checked by outside tools: the SARIF log by Microsoft's SARIF validator
//! (`sarif-multitool validate`, npm `@microsoft/sarif-multitool`), and the HTML report by
//! rendering it in headless Chromium (Debian `chromium`): its DOM after the page's script ran,
//! and a screenshot. `.ci/report-tools.sh` installs each tool on first use (into `.tools/`,
//! or with apt-get for chromium) and is a no-op once they are there. Artefacts (the SARIF
//! files, the page, the screenshot and the DOM) stay in `target/report-artefacts/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn artefacts() -> PathBuf {
    let dir = repo().join("target/report-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The path of a tool, installed by `.ci/report-tools.sh` when missing.
fn tool(name: &str) -> PathBuf {
    let out = Command::new("bash").arg(repo().join(".ci/report-tools.sh")).arg(name).output().expect("bash runs");
    assert!(out.status.success(), "installing {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(stdout.lines().last().expect("the script prints the tool's path").trim())
}

fn lanes(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lanes")).args(args).current_dir(cwd).env("NO_COLOR", "1").output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// Validate a SARIF file; returns the validator's results as `level ruleId: message` lines.
fn validate(validator: &Path, file: &Path) -> Vec<String> {
    let log = file.with_extension("validation.sarif");
    let out = Command::new(validator)
        .args(["validate", "--log", "ForceOverwrite", "--output"])
        .arg(&log)
        .arg(file)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the validator runs");
    assert!(out.status.success(), "validator failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    result["runs"][0]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    let message = r["message"]["text"].as_str().map(str::to_string).unwrap_or_else(|| r["message"].to_string());
                    format!("{} {}: {}", r["level"].as_str().unwrap_or("warning"), r["ruleId"].as_str().unwrap_or("?"), message)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sarif_passes_the_sarif_validator() {
    let validator = tool("sarif");
    let dir = artefacts();
    // The whole sample project, and a change with a policy failure (results at `error`).
    let (code, full) = lanes(repo(), &["check", "--format", "sarif", "examples/shop"]);
    assert_eq!(code, 0);
    let (code, failing) = lanes(repo(), &["check", "--format", "sarif", "--fail-on", "lane3-unreviewed", "tests/fixtures/project"]);
    assert_eq!(code, 1);
    let mut checked = 0;
    for (name, text) in [("shop.sarif", &full), ("project-policy.sarif", &failing)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let findings = validate(&validator, &path);
        let errors: Vec<&String> = findings.iter().filter(|f| f.starts_with("error")).collect();
        assert!(errors.is_empty(), "{name}: the validator reports errors:\n{}", errors.iter().map(|e| e.as_str()).collect::<Vec<_>>().join("\n"));
        let sarif: Value = serde_json::from_str(text).unwrap();
        checked += sarif["runs"][0]["results"].as_array().unwrap().len();
    }
    assert!(checked > 30, "the logs hold results ({checked})");

    // The validator does catch errors: a copy with an impossible line number fails.
    let mut broken: Value = serde_json::from_str(&full).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    let path = dir.join("broken.sarif");
    std::fs::write(&path, serde_json::to_string_pretty(&broken).unwrap()).unwrap();
    let findings = validate(&validator, &path);
    assert!(findings.iter().any(|f| f.starts_with("error") && f.contains("startLine")), "{findings:?}");
}

/// Run chromium headless on a file URL with extra arguments; returns stdout.
fn chromium(args: &[String]) -> String {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    let bin = PATH.get_or_init(|| tool("chromium"));
    let profile = std::env::temp_dir().join(format!("lanes-chromium-{}-{}", std::process::id(), args.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Values of `attr="…"` on every tag that has `marker` in it.
fn attributes<'a>(dom: &'a str, marker: &str, attr: &str) -> Vec<&'a str> {
    let key = format!("{attr}=\"");
    dom.split('<')
        .filter(|tag| tag.split('>').next().is_some_and(|t| t.contains(marker)))
        .filter_map(|tag| {
            let tag = tag.split('>').next()?;
            let start = tag.find(&key)? + key.len();
            Some(&tag[start..start + tag[start..].find('"')?])
        })
        .collect()
}

#[test]
fn html_report_renders_in_chromium() {
    let dir = artefacts();
    let (code, html) = lanes(repo(), &["check", "--format", "html", "examples/shop"]);
    assert_eq!(code, 0);
    let (_, json) = lanes(repo(), &["check", "--format", "json", "examples/shop"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    // Self-contained: nothing to fetch.
    for word in ["http:", "https:", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(word), "the page refers to something outside it: {word}");
    }
    let page = dir.join("lanes.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}#sort=lines-desc", page.display());

    // The DOM after the script ran, sorted by the URL fragment.
    let dom = chromium(&["--dump-dom".to_string(), url.clone()]);
    std::fs::write(dir.join("lanes.dom.html"), &dom).unwrap();
    // One rectangle per file, with the file's lane.
    let mut expected: Vec<(String, String)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["lane"].to_string()))
        .collect();
    let paths = attributes(&dom, "class=\"file ", "data-path");
    let file_lanes = attributes(&dom, "class=\"file ", "data-lane");
    let mut drawn: Vec<(String, String)> = paths.iter().zip(&file_lanes).map(|(p, l)| (p.to_string(), l.to_string())).collect();
    expected.sort();
    drawn.sort();
    assert_eq!(drawn, expected);
    // The table: one row per Lane 3 region, sorted by size, largest first.
    let lane3_functions = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["regions"].as_array().unwrap())
        .filter(|r| r["lane"] == 3 && matches!(r["kind"].as_str(), Some("function" | "method")))
        .count();
    let rows = dom.matches("<tr><td>").count();
    assert!(rows >= lane3_functions && lane3_functions > 20, "{rows} rows for {lane3_functions} Lane 3 functions");
    assert!(dom.contains("data-sorted=\"lines-desc\""), "the fragment sorted the table");
    assert!(dom.contains("aria-sort=\"descending\""));
    let sizes: Vec<usize> = attributes(&dom, "class=\"num\" data-sort", "data-sort")
        .chunks(2)
        .map(|pair| pair[1].parse().unwrap())
        .collect();
    assert_eq!(sizes.len(), rows);
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "rows sorted by lines, descending: {sizes:?}");
    assert!(dom.contains("delete_customer") && dom.contains("deletes files or directories"), "reasons are shown");

    // The screenshot: the map is drawn in all three lane colours.
    let shot = dir.join("lanes.png");
    let _ = std::fs::remove_file(&shot);
    chromium(&[format!("--screenshot={}", shot.display()), "--window-size=1280,1000".to_string(), url]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).expect("a screenshot")));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 1000));
    let channels = info.color_type.samples();
    let count = |rgb: [u8; 3]| {
        buf[..info.buffer_size()]
            .chunks(channels)
            .filter(|p| p.iter().take(3).zip(rgb).all(|(a, b)| a.abs_diff(b) <= 6))
            .count()
    };
    let (green, amber, red) = (count([0x8f, 0xd1, 0x9e]), count([0xf5, 0xd7, 0x6e]), count([0xe8, 0x70, 0x5f]));
    let total = (info.width * info.height) as usize;
    for (name, n) in [("Lane 1 green", green), ("Lane 2 amber", amber), ("Lane 3 red", red)] {
        assert!(n > total / 200, "{name}: {n} of {total} pixels");
    }
}
