//! The `lanes` binary: parse the command line and hand over to `lanes::cli`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use lanes::cli::{self, CheckOptions, Format};

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
    },
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
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Check { paths, format, stats, max_file_size } => cli::check(&CheckOptions {
            paths,
            format: match format {
                OutputFormat::Text => Format::Text,
                OutputFormat::Json => Format::Json,
            },
            stats,
            max_file_size,
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
