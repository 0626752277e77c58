//! Attachments on results, runs, cases and plans; bytes are kept beside the metadata.

use testrail_api::models::{Attachment, AttachmentId, Extra, Id};

use super::{AttachmentRow, Kind, State};
use crate::error::{ApiError, ApiResult};

/// An uploaded file, as read from the multipart body.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The file name the client sent.
    pub filename: String,
    /// The part's MIME type.
    pub content_type: String,
    /// The file's bytes.
    pub data: Vec<u8>,
}

impl State {
    /// Checks the target exists and returns (project_id, case_id) for the metadata.
    fn attachment_target(&self, entity: &str, id: Id) -> ApiResult<(Option<Id>, Option<Id>)> {
        match entity {
            "result" => {
                let r = self
                    .results
                    .get(&id)
                    .ok_or_else(|| ApiError::not_valid("result_id", "result"))?;
                let t = &self.tests[&r.test_id];
                Ok((
                    self.runs.get(&t.run_id).map(|run| run.project_id),
                    Some(t.case_id),
                ))
            }
            "run" => Ok((Some(self.run(id)?.project_id), None)),
            "case" => {
                let suite = self.case(id)?.suite_id;
                Ok((self.suites.get(&suite).map(|s| s.project_id), Some(id)))
            }
            "plan" => Ok((Some(self.plan(id)?.plan.project_id), None)),
            _ => Err(ApiError::bad("Unknown attachment target.")),
        }
    }

    /// Stores an upload on a result, run, case or plan and returns its new ID.
    pub fn add_attachment(
        &mut self,
        entity: &str,
        target: Id,
        up: Upload,
        user: Id,
        now: i64,
    ) -> ApiResult<Id> {
        let (project_id, case_id) = self.attachment_target(entity, target)?;
        let id = self.alloc(Kind::Attachment);
        let mut extra = Extra::new();
        extra.insert("entity_type".into(), entity.into());
        extra.insert("entity_id".into(), target.into());
        let meta = Attachment {
            id: AttachmentId::Int(id),
            name: up.filename.clone(),
            filename: up.filename,
            size: up.data.len() as u64,
            created_on: now,
            project_id,
            case_id,
            result_id: (entity == "result").then_some(target),
            user_id: Some(user),
            extra,
        };
        if entity == "result" {
            let r = self.results.get_mut(&target).expect("checked");
            r.attachment_ids.push(AttachmentId::Int(id));
            self.touch(Kind::Result, target);
        }
        let row = AttachmentRow {
            meta,
            content_type: up.content_type,
            entity: (entity.into(), target),
            data: up.data,
        };
        self.attachments.insert(id, row);
        self.touch(Kind::Attachment, id);
        Ok(id)
    }

    /// The attachment, or TestRail's "not a valid attachment" error.
    pub fn attachment(&self, id: Id) -> ApiResult<&AttachmentRow> {
        self.attachments
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("attachment_id", "attachment"))
    }

    /// Deletes an attachment (`delete_attachment`).
    pub fn delete_attachment(&mut self, id: Id) -> ApiResult<()> {
        let row = self
            .attachments
            .remove(&id)
            .ok_or_else(|| ApiError::not_valid("attachment_id", "attachment"))?;
        if row.entity.0 == "result"
            && let Some(r) = self.results.get_mut(&row.entity.1)
        {
            r.attachment_ids.retain(|a| *a != AttachmentId::Int(id));
            self.touch(Kind::Result, row.entity.1);
        }
        self.touch(Kind::Attachment, id);
        Ok(())
    }

    /// Attachments added directly to an entity ("case", "run", "plan").
    pub fn attachments_of(&self, entity: &str, id: Id) -> ApiResult<Vec<Attachment>> {
        self.attachment_target(entity, id)?;
        Ok(self
            .attachments
            .values()
            .filter(|a| a.entity.0 == entity && a.entity.1 == id)
            .map(|a| a.meta.clone())
            .collect())
    }

    /// Attachments of every result of a test.
    pub fn attachments_of_test(&self, test_id: Id) -> ApiResult<Vec<Attachment>> {
        self.test(test_id)?;
        let results = self.results_of_test(test_id, &Default::default());
        let ids: std::collections::HashSet<Id> = results.iter().map(|r| r.id).collect();
        Ok(self
            .attachments
            .values()
            .filter(|a| a.entity.0 == "result" && ids.contains(&a.entity.1))
            .map(|a| a.meta.clone())
            .collect())
    }
}
