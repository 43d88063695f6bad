//! Mail delivery: SMTP when configured, else one `.eml` file per message in
//! the outbox folder.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use service::mail::Mailer;
use service::ports::QueuedMail;

fn build_message(from: &Mailbox, mail: &QueuedMail) -> Result<Message, String> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| format!("recipient unusable: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(readable_body(&mail.body_text))
        .map_err(|e| format!("message unusable: {e}"))
}

/// Longest line SMTP allows (RFC 5321), less the CRLF.
const MAX_LINE_OCTETS: usize = 998;

/// 8bit keeps links whole and readable in the outbox and in mail clients;
/// a body that 8bit cannot carry falls back to lettre's own choice.
fn readable_body(text: &str) -> Body {
    let fits_8bit = !text.contains('\0') && text.lines().all(|line| line.len() <= MAX_LINE_OCTETS);
    if fits_8bit {
        let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(text.to_owned())
    }
}

pub struct FileOutbox {
    from: Mailbox,
    folder: PathBuf,
}

impl FileOutbox {
    /// Creates the folder and proves it writable, so a bad outbox stops
    /// start-up instead of failing the first mail.
    pub fn open(folder: &Path, from: Mailbox) -> Result<Self, String> {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let probe = folder.join(".write-test");
        std::fs::write(&probe, b"")
            .map_err(|e| format!("cannot write in {}: {e}", folder.display()))?;
        let _ = std::fs::remove_file(probe);
        Ok(FileOutbox {
            from,
            folder: folder.to_owned(),
        })
    }
}

#[async_trait]
impl Mailer for FileOutbox {
    async fn deliver(&self, mail: &QueuedMail) -> Result<String, String> {
        let bytes = build_message(&self.from, mail)?.formatted();
        let name = format!("{:010}.eml", mail.id);
        let final_path = self.folder.join(&name);
        // Written under a temporary name and renamed, so a reader never sees half a message.
        let temporary = self.folder.join(format!(".{name}.tmp"));
        write_private(&temporary, &bytes)
            .await
            .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
        tokio::fs::rename(&temporary, &final_path)
            .await
            .map_err(|e| format!("cannot rename into {}: {e}", final_path.display()))?;
        Ok(final_path.display().to_string())
    }
}

/// Writes a file only its owner can read: messages hold live links.
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    file.write_all(bytes).await?;
    file.flush().await
}

pub struct Smtp {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Smtp {
    pub fn new(url: &str, from: Mailbox) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| e.to_string())?
            .build();
        Ok(Smtp { from, transport })
    }
}

#[async_trait]
impl Mailer for Smtp {
    async fn deliver(&self, mail: &QueuedMail) -> Result<String, String> {
        let message = build_message(&self.from, mail)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| e.to_string())?;
        Ok("smtp".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_a_complete_rfc5322_file() {
        let folder =
            std::env::temp_dir().join(format!("latchkey-outbox-{}", rand::random::<u64>()));
        let outbox =
            FileOutbox::open(&folder, "Latchkey <no-reply@localhost>".parse().unwrap()).unwrap();
        let mail = QueuedMail {
            id: 7,
            to: "李雷 <li@example.com>".into(),
            subject: "请确认".into(),
            body_text: "Hello\nhttp://localhost:3000/verify-email?token=abc\n".into(),
            attempts: 1,
        };
        let path = outbox.deliver(&mail).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("To: "), "{text}");
        assert!(text.contains("Content-Type: text/plain"), "{text}");
        assert!(
            text.contains("Subject: =?utf-8?"),
            "non-ASCII subjects are encoded: {text}"
        );
        assert_eq!(
            std::fs::read_dir(&folder).unwrap().count(),
            1,
            "no temporary file left behind"
        );
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn refuses_header_injection_in_recipients() {
        let from: Mailbox = "Latchkey <no-reply@localhost>".parse().unwrap();
        let mail = QueuedMail {
            id: 1,
            to: "a@example.com\r\nBcc: eve@evil.test".into(),
            subject: "s".into(),
            body_text: "b".into(),
            attempts: 1,
        };
        assert!(build_message(&from, &mail).is_err());
    }
}
