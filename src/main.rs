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
    /// Judge a coding agent's proposed edit: allow, ask or deny, with the reason. Reads a
    /// Claude Code PreToolUse or Gemini CLI BeforeTool hook call, `{"path", "old_text",
    /// "new_text"}` or a unified diff from INPUT (default: stdin).
    Guard {
        input: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = GuardFormat::Auto)]
        format: GuardFormat,
        /// A person lets an edit through that would be asked about or denied; the reason is
        /// recorded in the audit log (also `LANES_GUARD_OVERRIDE`).
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
        /// Do not write the audit log.
        #[arg(long)]
        no_audit: bool,
        /// Print the time spent compiling rules and deciding to stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Summarise the guard's audit log: counts per lane, decision and agent, and the last
    /// Lane 3 attempts.
    Audit {
        /// The log (default: `audit-log` of the configuration, `.lanes/audit.jsonl`).
        #[arg(long)]
        log: Option<PathBuf>,
        /// How many of the latest Lane 3 attempts to list.
        #[arg(long, default_value_t = 10)]
        last: usize,
    },
    /// Run the Model Context Protocol server (tools lane_at, check, open_gates, plan) on
    /// stdin/stdout, for the project in the current directory.
    Mcp,
    /// Run the language server on stdin/stdout.
    Lsp {
        /// Accepted and ignored (editors pass it); stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum GuardFormat {
    Auto,
    Json,
    Diff,
    ClaudeCode,
    GeminiCli,
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
        Command::Guard { input, format, override_reason, no_audit, timings } => {
            use lanes::agent::{self, hooks::Format};
            let text = match &input {
                Some(path) => std::fs::read_to_string(path),
                None => std::io::read_to_string(std::io::stdin()),
            };
            match text {
                Ok(text) => {
                    let options = agent::GuardOptions {
                        format: match format {
                            GuardFormat::Auto => Format::Auto,
                            GuardFormat::Json => Format::Json,
                            GuardFormat::Diff => Format::Diff,
                            GuardFormat::ClaudeCode => Format::ClaudeCode,
                            GuardFormat::GeminiCli => Format::GeminiCli,
                        },
                        override_reason: override_reason.or_else(agent::override_from_env),
                        profile: agent::profile_from_env(),
                        no_audit,
                        timings,
                    };
                    let r = agent::guard(&text, &options);
                    let _ = std::io::stdout().write_all(r.stdout.as_bytes());
                    let _ = std::io::stderr().write_all(r.stderr.as_bytes());
                    Ok(r.exit)
                }
                Err(e) => Err(anyhow::anyhow!("cannot read the input: {e}")),
            }
        }
        Command::Audit { log, last } => std::env::current_dir()
            .map_err(Into::into)
            .and_then(|cwd| lanes::agent::audit_summary(log.as_deref(), &cwd, last))
            .and_then(|text| {
                std::io::stdout().write_all(text.as_bytes())?;
                Ok(cli::EXIT_OK)
            }),
        Command::Mcp => std::env::current_dir().map_err(Into::into).and_then(|cwd| lanes::agent::mcp::run_stdio(&cwd)),
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
