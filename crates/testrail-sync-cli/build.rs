//! Sets `TESTRAIL_SYNC_VERSION`, what `testrail-sync --version` prints: the crate version alone
//! for a release (a build of the commit tagged `v<version>`, or of the published crate, which has
//! no git), else the version and the commit it was built from, so a bug report names the exact
//! build: `0.2.0 (commit 1a2b3c4, not a release)`.

use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let shown = match commit() {
        Some(commit) if !tagged(&format!("v{version}")) => {
            format!("{version} (commit {commit}, not a release)")
        }
        _ => version,
    };
    println!("cargo:rustc-env=TESTRAIL_SYNC_VERSION={shown}");
    watch_git();
}

/// `git` in this crate's directory: None when git is missing or this is not a checkout.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(std::env::var_os("CARGO_MANIFEST_DIR")?)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn commit() -> Option<String> {
    git(&["rev-parse", "--short=10", "HEAD"])
}

/// Whether HEAD is exactly the release tag.
fn tagged(tag: &str) -> bool {
    git(&["tag", "--points-at", "HEAD"]).is_some_and(|tags| tags.lines().any(|t| t == tag))
}

/// Rebuilds the version string when HEAD moves (a commit, a checkout, a new tag) — without
/// these lines cargo would only rerun this script when the crate's own files change.
fn watch_git() {
    let head_ref = git(&["symbolic-ref", "-q", "HEAD"]);
    let paths = ["HEAD", "refs/tags", "packed-refs"]
        .into_iter()
        .map(str::to_owned);
    for path in paths.chain(head_ref) {
        // Only files that exist: cargo takes a missing one as changed and would rebuild every time.
        if let Some(file) = git(&["rev-parse", "--path-format=absolute", "--git-path", &path])
            && std::path::Path::new(&file).exists()
        {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
