//! Every byte the commands print goes through here, so that three rules hold in one place:
//! a reader that goes away (`xacct check | head -1`) ends the output quietly instead of a
//! panic, colour is stripped when the stream is not a terminal (or `NO_COLOR`, or
//! `--color never`), and `--quiet` is known to every renderer.

use std::fmt;
use std::io::{ErrorKind, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

/// `--color`: when to colour the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always colour, even into a pipe or a file.
    Always,
    /// Never colour.
    Never,
}

static QUIET: AtomicBool = AtomicBool::new(false);
/// Set once the reader of standard output has gone: later writes are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
/// Set when writing failed for another reason than a closed pipe (a full disk): the command
/// then exits 2, since its output is incomplete.
static WRITE_FAILED: AtomicBool = AtomicBool::new(false);

/// Applies the global options before any command prints.
pub fn configure(color: ColorWhen, quiet: bool) {
    let choice = match color {
        // anstream reads NO_COLOR, CLICOLOR and CLICOLOR_FORCE and whether the stream is a
        // terminal.
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    QUIET.store(quiet, Ordering::Relaxed);
}

/// `--quiet`: print failures only.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether standard output is coloured (after `--color`, `NO_COLOR` and the terminal check).
pub fn stdout_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// Whether standard error is coloured.
pub fn stderr_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether a write failed for a reason other than a closed pipe.
pub fn write_failed() -> bool {
    WRITE_FAILED.load(Ordering::Relaxed)
}

/// Writes to standard output; see the module's rules. Use the `out!`/`outln!` macros.
pub fn stdout(args: fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stream = anstream::stdout().lock();
    let result = stream.write_fmt(args).and_then(|()| stream.flush());
    if let Err(error) = result {
        if error.kind() == ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        } else {
            WRITE_FAILED.store(true, Ordering::Relaxed);
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            stderr(format_args!("error: cannot write the output: {error}\n"));
        }
    }
}

/// Writes to standard error; a closed standard error is ignored, there is nobody to tell.
pub fn stderr(args: fmt::Arguments<'_>) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stream = anstream::stderr().lock();
    if stream
        .write_fmt(args)
        .and_then(|()| stream.flush())
        .is_err()
    {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Styles of the words that carry a verdict.
pub mod style {
    use anstyle::{AnsiColor, Style};

    pub const PASS: Style = AnsiColor::Green.on_default().bold();
    pub const FAIL: Style = AnsiColor::Red.on_default().bold();
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();

    /// `text` in `style`; the escape codes are stripped on the way out when colour is off.
    pub fn paint(style: Style, text: &str) -> String {
        format!("{}{text}{}", style.render(), style.render_reset())
    }
}
