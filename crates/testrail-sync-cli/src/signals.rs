//! SIGINT and SIGTERM during a sync (Ctrl-C, a cancelled CI job): stop starting writes, give
//! the ones in flight a few seconds, then say what was posted and how to resume. The journal
//! records every batch before it is sent, so even the forced exit leaves nothing to post twice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use testrail_sync::{Exit, Progress, StopFlag};

/// How long the writes in flight get after the first signal. CI systems wait 7–10 s between
/// SIGTERM and SIGKILL (GitHub Actions 7.5 s, GitLab 10 s by default), so the message must be out
/// before that.
pub const GRACE: Duration = Duration::from_secs(5);

/// Results acknowledged so far, for the message of a forced exit.
static POSTED: AtomicU64 = AtomicU64::new(0);

/// Installs the handlers for the rest of the process and returns the flag the sync watches.
pub fn install() -> StopFlag {
    let flag = StopFlag::default();
    let watched = flag.clone();
    tokio::spawn(async move {
        let Some((exit, name)) = next_signal().await else {
            return;
        };
        watched.stop(exit, name);
        eprintln!(
            "{name}: stopping; no new write starts, the ones in flight get {}s \
             (send it again to stop at once)",
            GRACE.as_secs()
        );
        let again = tokio::time::timeout(GRACE, next_signal()).await;
        let why = match again {
            Ok(_) => "stopped at once".to_owned(),
            Err(_) => format!(
                "the writes in flight did not finish within {}s",
                GRACE.as_secs()
            ),
        };
        eprintln!(
            "error: stopped by {name} ({why}): {} results acknowledged so far; what was sent is \
             recorded in the journal. Resume with: {}",
            POSTED.load(Ordering::Relaxed),
            resume_command()
        );
        // The runtime is still busy with the write in flight: leaving is the point.
        #[allow(clippy::exit)]
        std::process::exit(i32::from(exit.code()));
    });
    flag
}

#[cfg(unix)]
async fn next_signal() -> Option<(Exit, &'static str)> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).ok()?;
    let mut terminate = signal(SignalKind::terminate()).ok()?;
    tokio::select! {
        _ = interrupt.recv() => Some((Exit::Interrupted, "SIGINT")),
        _ = terminate.recv() => Some((Exit::Terminated, "SIGTERM")),
    }
}

#[cfg(not(unix))]
async fn next_signal() -> Option<(Exit, &'static str)> {
    tokio::signal::ctrl_c().await.ok()?;
    Some((Exit::Interrupted, "Ctrl-C"))
}

/// This very command line, quoted for a POSIX shell: rerunning it resumes from the journal.
pub fn resume_command() -> String {
    std::env::args()
        .map(|arg| crate::trcli_argv::quote(&arg))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Passes progress on and counts acknowledged results for the forced-exit message.
pub struct Counting<'a>(pub &'a dyn Progress);

impl Progress for Counting<'_> {
    fn start(&self, total: u64) {
        self.0.start(total);
    }
    fn advance(&self, results: u64) {
        POSTED.fetch_add(results, Ordering::Relaxed);
        self.0.advance(results);
    }
    fn finish(&self) {
        self.0.finish();
    }
}
