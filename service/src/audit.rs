//! The audit chain for auditors and operators: verify it, take a
//! checkpoint, archive its oldest part. Entries are appended by the store
//! in the transactions of the changes they record (`domain::audit` holds
//! the encoding and the rules of the walk).
//!
//! Every walk reads the chain a page at a time, so a million entries never
//! sit in memory at once.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use domain::audit::{ChainBreak, ChainLink, ChainWalk};

use crate::clock::Clock;
use crate::error::ServiceError;
use crate::ports::AuditRepo;

/// Entries read per query.
const PAGE: u32 = 1000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry checked out; `head` is the last (the anchor when none
    /// is left), and doubles as a checkpoint.
    Intact { checked: u64, head: ChainLink },
    /// The first entry that fails, and how.
    Broken(ChainBreak),
}

/// What an archive run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Archived {
    /// No entry is old enough.
    Nothing,
    /// These many entries were written and removed; `through` is the new anchor.
    Moved { entries: u64, through: ChainLink },
    /// The chain does not verify up to the archive's end: nothing removed.
    Broken(ChainBreak),
}

pub struct Audit {
    repo: Arc<dyn AuditRepo>,
    clock: Arc<dyn Clock>,
}

impl Audit {
    pub fn new(repo: Arc<dyn AuditRepo>, clock: Arc<dyn Clock>) -> Audit {
        Audit { repo, clock }
    }

    /// Walks the whole chain from the anchor; with a checkpoint, also
    /// proves that the entry it names still ends with its hash.
    pub async fn verify(&self, checkpoint: Option<ChainLink>) -> Result<Verdict, ServiceError> {
        let walk = match ChainWalk::new(self.repo.audit_anchor().await?, checkpoint) {
            Ok(walk) => walk,
            Err(broken) => return Ok(Verdict::Broken(broken)),
        };
        let walk = match self.walk(walk, i64::MAX, |_| Ok(())).await? {
            Ok(walk) => walk,
            Err(broken) => return Ok(Verdict::Broken(broken)),
        };
        Ok(match walk.finish() {
            Ok((checked, head)) => Verdict::Intact { checked, head },
            Err(broken) => Verdict::Broken(broken),
        })
    }

    /// Writes the entries made more than `older_than_days` ago to `out`, one
    /// JSON line each (hashes included), checking the chain on the way;
    /// then, once `out` is flushed, removes them and anchors the chain at
    /// the last one, in one transaction.
    pub async fn archive(
        &self,
        older_than_days: u32,
        out: &mut (dyn Write + Send),
    ) -> Result<Archived, ServiceError> {
        let now = self.clock.now_ms();
        let before = now - i64::from(older_than_days) * DAY_MS;
        let Some(end) = self.repo.audit_archive_end(before).await? else {
            return Ok(Archived::Nothing);
        };
        let walk = match ChainWalk::new(self.repo.audit_anchor().await?, None) {
            Ok(walk) => walk,
            Err(broken) => return Ok(Archived::Broken(broken)),
        };
        let written = self
            .walk(walk, end, |entry| {
                let line = serde_json::to_string(entry)
                    .map_err(|e| ServiceError::Internal(format!("archive line: {e}")))?;
                writeln!(out, "{line}").map_err(archive_error)
            })
            .await?;
        let walk = match written {
            Ok(walk) => walk,
            Err(broken) => return Ok(Archived::Broken(broken)),
        };
        out.flush().map_err(archive_error)?;
        let (entries, through) = match walk.finish() {
            Ok(done) => done,
            Err(broken) => return Ok(Archived::Broken(broken)),
        };
        if through.id != end {
            // The entries up to the end vanished while they were read.
            return Ok(Archived::Broken(ChainBreak::Missing {
                id: through.id + 1,
                found: end,
            }));
        }
        if !self.repo.finish_archive(&through, entries, now).await? {
            return Err(ServiceError::Internal(
                "the log changed while it was archived (another archive?); nothing was removed"
                    .to_owned(),
            ));
        }
        Ok(Archived::Moved { entries, through })
    }

    /// Checks the entries after the walk's head up to `last_id`, a page at
    /// a time, handing each good one to `each`.
    async fn walk(
        &self,
        mut walk: ChainWalk,
        last_id: i64,
        mut each: impl FnMut(&domain::audit::AuditEntry) -> Result<(), ServiceError>,
    ) -> Result<Result<ChainWalk, ChainBreak>, ServiceError> {
        loop {
            let after = walk.head().id;
            let limit = u32::try_from(last_id.saturating_sub(after))
                .unwrap_or(PAGE)
                .min(PAGE);
            if limit == 0 {
                return Ok(Ok(walk));
            }
            let page = self.repo.audit_page(after, limit).await?;
            // An entry marked erased must be about an account that is gone.
            let erased: BTreeSet<i64> = page
                .iter()
                .filter(|e| e.erased_at.is_some())
                .filter_map(|e| e.subject)
                .collect();
            let erased: Vec<i64> = erased.into_iter().collect();
            let living: BTreeSet<i64> = if erased.is_empty() {
                BTreeSet::new()
            } else {
                self.repo
                    .existing_accounts(&erased)
                    .await?
                    .into_iter()
                    .collect()
            };
            for entry in &page {
                if let Err(broken) = walk.check(entry) {
                    return Ok(Err(broken));
                }
                if let (Some(_), Some(account)) = (entry.erased_at, entry.subject) {
                    if living.contains(&account) {
                        return Ok(Err(ChainBreak::ErasedAccountExists {
                            id: entry.id,
                            account,
                        }));
                    }
                }
                each(entry)?;
            }
            if page.len() < limit as usize {
                return Ok(Ok(walk));
            }
        }
    }
}

fn archive_error(error: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("writing the archive failed: {error}"))
}
