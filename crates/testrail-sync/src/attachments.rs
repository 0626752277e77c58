//! Uploads the files reports link to tests (screenshots, logs, traces) to the results they
//! belong to, after those results exist. A file that cannot be uploaded is listed with the
//! reason, never a failed sync: the results are what matter. Which files may go at all is
//! decided in [`crate::workspace`]; this reads them again through its checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, stream};
use testrail_api::Client;
use testrail_api::models::Id;

use crate::options::SyncOptions;
use crate::workspace::{Refusal, SkippedAttachment, read_granted};

/// Uploads in flight at once; the client's pacer still bounds the rate.
const CONCURRENT_UPLOADS: usize = 4;

/// Returns how many files were uploaded and each one that was not, with the reason.
pub(crate) async fn upload(
    client: &Client,
    options: &SyncOptions,
    files_by_case: &BTreeMap<Id, Vec<PathBuf>>,
    result_ids: &BTreeMap<Id, Id>,
) -> (u64, Vec<SkippedAttachment>) {
    let jobs: Vec<(Id, Id, &Path)> = files_by_case
        .iter()
        .filter_map(|(case, files)| result_ids.get(case).map(|result| (*case, *result, files)))
        .flat_map(|(case, result, files)| files.iter().map(move |f| (case, result, f.as_path())))
        .collect();
    let outcomes: Vec<Result<(), SkippedAttachment>> = stream::iter(jobs)
        .map(|(case, result, path)| async move {
            upload_one(client, options, result, path)
                .await
                .map_err(|why| SkippedAttachment {
                    case_id: case,
                    path: path.display().to_string(),
                    kind: why.kind(),
                    reason: why.to_string(),
                })
        })
        .buffer_unordered(CONCURRENT_UPLOADS)
        .collect()
        .await;
    let uploaded = outcomes.iter().filter(|o| o.is_ok()).count() as u64;
    let skipped = outcomes.into_iter().filter_map(Result::err).collect();
    (uploaded, skipped)
}

async fn upload_one(
    client: &Client,
    options: &SyncOptions,
    result: Id,
    path: &Path,
) -> Result<(), Refusal> {
    let roots = options.attachment_roots.clone();
    let max_bytes = options.max_attachment_bytes;
    let owned = path.to_owned();
    let bytes = tokio::task::spawn_blocking(move || read_granted(&roots, &owned, max_bytes))
        .await
        .map_err(|e| Refusal::Failed(format!("cannot read it: {e}")))??;
    let name = path.file_name().map_or_else(
        || "attachment".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    client
        .upload(&format!("add_attachment_to_result/{result}"), &name, bytes)
        .await
        .map(drop)
        .map_err(|e| Refusal::Failed(format!("not uploaded: {e}")))
}
