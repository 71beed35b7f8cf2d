//! The `lanes` binary: parse the command line and hand over to `lanes::cli`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use lanes::cli::{self, CheckOptions, Format};
use lanes::git::Against;
use lanes::policy::Policy;

#[derive(Parser)]
#[command(name = "lanes", version, about = "Which risk lane code belongs to, why, and which acceptance gates are open")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify every function of the given files and directories (default: `.`).
    Check {
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Also measure a parse-only pass over the same files and print CPU time and peak
        /// memory of both to stderr.
        #[arg(long)]
        stats: bool,
        /// Skip files larger than this many bytes.
        #[arg(long, default_value_t = 8 * 1024 * 1024)]
        max_file_size: u64,
        /// Only the regions whose lines changed since REV (`git diff REV`: the working tree
        /// against a commit, branch or tag), plus a verdict for the change.
        #[arg(long, value_name = "REV", conflicts_with = "diff_staged")]
        diff: Option<String>,
        /// Only the regions whose lines are staged for commit (`git diff --cached`).
        #[arg(long)]
        diff_staged: bool,
        /// Exit 1 when a region in scope fails POLICY (repeatable): lane3, lane>=2,
        /// lane3-untested, lane3-unreviewed, lane3-no-rollback, lane>=2-untested,
        /// missing-observability, missing-tests, ...
        #[arg(long = "fail-on", value_name = "POLICY", value_parser = parse_policy)]
        fail_on: Vec<Policy>,
    },
    /// Write a commented starter lanes.toml into DIR (default `.`), guessing path rules from
    /// its directory names; never overwrites an existing configuration.
    Init { dir: Option<PathBuf> },
    /// Explain the lane of the region around FILE:LINE (Markdown, as the editor hover shows it).
    Explain { target: String },
    /// List every rule: id, category, lane and message.
    Rules,
    /// Print the syntax tree of a file (for writing queries).
    Tree { file: PathBuf },
    /// Run the language server on stdin/stdout.
    Lsp {
        /// Accepted and ignored (editors pass it); stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A short summary for a pull-request comment.
    Markdown,
    /// A self-contained page with a lane map.
    Html,
}

fn parse_policy(s: &str) -> Result<Policy, String> {
    s.parse()
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Check { paths, format, stats, max_file_size, diff, diff_staged, fail_on } => cli::check(&CheckOptions {
            paths,
            format: match format {
                OutputFormat::Text => Format::Text,
                OutputFormat::Json => Format::Json,
                OutputFormat::Sarif => Format::Sarif,
                OutputFormat::Github => Format::Github,
                OutputFormat::Markdown => Format::Markdown,
                OutputFormat::Html => Format::Html,
            },
            stats,
            max_file_size,
            against: match (diff, diff_staged) {
                (Some(rev), _) => Some(Against::Revision(rev)),
                (None, true) => Some(Against::Staged),
                (None, false) => None,
            },
            fail_on,
        }),
        Command::Init { dir } => cli::init(dir.as_deref().unwrap_or(std::path::Path::new("."))).map(|message| {
            let _ = writeln!(std::io::stderr(), "lanes: {message}");
            cli::EXIT_OK
        }),
        Command::Explain { target } => cli::explain_at(&target).and_then(|md| {
            std::io::stdout().write_all(md.as_bytes())?;
            Ok(cli::EXIT_OK)
        }),
        Command::Rules => {
            let table = lanes::rules::markdown_table(lanes::ruleset::Ruleset::builtin());
            std::io::stdout().write_all(table.as_bytes()).map(|_| cli::EXIT_OK).map_err(Into::into)
        }
        Command::Lsp { stdio: _ } => Ok(lanes::lsp::run_stdio()),
        Command::Tree { file } => cli::tree(&file).and_then(|t| {
            std::io::stdout().write_all(t.as_bytes())?;
            Ok(cli::EXIT_OK)
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "lanes: error: {e:#}");
            ExitCode::from(cli::EXIT_ERROR as u8)
        }
    }
}
