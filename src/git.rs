//! The git command line, for `lanes check --diff`: the repository root, the diff of the
//! working tree against a revision (or of the index against `HEAD`), and blob contents. The
//! only place that starts git; errors say what to do.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context};

/// What to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Against {
    /// The working tree against a revision (`git diff REV`).
    Revision(String),
    /// The index against `HEAD` (`git diff --cached`), as a pre-commit hook sees it.
    Staged,
}

impl Against {
    /// How the change is named in reports.
    pub fn label(&self) -> String {
        match self {
            Against::Revision(rev) => rev.clone(),
            Against::Staged => "staged changes".to_string(),
        }
    }
}

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    // Paths as they are (no octal escapes), and no pager, colour or external diff tools
    // whatever the user's configuration says.
    cmd.arg("-C").arg(dir).args(["-c", "core.quotePath=false", "--no-pager"]);
    cmd.env("GIT_OPTIONAL_LOCKS", "0");
    cmd
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<Result<Vec<u8>, String>> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!("--diff needs git, and `git` is not on the PATH")
        } else {
            anyhow!("cannot run git to {what}: {e}")
        }
    })?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

/// The top directory of the git work tree that holds `dir`.
pub fn repo_root(dir: &Path) -> anyhow::Result<PathBuf> {
    let mut cmd = git(dir);
    cmd.args(["rev-parse", "--show-toplevel"]);
    match run(cmd, "find the repository")? {
        Ok(out) => {
            let root = String::from_utf8(out).context("git printed a path that is not UTF-8")?;
            Ok(PathBuf::from(root.trim_end_matches(['\n', '\r'])))
        }
        Err(message) if message.contains("not a git repository") => bail!(
            "{} is not inside a git repository: --diff and --diff-staged compare against git history (run `lanes check` without them to check every file)",
            dir.display()
        ),
        Err(message) => bail!("git cannot find the repository at {}: {message}", dir.display()),
    }
}

/// `git diff -U0` output for the whole repository at `root`.
pub fn diff(root: &Path, against: &Against) -> anyhow::Result<String> {
    if let Against::Revision(rev) = against {
        if rev.starts_with('-') {
            bail!("`{rev}` is not a revision (it looks like an option)");
        }
        let mut verify = git(root);
        verify.args(["rev-parse", "--verify", "--quiet", "--end-of-options"]).arg(format!("{rev}^{{commit}}"));
        if run(verify, "read the revision")?.is_err() {
            bail!("`{rev}` is not a commit in {} (try a branch, tag or commit id, for example origin/main or HEAD~1)", root.display());
        }
    }
    let mut cmd = git(root);
    cmd.args([
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--unified=0",
        "--find-renames",
        "--full-index",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--ignore-submodules",
    ]);
    match against {
        Against::Revision(rev) => {
            cmd.arg(rev);
        }
        Against::Staged => {
            cmd.arg("--cached");
        }
    }
    cmd.arg("--");
    match run(cmd, "diff")? {
        Ok(out) => String::from_utf8(out).context("git diff printed text that is not UTF-8"),
        Err(message) => bail!("git diff failed: {message}"),
    }
}

/// The contents of a blob, or `None` when it is not UTF-8 text.
pub fn blob(root: &Path, id: &str) -> anyhow::Result<Option<String>> {
    let mut cmd = git(root);
    cmd.args(["cat-file", "blob", id]);
    match run(cmd, "read a file from history")? {
        Ok(out) => Ok(String::from_utf8(out).ok()),
        Err(message) => bail!("git cannot read blob {id}: {message}"),
    }
}
