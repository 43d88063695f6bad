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

/// The greeting. Mail to an address nobody has confirmed yet goes without
/// the display name: whoever typed that address also chose the name, and
/// could otherwise write to a stranger under the portal's name.
fn hello(locale: Locale, name: Option<&str>) -> String {
    match (locale, name) {
        (Locale::En, Some(name)) => format!("Hello {name},"),
        (Locale::En, None) => "Hello,".to_owned(),
        (Locale::ZhCn, Some(name)) => format!("{name}，您好："),
        (Locale::ZhCn, None) => "您好：".to_owned(),
    }
}

/// A "this wasn't me" link in a security mail and how long it works.
#[derive(Debug, Clone, Copy)]
pub struct ReportLink<'a> {
    pub link: &'a str,
    pub valid_days: i64,
}

/// The paragraph that offers a report link: what pressing it undoes.
fn not_me_paragraph(locale: Locale, report: ReportLink<'_>) -> String {
    let ReportLink { link, valid_days } = report;
    match locale {
        Locale::En => format!("If this was not you, open this link and confirm: every session of your account ends, what was added to it since then (passkeys, an authenticator app, recovery codes) is removed, and you choose a new password (the link works for {valid_days} days):\n\n{link}\n"),
        Locale::ZhCn => format!("如果不是您本人操作，请打开此链接并确认：您账户的所有会话将结束，此后添加的通行密钥、身份验证器应用和恢复码将被移除，然后您可以设置新密码（链接 {valid_days} 天内有效）：\n\n{link}\n"),
    }
}

pub fn verification_mail(
    locale: Locale,
    to: &str,
    name: Option<&str>,
    link: &str,
    valid_hours: i64,
) -> NewMail {
    let hello = hello(locale, name);
    message(
        to,
        match locale {
        Locale::En => (
            "Confirm your email address for Latchkey".to_owned(),
            format!(
                "{hello}\n\nPlease confirm that this is your email address by opening the link below and pressing \"Confirm my email\":\n\n{link}\n\nThe link works once and expires in {valid_hours} hours.\nIf you did not create a Latchkey account, you can ignore this message.\n"
            ),
        ),
        Locale::ZhCn => (
            "请确认您在 Latchkey 的电子邮箱地址".to_owned(),
            format!(
                "{hello}\n\n请打开下面的链接并点击“确认我的邮箱”，以确认这是您的邮箱地址：\n\n{link}\n\n该链接只能使用一次，{valid_hours} 小时后失效。\n如果您没有注册 Latchkey 账户，请忽略此邮件。\n"
            ),
        ),
        },
    )
}

/// Sent instead of a verification mail when someone registers an address
/// that already has an account, so the page can answer the same either way.
pub fn already_registered_mail(
    locale: Locale,
    to: &str,
    name: Option<&str>,
    sign_in_link: &str,
) -> NewMail {
    let hello = hello(locale, name);
    message(
        to,
        match locale {
        Locale::En => (
            "You already have a Latchkey account".to_owned(),
            format!(
                "{hello}\n\nSomeone (perhaps you) tried to register a new Latchkey account with this email address, but you already have one.\nYou can sign in here:\n\n{sign_in_link}\n\nIf this wasn't you, no action is needed: nothing has changed on your account.\n"
            ),
        ),
        Locale::ZhCn => (
            "您已经有 Latchkey 账户".to_owned(),
            format!(
                "{hello}\n\n有人（可能是您本人）尝试用此邮箱地址注册新的 Latchkey 账户，但该地址已有账户。\n您可以在这里登录：\n\n{sign_in_link}\n\n如果不是您本人操作，无需处理：您的账户没有任何变化。\n"
            ),
        ),
        },
    )
}

pub fn reset_mail(
    locale: Locale,
    to: &str,
    name: Option<&str>,
    link: &str,
    valid_minutes: i64,
) -> NewMail {
    let hello = hello(locale, name);
    message(
        to,
        match locale {
        Locale::En => (
            "Reset your Latchkey password".to_owned(),
            format!(
                "{hello}\n\nSomeone (hopefully you) asked to reset the password of your Latchkey account. To choose a new password, open this link:\n\n{link}\n\nThe link works once and expires in {valid_minutes} minutes. Asking again sends another link; this one keeps working until it is used or expires, and a new password voids every link.\nIf you did not ask, ignore this message: your password stays as it is.\n"
            ),
        ),
        Locale::ZhCn => (
            "重置您的 Latchkey 密码".to_owned(),
            format!(
                "{hello}\n\n有人（希望是您本人）请求重置您 Latchkey 账户的密码。要设置新密码，请打开此链接：\n\n{link}\n\n该链接只能使用一次，{valid_minutes} 分钟后失效。再次请求会发送另一个链接；此链接在使用或过期前仍然有效，设置新密码后所有链接都会失效。\n如果不是您本人请求，请忽略此邮件：您的密码不会改变。\n"
            ),
        ),
        },
    )
}

pub fn password_changed_mail(locale: Locale, to: &str, name: &str, recover_link: &str) -> NewMail {
    message(
        to,
        match locale {
        Locale::En => (
            "Your Latchkey password was changed".to_owned(),
            format!(
                "Hello {name},\n\nThe password of your Latchkey account was just changed, and the other devices signed in to it were signed out.\nIf this was you, there is nothing more to do.\nIf it was not, reset your password at once here and contact support:\n\n{recover_link}\n"
            ),
        ),
        Locale::ZhCn => (
            "您的 Latchkey 密码已更改".to_owned(),
            format!(
                "{name}，您好：\n\n您 Latchkey 账户的密码刚刚被更改，其他已登录的设备均已退出登录。\n如果是您本人操作，无需其他处理。\n如果不是，请立即在这里重置密码并联系客服：\n\n{recover_link}\n"
            ),
        ),
        },
    )
}

/// One line per event a security mail reports: time (UTC), address, device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLine {
    pub time: String,
    pub ip: String,
    pub device: String,
}

fn event_lines(events: &[EventLine]) -> String {
    events
        .iter()
        .map(|e| format!("  - {}  {}  {}\n", e.time, e.ip, e.device))
        .collect()
}

fn message(to: &str, (subject, body_text): (String, String)) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject,
        body_text,
    }
}

/// Sent once per lock: the failed attempts, an unlock link and the way to a
/// new password.
pub fn locked_mail(
    locale: Locale,
    to: &str,
    name: &str,
    attempts: &[EventLine],
    lock_minutes: i64,
    unlock_link: &str,
    recover_link: &str,
) -> NewMail {
    let lines = event_lines(attempts);
    message(to, match locale {
        Locale::En => (
            "Your Latchkey account was locked after failed sign-ins".to_owned(),
            format!(
                "Hello {name},\n\nThere were several failed attempts to sign in to your Latchkey account, so it is locked for {lock_minutes} minutes for browsers it does not know:\n\n{lines}\nBrowsers where you signed in before can still sign in.\nIf these attempts were yours, you can end the lock now (the link asks you to confirm):\n\n{unlock_link}\n\nIf they were not, someone may know your address and be guessing your password. Choosing a new, unique password is the safest answer:\n\n{recover_link}\n"
            ),
        ),
        Locale::ZhCn => (
            "多次登录失败，您的 Latchkey 账户已被锁定".to_owned(),
            format!(
                "{name}，您好：\n\n您的 Latchkey 账户出现了多次失败的登录尝试，因此对未曾登录过的浏览器锁定 {lock_minutes} 分钟：\n\n{lines}\n您之前登录过的浏览器仍然可以登录。\n如果这些尝试是您本人，可以现在解除锁定（打开链接后需要确认）：\n\n{unlock_link}\n\n如果不是您本人，可能有人知道您的邮箱地址并在猜测密码。最安全的做法是设置一个新的、独一无二的密码：\n\n{recover_link}\n"
            ),
        ),
    })
}

/// Sent when a browser that never signed in to the account before does.
pub fn new_device_mail(
    locale: Locale,
    to: &str,
    name: &str,
    sign_in: &EventLine,
    report: ReportLink<'_>,
) -> NewMail {
    let line = event_lines(std::slice::from_ref(sign_in));
    let advice = not_me_paragraph(locale, report);
    message(to, match locale {
        Locale::En => (
            "New sign-in to your Latchkey account".to_owned(),
            format!(
                "Hello {name},\n\nYour Latchkey account was just signed in to from a browser it had not seen before:\n\n{line}\nIf this was you, there is nothing to do.\n{advice}"
            ),
        ),
        Locale::ZhCn => (
            "您的 Latchkey 账户有新的登录".to_owned(),
            format!(
                "{name}，您好：\n\n有一个之前未见过的浏览器刚刚登录了您的 Latchkey 账户：\n\n{line}\n如果是您本人，无需处理。\n{advice}"
            ),
        ),
    })
}

/// Sent to the current address when someone signed in asks to move the
/// account to another one: the change waits for the new address, and this
/// mail's link stops it.
pub fn email_change_requested_mail(
    locale: Locale,
    to: &str,
    name: &str,
    new_address: &str,
    report: ReportLink<'_>,
) -> NewMail {
    let advice = not_me_paragraph(locale, report);
    message(to, match locale {
        Locale::En => (
            "Someone asked to change the email address of your Latchkey account".to_owned(),
            format!(
                "Hello {name},\n\nSomeone signed in to your Latchkey account asked to move it to the address {new_address}. Nothing changes until a link sent there is opened.\nIf this was you, there is nothing to do.\n{advice}"
            ),
        ),
        Locale::ZhCn => (
            "有人请求更改您 Latchkey 账户的邮箱地址".to_owned(),
            format!(
                "{name}，您好：\n\n已登录您 Latchkey 账户的人请求将账户改用地址 {new_address}。在发送到该地址的链接被打开之前，不会有任何更改。\n如果是您本人操作，无需处理。\n{advice}"
            ),
        ),
    })
}

/// Sent to the new address of an email change; the change waits for it.
pub fn confirm_new_email_mail(
    locale: Locale,
    to: &str,
    name: Option<&str>,
    link: &str,
    valid_hours: i64,
) -> NewMail {
    let hello = hello(locale, name);
    message(to, match locale {
        Locale::En => (
            "Confirm your new email address for Latchkey".to_owned(),
            format!(
                "{hello}\n\nYou asked to use this address for your Latchkey account. Open the link and press \"Use this address\" to make the change:\n\n{link}\n\nThe link works once and expires in {valid_hours} hours. Until then your account keeps its current address.\nIf you did not ask for this, ignore this message.\n"
            ),
        ),
        Locale::ZhCn => (
            "请确认您在 Latchkey 的新邮箱地址".to_owned(),
            format!(
                "{hello}\n\n您请求将此地址用于您的 Latchkey 账户。请打开链接并点击“使用此地址”完成更改：\n\n{link}\n\n该链接只能使用一次，{valid_hours} 小时后失效。在此之前，您的账户仍使用当前地址。\n如果不是您本人请求，请忽略此邮件。\n"
            ),
        ),
    })
}

/// Sent to the old address once an email change happened.
pub fn email_changed_mail(
    locale: Locale,
    to: &str,
    name: &str,
    new_address: &str,
    restore_link: &str,
    valid_days: i64,
) -> NewMail {
    message(to, match locale {
        Locale::En => (
            "The email address of your Latchkey account was changed".to_owned(),
            format!(
                "Hello {name},\n\nYour Latchkey account now uses the address {new_address}; this address no longer signs in.\nIf this was you, there is nothing to do.\nIf it was not, open this link and confirm: your account goes back to this address and every session ends (the link works for {valid_days} days):\n\n{restore_link}\n"
            ),
        ),
        Locale::ZhCn => (
            "您的 Latchkey 账户邮箱地址已更改".to_owned(),
            format!(
                "{name}，您好：\n\n您的 Latchkey 账户现在使用地址 {new_address}；此地址已不能用于登录。\n如果是您本人操作，无需处理。\n如果不是，请打开此链接并确认：您的账户将恢复为此地址，且所有会话都会结束（链接 {valid_days} 天内有效）：\n\n{restore_link}\n"
            ),
        ),
    })
}

/// Sent when the owner asks to delete the account.
pub fn deletion_scheduled_mail(
    locale: Locale,
    to: &str,
    name: &str,
    erase_on: &str,
    sign_in_link: &str,
) -> NewMail {
    message(to, match locale {
        Locale::En => (
            "Your Latchkey account will be deleted".to_owned(),
            format!(
                "Hello {name},\n\nAs you asked, your Latchkey account is closed and every session has ended. Its personal data will be erased on {erase_on}.\nChanged your mind? Sign in before then and the deletion is cancelled:\n\n{sign_in_link}\n"
            ),
        ),
        Locale::ZhCn => (
            "您的 Latchkey 账户将被删除".to_owned(),
            format!(
                "{name}，您好：\n\n按照您的请求，您的 Latchkey 账户已关闭，所有会话均已结束。其个人数据将于 {erase_on} 删除。\n改变主意了？在此之前登录即可取消删除：\n\n{sign_in_link}\n"
            ),
        ),
    })
}

/// What happened to a second factor, as its mail tells it: an addition
/// carries a "this wasn't me" link, a removal the way to recovery.
#[derive(Debug, Clone, Copy)]
pub enum FactorChange<'a> {
    Added(ReportLink<'a>),
    Removed { recover_link: &'a str },
}

/// The last paragraph of a factor mail.
fn factor_change_advice(locale: Locale, change: FactorChange<'_>) -> String {
    match (change, locale) {
        (FactorChange::Added(report), _) => not_me_paragraph(locale, report),
        (FactorChange::Removed { recover_link }, Locale::En) => format!(
            "If this was not you, reset your password at once and contact support:\n\n{recover_link}\n"
        ),
        (FactorChange::Removed { recover_link }, Locale::ZhCn) => {
            format!("如果不是您本人操作，请立即重置密码并联系客服：\n\n{recover_link}\n")
        }
    }
}

/// Sent when two-factor sign-in is turned on or off.
pub fn factor_changed_mail(
    locale: Locale,
    to: &str,
    name: &str,
    change: FactorChange<'_>,
) -> NewMail {
    let advice = factor_change_advice(locale, change);
    let added = matches!(change, FactorChange::Added(_));
    message(
        to,
        match (locale, added) {
            (Locale::En, true) => (
                "Two-factor sign-in is on for your Latchkey account".to_owned(),
                format!("Hello {name},\n\nAn authenticator app was just added to your Latchkey account: signing in now also asks for its code.\n{advice}"),
            ),
            (Locale::En, false) => (
                "Authenticator-app sign-in was turned off for your Latchkey account".to_owned(),
                format!("Hello {name},\n\nThe authenticator app was just removed from your Latchkey account: its codes no longer sign you in. (A passkey you added stays, and so do its recovery codes.)\n{advice}"),
            ),
            (Locale::ZhCn, true) => (
                "您的 Latchkey 账户已开启两步验证".to_owned(),
                format!("{name}，您好：\n\n您的 Latchkey 账户刚刚添加了身份验证器应用：现在登录时还需要输入其验证码。\n{advice}"),
            ),
            (Locale::ZhCn, false) => (
                "您的 Latchkey 账户已关闭身份验证器应用登录".to_owned(),
                format!("{name}，您好：\n\n您 Latchkey 账户的身份验证器应用刚刚被移除：其验证码不再能用于登录。（您添加的通行密钥及其恢复码仍然保留。）\n{advice}"),
            ),
        },
    )
}

/// Tells the owner a passkey or security key was added to or removed from
/// the account.
pub fn passkey_changed_mail(
    locale: Locale,
    to: &str,
    name: &str,
    passkey: &str,
    change: FactorChange<'_>,
) -> NewMail {
    let advice = factor_change_advice(locale, change);
    let added = matches!(change, FactorChange::Added(_));
    message(
        to,
        match (locale, added) {
            (Locale::En, true) => (
                "A passkey was added to your Latchkey account".to_owned(),
                format!("Hello {name},\n\nThe passkey or security key \u{201c}{passkey}\u{201d} was just added to your Latchkey account: it can now sign in to it.\n{advice}"),
            ),
            (Locale::En, false) => (
                "A passkey was removed from your Latchkey account".to_owned(),
                format!("Hello {name},\n\nThe passkey or security key \u{201c}{passkey}\u{201d} was just removed from your Latchkey account: it can no longer sign in to it.\n{advice}"),
            ),
            (Locale::ZhCn, true) => (
                "您的 Latchkey 账户添加了通行密钥".to_owned(),
                format!("{name}，您好：\n\n您的 Latchkey 账户刚刚添加了通行密钥或安全密钥“{passkey}”：现在可以用它登录。\n{advice}"),
            ),
            (Locale::ZhCn, false) => (
                "您的 Latchkey 账户移除了通行密钥".to_owned(),
                format!("{name}，您好：\n\n您 Latchkey 账户的通行密钥或安全密钥“{passkey}”刚刚被移除：它不能再用于登录。\n{advice}"),
            ),
        },
    )
}

/// Tells the owner a sign-in with one of their passkeys was refused because
/// its signature counter went backwards: the key may have been copied.
pub fn passkey_refused_mail(
    locale: Locale,
    to: &str,
    name: &str,
    passkey: &str,
    recover_link: &str,
) -> NewMail {
    message(
        to,
        match locale {
            Locale::En => (
                "A sign-in with your passkey was refused".to_owned(),
                format!("Hello {name},\n\nA sign-in to your Latchkey account with the passkey or security key \u{201c}{passkey}\u{201d} was refused: the key answered with an older counter than before, which can mean it was copied.\nRemove it under Security in your account and add it again; if you did not try to sign in, reset your password and contact support:\n\n{recover_link}\n"),
            ),
            Locale::ZhCn => (
                "使用您的通行密钥登录被拒绝".to_owned(),
                format!("{name}，您好：\n\n有人使用通行密钥或安全密钥“{passkey}”登录您的 Latchkey 账户，已被拒绝：该密钥返回的计数器比之前更旧，这可能表示密钥被复制。\n请在账户的“安全”页面移除该密钥后重新添加；如果不是您本人尝试登录，请重置密码并联系客服：\n\n{recover_link}\n"),
            ),
        },
    )
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
    drain_forever("mail", idle_poll, || {
        deliver_next(
            queue.as_ref(),
            mailer.as_ref(),
            clock.as_ref(),
            retry_secs,
            max_attempts,
        )
    })
    .await
}

/// Runs one delivery `step` after another until the process ends: the next
/// at once after a delivery, after `idle_poll` when nothing was due or the
/// queue could not be reached.
pub(crate) async fn drain_forever<F, Fut>(queue: &str, idle_poll: Duration, mut step: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, crate::error::StoreError>>,
{
    loop {
        match step().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, queue, "delivery queue unavailable; will retry"),
        }
        tokio::time::sleep(idle_poll).await;
    }
}

/// When a failed delivery is tried again: `retry_secs` after the first
/// attempt, doubled after each further one; `None` (given up) once
/// `max_attempts` were made.
pub(crate) fn retry_at(
    now_ms: i64,
    retry_secs: i64,
    attempts: i64,
    max_attempts: i64,
) -> Option<i64> {
    (attempts < max_attempts)
        .then(|| now_ms + retry_secs * 1000 * (1_i64 << (attempts - 1).clamp(0, 16)))
}

/// How long a worker may hold a message before another may take it over.
pub(crate) const LEASE_MS: i64 = 60_000;

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
            let next = retry_at(clock.now_ms(), retry_secs, mail.attempts, max_attempts);
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, gave_up = next.is_none(), %error, "mail delivery failed");
            queue.mark_mail_failed(mail.id, next, &error).await?;
        }
    }
    Ok(true)
}

/// What a staff member did to the account, for the mail that tells its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange<'a> {
    Unlocked,
    EndedSessions,
    Disabled,
    Enabled,
    /// The old password no longer works; the link sets a new one.
    RequiredPasswordReset {
        link: &'a str,
        valid_minutes: i64,
    },
    RemovedSecondFactors,
    /// A read-only support view of the portal started.
    StartedView,
    /// Someone else may have got in: every session ended, every browser
    /// forgotten, the old password void; the link sets a new one.
    RespondedToCompromise {
        link: &'a str,
        valid_minutes: i64,
    },
}

/// Tells the owner what a staff member did to the account, who, and why:
/// nothing support does is hidden from the customer.
pub fn staff_action_mail(
    locale: Locale,
    to: &str,
    name: &str,
    staff: &str,
    reason: &str,
    change: StaffChange<'_>,
) -> NewMail {
    let (subject, what) = match (locale, change) {
        (Locale::En, StaffChange::Unlocked) => ("Support unlocked your Latchkey account", "ended the sign-in lock on your account"),
        (Locale::En, StaffChange::EndedSessions) => ("Support signed your Latchkey account out everywhere", "ended every session of your account: sign in again on each device"),
        (Locale::En, StaffChange::Disabled) => ("Your Latchkey account was disabled", "disabled your account: it cannot sign in, and every session ended. Contact support if you think this is a mistake"),
        (Locale::En, StaffChange::Enabled) => ("Your Latchkey account was enabled again", "enabled your account again: you can sign in"),
        (Locale::En, StaffChange::RequiredPasswordReset { .. }) => ("Choose a new password for your Latchkey account", "asked you to choose a new password: your old password no longer works and every session ended"),
        (Locale::En, StaffChange::RemovedSecondFactors) => ("Support removed the second factors of your Latchkey account", "removed your authenticator app, passkeys and recovery codes: your password alone signs in now. Add a second factor again on your account's two-factor page"),
        (Locale::En, StaffChange::StartedView) => ("Support is viewing your Latchkey account", "opened a read-only view of your account pages for a short time: they see what you see there, but cannot change anything, and never see your password, codes or keys"),
        (Locale::En, StaffChange::RespondedToCompromise { .. }) => ("We secured your Latchkey account: choose a new password", "believes someone else may have got into your account, and secured it: every device was signed out, every browser your account knew is forgotten, and your old password no longer works"),
        (Locale::ZhCn, StaffChange::Unlocked) => ("客服解除了您 Latchkey 账户的登录锁定", "解除了您账户的登录锁定"),
        (Locale::ZhCn, StaffChange::EndedSessions) => ("客服让您的 Latchkey 账户在所有设备上退出登录", "结束了您账户的所有会话：请在各设备上重新登录"),
        (Locale::ZhCn, StaffChange::Disabled) => ("您的 Latchkey 账户已被停用", "停用了您的账户：它无法登录，所有会话均已结束。如果您认为有误，请联系客服"),
        (Locale::ZhCn, StaffChange::Enabled) => ("您的 Latchkey 账户已重新启用", "重新启用了您的账户：您可以登录了"),
        (Locale::ZhCn, StaffChange::RequiredPasswordReset { .. }) => ("请为您的 Latchkey 账户设置新密码", "要求您设置新密码：旧密码已失效，所有会话均已结束"),
        (Locale::ZhCn, StaffChange::RemovedSecondFactors) => ("客服移除了您 Latchkey 账户的第二验证方式", "移除了您的身份验证器应用、通行密钥和恢复码：现在仅凭密码即可登录。您可以在账户的两步验证页面重新添加"),
        (Locale::ZhCn, StaffChange::RespondedToCompromise { .. }) => ("我们已保护您的 Latchkey 账户：请设置新密码", "认为可能有他人进入了您的账户，并已采取保护措施：所有设备均已退出登录，您账户记住的所有浏览器均已被遗忘，旧密码已失效"),
        (Locale::ZhCn, StaffChange::StartedView) => ("客服正在查看您的 Latchkey 账户", "以只读方式短时查看您的账户页面：他们能看到您在这些页面上看到的内容，但无法做任何更改，也永远看不到您的密码、验证码或密钥"),
    };
    let link = match (locale, change) {
        (Locale::En, StaffChange::RequiredPasswordReset { link, valid_minutes }) => format!("Choose the new password here (the link works once, for {valid_minutes} minutes; afterwards \"Forgot your password?\" sends another):\n\n{link}\n\n"),
        (Locale::ZhCn, StaffChange::RequiredPasswordReset { link, valid_minutes }) => format!("请在这里设置新密码（链接只能使用一次，{valid_minutes} 分钟内有效；之后可通过“忘记密码？”重新获取）：\n\n{link}\n\n"),
        (Locale::En, StaffChange::RespondedToCompromise { link, valid_minutes }) => format!("What to do now:\n\n1. Choose a new password here, one you use nowhere else (the link works once, for {valid_minutes} minutes; afterwards \"Forgot your password?\" sends another):\n\n{link}\n\n2. Change the password of this mailbox too, and sign it out everywhere: whoever got in may read your mail.\n3. Once signed in, look at your activity history and your second factors (authenticator app, passkeys), and remove anything you do not recognise.\n\n"),
        (Locale::ZhCn, StaffChange::RespondedToCompromise { link, valid_minutes }) => format!("接下来请您：\n\n1. 在这里设置一个您在其他地方都没有用过的新密码（链接只能使用一次，{valid_minutes} 分钟内有效；之后可通过“忘记密码？”重新获取）：\n\n{link}\n\n2. 同时更改此邮箱的密码，并让它在所有设备上退出登录：进入您账户的人可能会读取您的邮件。\n3. 登录后查看您的活动记录和第二验证方式（身份验证器应用、通行密钥），删除任何您不认识的内容。\n\n"),
        _ => String::new(),
    };
    let body = match locale {
        Locale::En => format!("Hello {name},\n\n{staff} of our support team {what}.\n\nThe reason given: {reason}\n\n{link}Your account's activity history shows this too. If you did not ask for it, contact support.\n"),
        Locale::ZhCn => format!("{name}，您好：\n\n我们的客服人员 {staff} {what}。\n\n给出的原因：{reason}\n\n{link}您账户的活动记录中也会显示此操作。如果这不是您要求的，请联系客服。\n"),
    };
    message(to, (subject.to_owned(), body))
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
                None,
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

    #[test]
    fn mail_to_an_unconfirmed_address_leaves_the_chosen_name_out() {
        for locale in Locale::ALL {
            let phishing = "Visit evil.example now";
            let link = "http://localhost:3000/verify-email?token=abc";
            assert!(
                !verification_mail(locale, "ada@example.com", None, link, 24)
                    .body_text
                    .contains(phishing)
            );
            assert!(reset_mail(locale, "a@example.com", Some("Ada"), link, 30)
                .body_text
                .contains("Ada"));
        }
    }

    #[test]
    fn added_factors_are_mailed_with_a_report_link() {
        let report = ReportLink {
            link: "http://localhost:3000/not-me?token=xyz",
            valid_days: 7,
        };
        for locale in Locale::ALL {
            let app =
                factor_changed_mail(locale, "a@example.com", "Ada", FactorChange::Added(report));
            let key = passkey_changed_mail(
                locale,
                "a@example.com",
                "Ada",
                "Key",
                FactorChange::Added(report),
            );
            assert!(app.body_text.contains(report.link) && key.body_text.contains(report.link));
        }
    }
}
