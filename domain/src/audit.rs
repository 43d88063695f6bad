//! The audit chain: every security event is one entry whose hash covers a
//! canonical encoding of the entry and the hash of the entry before it, so
//! editing, deleting or reordering entries breaks the chain where it
//! happened.
//!
//! Personal data (address, IP, user agent) is outside the hashed payload:
//! the payload holds only a commitment to it (the SHA-256 of a random salt
//! and the fields), so erasing an account can blank its entries' personal
//! fields (and the salt) without breaking the chain, and what remains says
//! nothing about the blanked values.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ActivityKind;

/// The previous hash of the first entry ever appended.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const ENTRY_TAG: &[u8] = b"latchkey.audit.entry.v1";
const PERSONAL_TAG: &[u8] = b"latchkey.audit.personal.v1";

/// What an entry records: a customer's activity, or an event of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditKind {
    /// A row of the account's activity history, recorded in the same
    /// transaction.
    Activity(ActivityKind),
    RoleGranted,
    RoleRevoked,
    /// An account disabled as staff is let go (its revokes are entries too).
    StaffOffboarded,
    /// A custom role created or changed.
    RoleSaved,
    SupportViewEnded,
    /// An account erased after its deletion grace period (actor: system).
    AccountErased,
    /// Entries moved to an archive file; the chain continues from its last.
    LogArchived,
    /// A staff member acknowledged an alert, with a note.
    AlertAcknowledged,
    /// An access-review campaign opened (actor: system when automatic).
    ReviewCampaignOpened,
    /// A campaign closed before every item was decided, with a reason.
    ReviewCampaignClosed,
    /// A review item decided: the grant kept, with a reason.
    ReviewKept,
    /// A review item decided: the grant revoked (its `role_revoked` entry
    /// is appended in the same transaction, just before).
    ReviewRevoked,
    /// A staff member recorded completing security training.
    TrainingRecorded,
    /// A detection rule raised an alert (actor: system); its later events
    /// join the same alert and append nothing.
    AlertRaised,
    /// A staff member exported the log (the filter and format in details).
    LogExported,
}

impl AuditKind {
    const OWN: [AuditKind; 15] = [
        AuditKind::RoleGranted,
        AuditKind::RoleRevoked,
        AuditKind::StaffOffboarded,
        AuditKind::RoleSaved,
        AuditKind::SupportViewEnded,
        AuditKind::AccountErased,
        AuditKind::LogArchived,
        AuditKind::AlertAcknowledged,
        AuditKind::ReviewCampaignOpened,
        AuditKind::ReviewCampaignClosed,
        AuditKind::ReviewKept,
        AuditKind::ReviewRevoked,
        AuditKind::TrainingRecorded,
        AuditKind::AlertRaised,
        AuditKind::LogExported,
    ];

    /// The stable name stored in the entry (an activity keeps its own name).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Activity(kind) => kind.as_str(),
            AuditKind::RoleGranted => "role_granted",
            AuditKind::RoleRevoked => "role_revoked",
            AuditKind::StaffOffboarded => "staff_offboarded",
            AuditKind::RoleSaved => "role_saved",
            AuditKind::SupportViewEnded => "support_view_ended",
            AuditKind::AccountErased => "account_erased",
            AuditKind::LogArchived => "log_archived",
            AuditKind::AlertAcknowledged => "alert_acknowledged",
            AuditKind::ReviewCampaignOpened => "review_campaign_opened",
            AuditKind::ReviewCampaignClosed => "review_campaign_closed",
            AuditKind::ReviewKept => "review_kept",
            AuditKind::ReviewRevoked => "review_revoked",
            AuditKind::TrainingRecorded => "training_recorded",
            AuditKind::AlertRaised => "alert_raised",
            AuditKind::LogExported => "log_exported",
        }
    }

    /// Every kind an entry can have: the activity kinds, then the chain's own.
    pub fn all() -> impl Iterator<Item = AuditKind> {
        ActivityKind::ALL
            .into_iter()
            .map(AuditKind::Activity)
            .chain(Self::OWN)
    }

    pub fn parse(name: &str) -> Option<AuditKind> {
        ActivityKind::parse(name)
            .map(AuditKind::Activity)
            .or_else(|| Self::OWN.into_iter().find(|kind| kind.as_str() == name))
    }
}

/// The personal fields of an entry; all `None` once erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personal {
    pub address: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Personal {
    pub fn is_blank(&self) -> bool {
        self.address.is_none() && self.ip.is_none() && self.user_agent.is_none()
    }

    /// The commitment the entry's hash covers in place of the fields.
    pub fn commitment(&self, salt: &str) -> String {
        let mut encoder = Encoder::new(PERSONAL_TAG);
        encoder.text(salt);
        encoder.optional_text(self.address.as_deref());
        encoder.optional_text(self.ip.as_deref());
        encoder.optional_text(self.user_agent.as_deref());
        encoder.finish()
    }
}

/// The hashed part of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload<'a> {
    pub id: i64,
    pub prev_hash: &'a str,
    pub at_ms: i64,
    /// `None`: the system (a job or the operators' CLI).
    pub actor: Option<i64>,
    /// The account the event is about, if any.
    pub subject: Option<i64>,
    pub kind: &'a str,
    pub reason: Option<&'a str>,
    /// Non-personal JSON, hashed as stored.
    pub details: Option<&'a str>,
    pub personal_hash: &'a str,
}

impl Payload<'_> {
    /// SHA-256, lower-case hex, of the length-prefixed fields in order.
    pub fn hash(&self) -> String {
        let mut encoder = Encoder::new(ENTRY_TAG);
        encoder.number(self.id);
        encoder.text(self.prev_hash);
        encoder.number(self.at_ms);
        encoder.optional_number(self.actor);
        encoder.optional_number(self.subject);
        encoder.text(self.kind);
        encoder.optional_text(self.reason);
        encoder.optional_text(self.details);
        encoder.text(self.personal_hash);
        encoder.finish()
    }
}

/// A stored entry, as read back and as archived (one JSON line each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub kind: String,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub personal: Personal,
    /// The commitment's salt; `None` once erased.
    pub personal_salt: Option<String>,
    pub personal_hash: String,
    /// When the personal fields were blanked (the account was erased).
    pub erased_at: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    pub fn payload(&self) -> Payload<'_> {
        Payload {
            id: self.id,
            prev_hash: &self.prev_hash,
            at_ms: self.at_ms,
            actor: self.actor,
            subject: self.subject,
            kind: &self.kind,
            reason: self.reason.as_deref(),
            details: self.details.as_deref(),
            personal_hash: &self.personal_hash,
        }
    }
}

/// A point of the chain: the entry with this id ends with this hash. The
/// count of entries ever appended equals the id of the last, so a
/// checkpoint is a link too (`0` and [`GENESIS_HASH`] before the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub id: i64,
    pub hash: String,
}

impl ChainLink {
    pub fn genesis() -> ChainLink {
        ChainLink {
            id: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }

    /// `COUNT:HASH`, as `latchkey audit checkpoint` prints it.
    pub fn parse(text: &str) -> Option<ChainLink> {
        let (count, hash) = text.trim().split_once(':')?;
        let id: i64 = count.parse().ok().filter(|id| *id >= 0)?;
        let is_hash = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        is_hash.then(|| ChainLink {
            id,
            hash: hash.to_owned(),
        })
    }
}

impl std::fmt::Display for ChainLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.id, self.hash)
    }
}

/// Why the chain does not verify, at the first entry that fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {id} is missing (the next entry found is {found})")]
    Missing { id: i64, found: i64 },
    #[error("entry {id} does not follow the entry before it (its previous hash differs)")]
    Unlinked { id: i64 },
    #[error("entry {id} was changed (its hash does not match its content)")]
    Altered { id: i64 },
    #[error("entry {id}: its personal fields were changed (they do not match their commitment)")]
    PersonalAltered { id: i64 },
    #[error("entry {id} is marked erased but still holds personal fields")]
    ErasedNotBlank { id: i64 },
    #[error("entry {id} is marked erased but is about no account")]
    ErasedWithoutAccount { id: i64 },
    #[error("entry {id}: its personal fields are blank but it is not marked erased")]
    BlankNotErased { id: i64 },
    #[error("entry {id} is marked erased but its account {account} still exists")]
    ErasedAccountExists { id: i64, account: i64 },
    #[error("entry {id} does not end with the checkpoint's hash")]
    CheckpointMismatch { id: i64 },
    #[error("entry {id} of the checkpoint is gone: the log ends at entry {head}")]
    CheckpointBeyondHead { id: i64, head: i64 },
    #[error("entry {id} of the checkpoint was archived (the log here starts after entry {anchor}); check it against the archive")]
    CheckpointArchived { id: i64, anchor: i64 },
}

impl ChainBreak {
    /// The entry that fails.
    pub fn id(&self) -> i64 {
        match self {
            ChainBreak::Missing { id, .. }
            | ChainBreak::Unlinked { id }
            | ChainBreak::Altered { id }
            | ChainBreak::PersonalAltered { id }
            | ChainBreak::ErasedNotBlank { id }
            | ChainBreak::ErasedWithoutAccount { id }
            | ChainBreak::BlankNotErased { id }
            | ChainBreak::ErasedAccountExists { id, .. }
            | ChainBreak::CheckpointMismatch { id }
            | ChainBreak::CheckpointBeyondHead { id, .. }
            | ChainBreak::CheckpointArchived { id, .. } => *id,
        }
    }
}

/// Walks the chain one entry at a time, in id order, from the anchor (the
/// last archived entry, or genesis), holding only the link it is at.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    head: ChainLink,
    checked: u64,
    checkpoint: Option<ChainLink>,
}

impl ChainWalk {
    /// Starts after `anchor`; a checkpoint at or before it is settled here.
    pub fn new(anchor: ChainLink, checkpoint: Option<ChainLink>) -> Result<ChainWalk, ChainBreak> {
        let checkpoint = match checkpoint {
            Some(point) if point.id < anchor.id => {
                return Err(ChainBreak::CheckpointArchived {
                    id: point.id,
                    anchor: anchor.id,
                })
            }
            Some(point) if point.id == anchor.id && point.hash != anchor.hash => {
                return Err(ChainBreak::CheckpointMismatch { id: point.id })
            }
            Some(point) if point.id == anchor.id => None,
            other => other,
        };
        Ok(ChainWalk {
            head: anchor,
            checked: 0,
            checkpoint,
        })
    }

    /// Checks the next entry: its id follows, it links to the one before,
    /// its hash matches its content, and its personal fields match their
    /// commitment (or are blank and marked erased).
    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let id = self.head.id + 1;
        if entry.id != id {
            return Err(ChainBreak::Missing {
                id,
                found: entry.id,
            });
        }
        if entry.prev_hash != self.head.hash {
            return Err(ChainBreak::Unlinked { id });
        }
        if entry.payload().hash() != entry.hash {
            return Err(ChainBreak::Altered { id });
        }
        match (&entry.personal_salt, entry.erased_at) {
            (Some(salt), None) => {
                if entry.personal.commitment(salt) != entry.personal_hash {
                    return Err(ChainBreak::PersonalAltered { id });
                }
            }
            (None, Some(_)) => {
                if !entry.personal.is_blank() {
                    return Err(ChainBreak::ErasedNotBlank { id });
                }
                if entry.subject.is_none() {
                    return Err(ChainBreak::ErasedWithoutAccount { id });
                }
            }
            (Some(_), Some(_)) => return Err(ChainBreak::ErasedNotBlank { id }),
            (None, None) => return Err(ChainBreak::BlankNotErased { id }),
        }
        if let Some(point) = &self.checkpoint {
            if point.id == id {
                if point.hash != entry.hash {
                    return Err(ChainBreak::CheckpointMismatch { id });
                }
                self.checkpoint = None;
            }
        }
        self.head = ChainLink {
            id,
            hash: entry.hash.clone(),
        };
        self.checked += 1;
        Ok(())
    }

    /// The link reached so far.
    pub fn head(&self) -> &ChainLink {
        &self.head
    }

    /// After the last entry: how many were checked and the head, unless a
    /// checkpoint lies beyond it (entries at the end were removed).
    pub fn finish(self) -> Result<(u64, ChainLink), ChainBreak> {
        match self.checkpoint {
            Some(point) => Err(ChainBreak::CheckpointBeyondHead {
                id: point.id,
                head: self.head.id,
            }),
            None => Ok((self.checked, self.head)),
        }
    }
}

/// Length-prefixed fields under a domain tag, hashed with SHA-256.
struct Encoder(Sha256);

impl Encoder {
    fn new(tag: &[u8]) -> Encoder {
        let mut encoder = Encoder(Sha256::new());
        encoder.bytes(tag);
        encoder
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
    }

    fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    fn number(&mut self, number: i64) {
        self.0.update(number.to_be_bytes());
    }

    fn optional_text(&mut self, text: Option<&str>) {
        match text {
            None => self.0.update([0]),
            Some(text) => {
                self.0.update([1]);
                self.text(text);
            }
        }
    }

    fn optional_number(&mut self, number: Option<i64>) {
        match number {
            None => self.0.update([0]),
            Some(number) => {
                self.0.update([1]);
                self.number(number);
            }
        }
    }

    fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn personal() -> Personal {
        Personal {
            address: Some("ada@example.com".into()),
            ip: Some("203.0.113.9".into()),
            user_agent: Some("Firefox".into()),
        }
    }

    /// A chain of `n` entries built the way the store appends them.
    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|id| {
                let salt = format!("salt-{id}");
                let personal = personal();
                let mut entry = AuditEntry {
                    id,
                    at_ms: 1_000 * id,
                    actor: Some(7),
                    subject: (id % 2 == 0).then_some(9),
                    kind: "signed_in".into(),
                    reason: None,
                    details: Some(r#"{"view":3}"#.into()),
                    personal_hash: personal.commitment(&salt),
                    personal,
                    personal_salt: Some(salt),
                    erased_at: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                entry.hash = entry.payload().hash();
                prev = entry.hash.clone();
                entry
            })
            .collect()
    }

    fn walk(
        entries: &[AuditEntry],
        checkpoint: Option<ChainLink>,
    ) -> Result<(u64, ChainLink), ChainBreak> {
        let mut walk = ChainWalk::new(ChainLink::genesis(), checkpoint)?;
        for entry in entries {
            walk.check(entry)?;
        }
        walk.finish()
    }

    #[test]
    fn a_known_payload_hashes_to_a_fixed_value() {
        // Pinned (and reproduced by an independent Python script of the
        // encoding): a change to it would orphan every stored chain.
        let payload = Payload {
            id: 1,
            prev_hash: GENESIS_HASH,
            at_ms: 1_800_000_000_000,
            actor: None,
            subject: Some(42),
            kind: "account_erased",
            reason: Some("grace period over"),
            details: None,
            personal_hash: &Personal::default().commitment("salt"),
        };
        assert_eq!(payload.hash().len(), 64);
        assert_eq!(
            payload.hash(),
            "1cf28ffd0af03809dd19dabdd35d1f6e34c7ee43ee47e4ddfe74728d1aa5b77f"
        );
    }

    #[test]
    fn every_field_is_covered_and_fields_cannot_run_into_each_other() {
        let base = Payload {
            id: 5,
            prev_hash: GENESIS_HASH,
            at_ms: 10,
            actor: Some(1),
            subject: Some(2),
            kind: "ab",
            reason: Some("c"),
            details: None,
            personal_hash: "p",
        };
        let variants = [
            Payload { id: 6, ..base },
            Payload {
                prev_hash: "1",
                ..base
            },
            Payload { at_ms: 11, ..base },
            Payload {
                actor: None,
                ..base
            },
            Payload {
                actor: Some(2),
                subject: Some(1),
                ..base
            },
            Payload {
                subject: None,
                ..base
            },
            Payload {
                kind: "a",
                reason: Some("bc"),
                ..base
            },
            Payload {
                reason: None,
                details: Some("c"),
                ..base
            },
            Payload {
                details: Some(""),
                ..base
            },
            Payload {
                personal_hash: "q",
                ..base
            },
        ];
        let mut hashes: Vec<String> = variants.iter().map(Payload::hash).collect();
        hashes.push(base.hash());
        let count = hashes.len();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), count);
    }

    #[test]
    fn the_commitment_hides_and_binds_the_personal_fields() {
        let fields = personal();
        assert_eq!(fields.commitment("s"), personal().commitment("s"));
        assert_ne!(fields.commitment("s"), fields.commitment("t"));
        let moved = Personal {
            address: Some("ada@example.com203.0.113.9".into()),
            ip: None,
            ..personal()
        };
        assert_ne!(fields.commitment("s"), moved.commitment("s"));
        assert!(Personal::default().is_blank());
        assert!(!fields.is_blank());
    }

    #[test]
    fn a_clean_chain_verifies_to_its_head() {
        let entries = chain(5);
        let (checked, head) = walk(&entries, None).unwrap();
        assert_eq!(checked, 5);
        assert_eq!(head.id, 5);
        assert_eq!(head.hash, entries[4].hash);
        let point = ChainLink {
            id: 3,
            hash: entries[2].hash.clone(),
        };
        assert!(walk(&entries, Some(point)).is_ok());
        assert_eq!(walk(&[], None).unwrap(), (0, ChainLink::genesis()));
    }

    #[test]
    fn edits_deletions_and_reorders_fail_at_the_right_entry() {
        let entries = chain(5);

        let mut edited = entries.clone();
        edited[2].reason = Some("nothing happened".into());
        assert_eq!(walk(&edited, None), Err(ChainBreak::Altered { id: 3 }));

        let mut rehashed = entries.clone();
        rehashed[2].at_ms += 1;
        rehashed[2].hash = rehashed[2].payload().hash();
        assert_eq!(walk(&rehashed, None), Err(ChainBreak::Unlinked { id: 4 }));

        let mut deleted = entries.clone();
        deleted.remove(1);
        assert_eq!(
            walk(&deleted, None),
            Err(ChainBreak::Missing { id: 2, found: 3 })
        );

        let mut swapped = entries.clone();
        swapped.swap(1, 3);
        (swapped[1].id, swapped[3].id) = (2, 4);
        assert_eq!(walk(&swapped, None), Err(ChainBreak::Unlinked { id: 2 }));

        let mut ip = entries.clone();
        ip[3].personal.ip = Some("198.51.100.1".into());
        assert_eq!(walk(&ip, None), Err(ChainBreak::PersonalAltered { id: 4 }));
    }

    #[test]
    fn erased_entries_verify_only_when_blank_and_marked() {
        let mut entries = chain(3);
        entries[1].personal = Personal::default();
        entries[1].personal_salt = None;
        entries[1].erased_at = Some(99);
        assert!(walk(&entries, None).is_ok());

        let mut unmarked = entries.clone();
        unmarked[1].erased_at = None;
        assert_eq!(
            walk(&unmarked, None),
            Err(ChainBreak::BlankNotErased { id: 2 })
        );

        let mut half = entries.clone();
        half[1].personal.ip = Some("198.51.100.1".into());
        assert_eq!(walk(&half, None), Err(ChainBreak::ErasedNotBlank { id: 2 }));
    }

    #[test]
    fn checkpoints_catch_a_rewritten_or_shortened_chain() {
        let entries = chain(4);
        let wrong = ChainLink {
            id: 2,
            hash: entries[3].hash.clone(),
        };
        assert_eq!(
            walk(&entries, Some(wrong)),
            Err(ChainBreak::CheckpointMismatch { id: 2 })
        );
        let beyond = ChainLink {
            id: 4,
            hash: entries[3].hash.clone(),
        };
        assert_eq!(
            walk(&entries[..3], Some(beyond)),
            Err(ChainBreak::CheckpointBeyondHead { id: 4, head: 3 })
        );
        let anchor = ChainLink {
            id: 2,
            hash: entries[1].hash.clone(),
        };
        let early = ChainLink {
            id: 1,
            hash: entries[0].hash.clone(),
        };
        assert_eq!(
            ChainWalk::new(anchor.clone(), Some(early)).unwrap_err(),
            ChainBreak::CheckpointArchived { id: 1, anchor: 2 }
        );
        let mut from_anchor = ChainWalk::new(anchor.clone(), Some(anchor)).unwrap();
        for entry in &entries[2..] {
            from_anchor.check(entry).unwrap();
        }
        assert_eq!(from_anchor.finish().unwrap().0, 2);
    }

    #[test]
    fn checkpoints_round_trip_as_text() {
        let link = ChainLink {
            id: 12,
            hash: "ab".repeat(32),
        };
        assert_eq!(ChainLink::parse(&link.to_string()), Some(link));
        assert_eq!(
            ChainLink::parse(&format!("0:{GENESIS_HASH}")),
            Some(ChainLink::genesis())
        );
        for bad in [
            "12",
            "x:ab",
            "-1:00",
            &format!("3:{}", "AB".repeat(32)),
            "3:abc",
        ] {
            assert_eq!(ChainLink::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn kind_names_round_trip_and_never_collide_with_activity() {
        for kind in AuditKind::OWN {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
            assert_eq!(ActivityKind::parse(kind.as_str()), None);
        }
        assert_eq!(
            AuditKind::parse("signed_in"),
            Some(AuditKind::Activity(ActivityKind::SignedIn))
        );
        assert_eq!(AuditKind::parse("nonsense"), None);
    }
}
