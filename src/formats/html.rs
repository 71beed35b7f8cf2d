//! `--format html`: one self-contained page (no network, no external files): a lane map of
//! the checked tree (a squarified treemap of directories and files, sized by lines and
//! coloured by lane, laid out here and drawn as inline SVG) and a sortable table of the
//! Lane 3 regions with their reasons. The sort order lives in the URL fragment
//! (`#sort=lines-desc`), so a sorted view can be linked to.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{categories, findings, open_gates, reasons_sentence, Input};
use crate::lane::Lane;

const WIDTH: f64 = 1200.0;
const HEIGHT: f64 = 640.0;
/// Height of a directory's label band.
const BAND: f64 = 16.0;
const PAD: f64 = 2.0;

/// Escape text for HTML and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Squarified treemap layout (Bruls, Huizing and van Wijk): place `sizes` (any order) in
/// `rect`, each with an area proportional to its size, keeping the rectangles close to
/// squares. Returns one rectangle per size, in the order given.
fn squarify(sizes: &[f64], rect: Rect) -> Vec<Rect> {
    let mut out = vec![Rect { x: rect.x, y: rect.y, w: 0.0, h: 0.0 }; sizes.len()];
    let total: f64 = sizes.iter().sum();
    if total <= 0.0 || rect.w <= 0.0 || rect.h <= 0.0 {
        return out;
    }
    let scale = rect.w * rect.h / total;
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].total_cmp(&sizes[a]).then(a.cmp(&b)));
    let mut free = rect;
    let mut i = 0;
    while i < order.len() {
        let side = free.w.min(free.h);
        // Grow the row while its worst aspect ratio improves.
        let worst = |row: &[usize]| {
            let areas: Vec<f64> = row.iter().map(|&k| sizes[k] * scale).collect();
            let sum: f64 = areas.iter().sum();
            let (max, min) = areas.iter().fold((0.0f64, f64::MAX), |(mx, mn), &a| (mx.max(a), mn.min(a)));
            if min <= 0.0 {
                return f64::MAX;
            }
            (side * side * max / (sum * sum)).max(sum * sum / (side * side * min))
        };
        let mut end = i + 1;
        while end < order.len() && worst(&order[i..=end]) <= worst(&order[i..end]) {
            end += 1;
        }
        let row = &order[i..end];
        let sum: f64 = row.iter().map(|&k| sizes[k] * scale).sum();
        if free.w >= free.h {
            // A column on the left.
            let width = if free.h > 0.0 { (sum / free.h).min(free.w) } else { 0.0 };
            let mut y = free.y;
            for &k in row {
                let h = if width > 0.0 { sizes[k] * scale / width } else { 0.0 };
                out[k] = Rect { x: free.x, y, w: width, h };
                y += h;
            }
            free = Rect { x: free.x + width, y: free.y, w: free.w - width, h: free.h };
        } else {
            // A row at the top.
            let height = if free.w > 0.0 { (sum / free.w).min(free.h) } else { 0.0 };
            let mut x = free.x;
            for &k in row {
                let w = if height > 0.0 { sizes[k] * scale / height } else { 0.0 };
                out[k] = Rect { x, y: free.y, w, h: height };
                x += w;
            }
            free = Rect { x: free.x, y: free.y + height, w: free.w, h: free.h - height };
        }
        i = end;
    }
    out
}

/// A directory tree of the checked files.
#[derive(Default)]
struct Dir {
    dirs: BTreeMap<String, Dir>,
    files: Vec<usize>,
    lines: usize,
}

impl Dir {
    fn insert(&mut self, parts: &[&str], file: usize, lines: usize) {
        self.lines += lines;
        match parts {
            [] | [_] => self.files.push(file),
            [dir, rest @ ..] => self.dirs.entry(dir.to_string()).or_default().insert(rest, file, lines),
        }
    }
}

struct Map<'a> {
    input: &'a Input<'a>,
    touched: Vec<bool>,
    svg: String,
}

fn lane_class(lane: u8) -> &'static str {
    match lane {
        1 => "lane1",
        2 => "lane2",
        _ => "lane3",
    }
}

impl Map<'_> {
    /// Draw `dir` (named `label`, at `path`) into `rect`.
    fn dir(&mut self, dir: &Dir, label: &str, path: &str, rect: Rect, depth: usize) {
        let mut inner = rect;
        if depth > 0 {
            let _ = write!(
                self.svg,
                "<g class=\"dir\" data-path=\"{}\"><rect class=\"dirbox\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}/ · {} lines</title></rect>",
                esc(path),
                rect.x,
                rect.y,
                rect.w,
                rect.h,
                esc(path),
                dir.lines
            );
            if rect.h > BAND * 2.0 && rect.w > 30.0 {
                let _ = write!(self.svg, "<text class=\"dirlabel\" x=\"{:.1}\" y=\"{:.1}\">{}/</text>", rect.x + 3.0, rect.y + 12.0, esc(&fit(label, rect.w - 6.0)));
                inner = Rect { x: rect.x + PAD, y: rect.y + BAND, w: rect.w - 2.0 * PAD, h: rect.h - BAND - PAD };
            } else {
                inner = Rect { x: rect.x + 1.0, y: rect.y + 1.0, w: rect.w - 2.0, h: rect.h - 2.0 };
            }
        }
        // Children: directories then files, each sized by lines (at least one).
        let mut sizes = Vec::new();
        for d in dir.dirs.values() {
            sizes.push(d.lines.max(1) as f64);
        }
        for &f in &dir.files {
            sizes.push(self.input.files[f].line_count.max(1) as f64);
        }
        let rects = squarify(&sizes, Rect { x: inner.x, y: inner.y, w: inner.w.max(0.0), h: inner.h.max(0.0) });
        let mut at = 0;
        for (name, d) in &dir.dirs {
            // A chain of single directories collapses into one label (`src/app/`).
            let (mut name, mut d) = (name.clone(), d);
            while d.files.is_empty() && d.dirs.len() == 1 {
                let (next, inner) = d.dirs.iter().next().expect("one");
                name = format!("{name}/{next}");
                d = inner;
            }
            let child_path = if path.is_empty() { name.clone() } else { format!("{path}/{name}") };
            self.dir(d, &name, &child_path, rects[at], depth + 1);
            at += 1;
        }
        for &f in &dir.files {
            self.file(f, rects[at]);
            at += 1;
        }
        if depth > 0 {
            self.svg.push_str("</g>");
        }
    }

    fn file(&mut self, index: usize, r: Rect) {
        let file = &self.input.files[index];
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        let lane3 = file.regions.iter().filter(|r| r.own_lane == 3 && !r.is_container).count();
        let touched = if self.touched[index] { " touched" } else { "" };
        let _ = write!(
            self.svg,
            "<g class=\"file {}{touched}\" data-path=\"{}\" data-lane=\"{}\" data-lines=\"{}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{} · Lane {} · {} lines · {} Lane 3 function{}</title></rect>",
            lane_class(file.lane),
            esc(&file.path),
            file.lane,
            file.line_count,
            r.x + 0.5,
            r.y + 0.5,
            (r.w - 1.0).max(0.0),
            (r.h - 1.0).max(0.0),
            esc(&file.path),
            file.lane,
            file.line_count,
            lane3,
            if lane3 == 1 { "" } else { "s" }
        );
        if r.w > 40.0 && r.h > 14.0 {
            let _ = write!(self.svg, "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>", r.x + 3.0, r.y + 12.0, esc(&fit(name, r.w - 6.0)));
        }
        self.svg.push_str("</g>");
    }
}

/// Shorten a label to roughly fit `width` pixels (about 6.5 pixels a character).
fn fit(label: &str, width: f64) -> String {
    let max = (width / 6.5).floor().max(0.0) as usize;
    if label.chars().count() <= max {
        return label.to_string();
    }
    if max <= 1 {
        return String::new();
    }
    let kept: String = label.chars().take(max - 1).collect();
    format!("{kept}…")
}

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2329; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { color: #59636e; margin: 0 0 16px; }
.legend span { display: inline-block; margin-right: 16px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
svg { width: 100%; height: auto; background: #f6f8fa; border: 1px solid #d0d7de; }
svg text { font-size: 11px; pointer-events: none; fill: #1d2329; }
.dirbox { fill: #e7ebef; stroke: #8c959f; stroke-width: 1; }
.dirlabel { font-weight: 600; }
.lane1 rect, i.lane1 { fill: #8fd19e; background: #8fd19e; }
.lane2 rect, i.lane2 { fill: #f5d76e; background: #f5d76e; }
.lane3 rect, i.lane3 { fill: #e8705f; background: #e8705f; }
.file rect { stroke: #fff; stroke-width: 1; }
.file.touched rect { stroke: #0b3d91; stroke-width: 3; }
table { border-collapse: collapse; margin-top: 16px; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { cursor: pointer; user-select: none; background: #f6f8fa; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, monospace; }
"#;

const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('lane3');
  if (!table) return;
  var heads = table.querySelectorAll('th');
  function sortBy(key, dir) {
    var col = -1;
    heads.forEach(function (th, i) {
      if (th.dataset.key === key) { col = i; th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending'); }
      else th.removeAttribute('aria-sort');
    });
    if (col < 0) return;
    var numeric = heads[col].dataset.type === 'num';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.sort || a.cells[col].textContent;
      var y = b.cells[col].dataset.sort || b.cells[col].textContent;
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return dir === 'asc' ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.dataset.sorted = key + '-' + dir;
  }
  function fromHash() {
    var m = /sort=([a-z]+)-(asc|desc)/.exec(location.hash);
    if (m) sortBy(m[1], m[2]);
  }
  heads.forEach(function (th) {
    th.addEventListener('click', function () {
      var dir = th.getAttribute('aria-sort') === 'ascending' ? 'desc' : 'asc';
      location.hash = 'sort=' + th.dataset.key + '-' + dir;
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
"#;

pub fn render(input: &Input) -> String {
    let mut touched = vec![false; input.files.len()];
    if let Some(change) = input.change {
        for t in &change.regions {
            if let Some(i) = input.files.iter().position(|f| f.path == t.path) {
                touched[i] = true;
            }
        }
    }
    let mut root = Dir::default();
    for (i, f) in input.files.iter().enumerate() {
        let parts: Vec<&str> = f.path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        root.insert(&parts, i, f.line_count.max(1));
    }
    let mut map = Map { input, touched, svg: String::new() };
    map.dir(&root, "", "", Rect { x: 0.0, y: 0.0, w: WIDTH, h: HEIGHT }, 0);

    let r = &input.summary.regions;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // No network: nothing may be fetched, even by accident.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<title>lanes: lane map</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>Lane map</h1>\n");
    let scope = match input.change {
        Some(c) => format!(" Outlined: files the change against <code>{}</code> touches.", esc(&c.against)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "<p class=\"sub\" id=\"summary\">{} files, {} regions: Lane 3 {}, Lane 2 {}, Lane 1 {}. Each rectangle is a file, sized by its lines and coloured by its lane.{scope}</p>",
        input.summary.files,
        r.one + r.two + r.three,
        r.three,
        r.two,
        r.one
    );
    let _ = writeln!(
        out,
        "<p class=\"legend\"><span><i class=\"lane1\"></i>Lane 1 · {}</span><span><i class=\"lane2\"></i>Lane 2 · {}</span><span><i class=\"lane3\"></i>Lane 3 · {}</span></p>",
        Lane::One.title(),
        Lane::Two.title(),
        Lane::Three.title()
    );
    let _ = writeln!(out, "<svg id=\"map\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"lane map\">{}</svg>", map.svg);

    let rows: Vec<(String, String, &crate::report::RegionReport, Lane)> = match input.change {
        Some(change) => change.lane3().map(|t| (t.path.clone(), t.change.name().to_string(), &t.region, t.lane)).collect(),
        None => findings(input).into_iter().map(|f| (f.path.to_string(), String::new(), f.region, f.lane)).collect(),
    };
    let heading = if input.change.is_some() { "Lane 3 regions the change touches" } else { "Lane 3 regions" };
    let _ = writeln!(out, "<h2>{heading} ({})</h2>", rows.len());
    out.push_str("<table id=\"lane3\">\n<thead><tr><th data-key=\"file\">file</th><th data-key=\"line\" data-type=\"num\">line</th><th data-key=\"region\">region</th><th data-key=\"lines\" data-type=\"num\">lines</th><th data-key=\"categories\">categories</th><th data-key=\"gates\">open gates</th><th data-key=\"reasons\">reasons</th></tr></thead>\n<tbody>\n");
    for (path, change, region, lane) in &rows {
        let size = region.end_line + 1 - region.start_line.min(region.end_line);
        let change = if change.is_empty() { String::new() } else { format!(" <em>({change})</em>") };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\" data-sort=\"{}\">{}</td><td>{} <code>{}</code>{change}</td><td class=\"num\" data-sort=\"{size}\">{size}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(path),
            region.start_line,
            region.start_line,
            esc(region.kind),
            esc(&region.name),
            esc(&categories(region, *lane).join(", ")),
            esc(&open_gates(region).join(", ")),
            esc(&reasons_sentence(region, *lane))
        );
    }
    out.push_str("</tbody>\n</table>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarify_fills_the_rectangle_with_proportional_areas() {
        let sizes = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0];
        let rect = Rect { x: 0.0, y: 0.0, w: 6.0, h: 4.0 };
        let out = squarify(&sizes, rect);
        for (s, r) in sizes.iter().zip(&out) {
            assert!((r.w * r.h - s).abs() < 1e-9, "area of {r:?} is not {s}");
            assert!(r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.w <= 6.0 + 1e-9 && r.y + r.h <= 4.0 + 1e-9, "{r:?} leaves the rectangle");
        }
        // No two rectangles overlap.
        for (i, a) in out.iter().enumerate() {
            for b in &out[i + 1..] {
                let overlap_w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let overlap_h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(overlap_w <= 1e-9 || overlap_h <= 1e-9, "{a:?} overlaps {b:?}");
            }
        }
        // The paper's example: the first row holds the two largest items, side by side.
        assert_eq!((out[0].x, out[0].y, out[1].x), (0.0, 0.0, 0.0));
        assert!((out[0].w - 3.0).abs() < 1e-9 && (out[0].h - 2.0).abs() < 1e-9);
    }

    #[test]
    fn labels_are_escaped_and_shortened() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(fit("billing.py", 100.0), "billing.py");
        assert_eq!(fit("a_very_long_file_name.py", 50.0), "a_very…");
    }
}
