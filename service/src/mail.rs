//! The mail Latchkey sends, and its delivery from the database queue.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::Locale;

use crate::clock::Clock;
use crate::ports::{MailQueue, NewMail, QueuedMail};

/// Delivers one message: SMTP or the file outbox, chosen by configuration.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// A short description of where the message went, for the log (never the body).
    async fn deliver(&self, mail: &QueuedMail) -> Result<String, String>;
}

pub fn verification_mail(
    locale: Locale,
    to: &str,
    name: &str,
    link: &str,
    valid_hours: i64,
) -> NewMail {
    let (subject, body) = match locale {
        Locale::En => (
            "Confirm your email address for Latchkey".to_owned(),
            format!(
                "Hello {name},\n\nPlease confirm that this is your email address by opening the link below and pressing \"Confirm my email\":\n\n{link}\n\nThe link works once and expires in {valid_hours} hours.\nIf you did not create a Latchkey account, you can ignore this message.\n"
            ),
        ),
        Locale::ZhCn => (
            "请确认您在 Latchkey 的电子邮箱地址".to_owned(),
            format!(
                "{name}，您好：\n\n请打开下面的链接并点击“确认我的邮箱”，以确认这是您的邮箱地址：\n\n{link}\n\n该链接只能使用一次，{valid_hours} 小时后失效。\n如果您没有注册 Latchkey 账户，请忽略此邮件。\n"
            ),
        ),
    };
    NewMail {
        to: to.to_owned(),
        subject,
        body_text: body,
    }
}

/// Sent instead of a verification mail when someone registers an address
/// that already has an account, so the page can answer the same either way.
pub fn already_registered_mail(
    locale: Locale,
    to: &str,
    name: &str,
    sign_in_link: &str,
) -> NewMail {
    let (subject, body) = match locale {
        Locale::En => (
            "You already have a Latchkey account".to_owned(),
            format!(
                "Hello {name},\n\nSomeone (perhaps you) tried to register a new Latchkey account with this email address, but you already have one.\nYou can sign in here:\n\n{sign_in_link}\n\nIf this wasn't you, no action is needed: nothing has changed on your account.\n"
            ),
        ),
        Locale::ZhCn => (
            "您已经有 Latchkey 账户".to_owned(),
            format!(
                "{name}，您好：\n\n有人（可能是您本人）尝试用此邮箱地址注册新的 Latchkey 账户，但该地址已有账户。\n您可以在这里登录：\n\n{sign_in_link}\n\n如果不是您本人操作，无需处理：您的账户没有任何变化。\n"
            ),
        ),
    };
    NewMail {
        to: to.to_owned(),
        subject,
        body_text: body,
    }
}

pub fn reset_mail(locale: Locale, to: &str, name: &str, link: &str, valid_minutes: i64) -> NewMail {
    let (subject, body) = match locale {
        Locale::En => (
            "Reset your Latchkey password".to_owned(),
            format!(
                "Hello {name},\n\nSomeone (hopefully you) asked to reset the password of your Latchkey account. To choose a new password, open this link:\n\n{link}\n\nThe link works once and expires in {valid_minutes} minutes. Asking again makes this link stop working.\nIf you did not ask, ignore this message: your password stays as it is.\n"
            ),
        ),
        Locale::ZhCn => (
            "重置您的 Latchkey 密码".to_owned(),
            format!(
                "{name}，您好：\n\n有人（希望是您本人）请求重置您 Latchkey 账户的密码。要设置新密码，请打开此链接：\n\n{link}\n\n该链接只能使用一次，{valid_minutes} 分钟后失效。再次请求后，此链接将失效。\n如果不是您本人请求，请忽略此邮件：您的密码不会改变。\n"
            ),
        ),
    };
    NewMail {
        to: to.to_owned(),
        subject,
        body_text: body,
    }
}

pub fn password_changed_mail(locale: Locale, to: &str, name: &str, recover_link: &str) -> NewMail {
    let (subject, body) = match locale {
        Locale::En => (
            "Your Latchkey password was changed".to_owned(),
            format!(
                "Hello {name},\n\nThe password of your Latchkey account was just changed, and every device was signed out.\nIf this was you, there is nothing more to do.\nIf it was not, reset your password at once here and contact support:\n\n{recover_link}\n"
            ),
        ),
        Locale::ZhCn => (
            "您的 Latchkey 密码已更改".to_owned(),
            format!(
                "{name}，您好：\n\n您 Latchkey 账户的密码刚刚被更改，所有设备均已退出登录。\n如果是您本人操作，无需其他处理。\n如果不是，请立即在这里重置密码并联系客服：\n\n{recover_link}\n"
            ),
        ),
    };
    NewMail {
        to: to.to_owned(),
        subject,
        body_text: body,
    }
}

/// Delivers queued mail until the process ends. Failures are retried with
/// doubling back-off up to `max_attempts`; every instance may run one, the
/// queue's leases keep them from sending a message twice at once.
pub async fn run_delivery(
    queue: Arc<dyn MailQueue>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    retry_secs: i64,
    max_attempts: i64,
    idle_poll: Duration,
) {
    loop {
        match deliver_next(
            queue.as_ref(),
            mailer.as_ref(),
            clock.as_ref(),
            retry_secs,
            max_attempts,
        )
        .await
        {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "mail queue unavailable; will retry"),
        }
        tokio::time::sleep(idle_poll).await;
    }
}

/// How long a worker may hold a message before another may take it over.
const LEASE_MS: i64 = 60_000;

/// Delivers one due message; `Ok(false)` when none is due.
pub async fn deliver_next(
    queue: &dyn MailQueue,
    mailer: &dyn Mailer,
    clock: &dyn Clock,
    retry_secs: i64,
    max_attempts: i64,
) -> Result<bool, crate::error::StoreError> {
    let now = clock.now_ms();
    let Some(mail) = queue.claim_mail(now, now + LEASE_MS).await? else {
        return Ok(false);
    };
    match mailer.deliver(&mail).await {
        Ok(place) => {
            queue.mark_mail_sent(mail.id, clock.now_ms()).await?;
            tracing::info!(mail_id = mail.id, delivered_to = %place, "mail delivered");
        }
        Err(error) => {
            let next = (mail.attempts < max_attempts).then(|| {
                clock.now_ms() + retry_secs * 1000 * (1_i64 << (mail.attempts - 1).clamp(0, 16))
            });
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, gave_up = next.is_none(), %error, "mail delivery failed");
            queue.mark_mail_failed(mail.id, next, &error).await?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_names_the_link_and_lifetime_in_both_languages() {
        for locale in Locale::ALL {
            let mail = verification_mail(
                locale,
                "ada@example.com",
                "Ada",
                "http://localhost:3000/verify-email?token=abc",
                24,
            );
            assert!(mail
                .body_text
                .contains("http://localhost:3000/verify-email?token=abc"));
            assert!(mail.body_text.contains("24"));
            assert_eq!(mail.to, "ada@example.com");
        }
    }
}
