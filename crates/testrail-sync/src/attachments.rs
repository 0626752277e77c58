//! Uploads the files reports link to tests (screenshots, logs, traces) to the results they
//! belong to, after those results exist. A missing or oversized file is a warning, never a
//! failed sync: the results are what matter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, stream};
use testrail_api::Client;
use testrail_api::models::Id;

use crate::options::SyncOptions;

/// Uploads in flight at once; the client's pacer still bounds the rate.
const CONCURRENT_UPLOADS: usize = 4;

/// Returns how many files were uploaded and a warning for each one that was not.
pub(crate) async fn upload(
    client: &Client,
    options: &SyncOptions,
    files_by_case: &BTreeMap<Id, Vec<PathBuf>>,
    result_ids: &BTreeMap<Id, Id>,
) -> (u64, Vec<String>) {
    let jobs: Vec<(Id, Id, &Path)> = files_by_case
        .iter()
        .filter_map(|(case, files)| result_ids.get(case).map(|result| (*case, *result, files)))
        .flat_map(|(case, result, files)| files.iter().map(move |f| (case, result, f.as_path())))
        .collect();
    let outcomes: Vec<Result<(), String>> = stream::iter(jobs)
        .map(|(case, result, path)| {
            upload_one(client, options.max_attachment_bytes, case, result, path)
        })
        .buffer_unordered(CONCURRENT_UPLOADS)
        .collect()
        .await;
    let uploaded = outcomes.iter().filter(|o| o.is_ok()).count() as u64;
    let warnings = outcomes.into_iter().filter_map(Result::err).collect();
    (uploaded, warnings)
}

async fn upload_one(
    client: &Client,
    max_bytes: u64,
    case: Id,
    result: Id,
    path: &Path,
) -> Result<(), String> {
    let size = match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => {
            return Err(format!(
                "C{case}: attachment {} is not a file; skipped",
                path.display()
            ));
        }
        Err(e) => {
            return Err(format!(
                "C{case}: attachment {} not uploaded: {e}",
                path.display()
            ));
        }
    };
    if size > max_bytes {
        return Err(format!(
            "C{case}: attachment {} is {size} bytes, over the {max_bytes}-byte limit; skipped",
            path.display()
        ));
    }
    client
        .upload_file(&format!("add_attachment_to_result/{result}"), path)
        .await
        .map(drop)
        .map_err(|e| format!("C{case}: attachment {} not uploaded: {e}", path.display()))
}
