//! Every user-facing string, in English and Simplified Chinese.

use domain::Locale;
use leptos::prelude::*;

macro_rules! messages {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// A translatable message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T { $($key),* }

        impl T {
            pub fn text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((T::$key, Locale::En) => $en, (T::$key, Locale::ZhCn) => $zh,)*
                }
            }
        }
    };
}

messages! {
    SkipToContent => "Skip to main content", "跳到主要内容";
    MainNavigation => "Main", "主导航";
    NavAccount => "Account", "账户";
    NavActivity => "Activity", "活动记录";
    NavSignIn => "Sign in", "登录";
    NavRegister => "Create account", "注册";
    SignOut => "Sign out", "退出登录";
    LanguageLabel => "Language", "语言";
    Working => "Working…", "处理中…";

    LoginTitle => "Sign in to Latchkey", "登录 Latchkey";
    LoginIntro => "Use the email address and password of your account, or a passkey.", "请使用您账户的邮箱地址和密码，或使用通行密钥。";
    EmailLabel => "Email address", "邮箱地址";
    PasswordLabel => "Password", "密码";
    ShowPassword => "Show password", "显示密码";
    SignInButton => "Sign in", "登录";
    NewHere => "New here?", "第一次来？";
    CreateAccountLink => "Create an account", "创建账户";
    VerifiedNotice => "Your email address is confirmed. Sign in to continue.", "您的邮箱地址已确认。请登录以继续。";
    ConfirmedWelcome => "Your email address is confirmed. Welcome to your account.", "您的邮箱地址已确认。欢迎使用您的账户。";
    SignedOutNotice => "You have signed out.", "您已退出登录。";
    ForgotPassword => "Forgot your password?", "忘记密码？";
    ResetDoneNotice => "Your password has been changed and every device was signed out. Sign in with your new password.", "您的密码已更改，所有设备均已退出登录。请使用新密码登录。";

    RecoverTitle => "Reset your password", "重置密码";
    RecoverIntro => "Enter the email address of your account. We will send you a link to choose a new password.", "请输入您账户的邮箱地址。我们会发送一个链接，让您设置新密码。";
    RecoverButton => "Send me a link", "发送链接";
    RecoverSentTitle => "Check your email", "请查收邮件";
    RecoverSentBody => "If an account exists for that address, we have sent it a link to reset the password. The link expires in 30 minutes and works once. Nothing arrived? Look in your spam folder, or ask again.", "如果该地址有对应的账户，我们已向其发送重置密码的链接。链接 30 分钟内有效，只能使用一次。没有收到？请检查垃圾邮件文件夹，或重新请求。";
    AskAgain => "Ask for another link", "重新请求链接";
    ResetTitle => "Choose a new password", "设置新密码";
    ResetIntro => "After the change, every device signed in to your account is signed out.", "更改后，所有已登录您账户的设备都将退出登录。";
    NewPasswordLabel => "New password", "新密码";
    ConfirmPasswordLabel => "New password again", "再次输入新密码";
    ResetButton => "Change my password", "更改密码";
    ResetNoLink => "This page needs the link from our password reset mail. Links expire after 30 minutes and work once.", "此页面需要通过我们的重置密码邮件中的链接打开。链接 30 分钟后失效，且只能使用一次。";

    RegisterTitle => "Create your account", "创建您的账户";
    RegisterIntro => "We will send a link to your email address to confirm it.", "我们会向您的邮箱发送一个链接，用于确认地址。";
    NameLabel => "Your name", "您的名字";
    NameHint => "How we address you. Any characters are fine.", "我们如何称呼您，可以使用任何字符。";
    PasswordHint => "At least 12 characters, with upper and lower case letters, a digit and a symbol. Avoid common passwords and your name or email address.", "至少 12 个字符，包含大写和小写字母、数字和符号。请避免常见密码以及您的名字或邮箱地址。";
    CreateAccountButton => "Create account", "创建账户";
    HaveAccount => "Already have an account?", "已经有账户了？";

    CheckMailTitle => "Check your email", "请查收邮件";
    CheckMailBody => "We have sent a message to the address you entered. Open the link in it to confirm your address; it expires in 24 hours. If nothing arrives within a few minutes, look in your spam folder.", "我们已向您填写的地址发送了一封邮件。请打开其中的链接确认地址，链接 24 小时内有效。如果几分钟内没有收到，请检查垃圾邮件文件夹。";
    GoToSignIn => "Go to sign in", "前往登录";
    CheckMailSentTo => "We have sent a message to {email}. Open the link in it to confirm your address; it expires in 24 hours. If nothing arrives within a few minutes, look in your spam folder.", "我们已向 {email} 发送了一封邮件。请打开其中的链接确认地址，链接 24 小时内有效。如果几分钟内没有收到，请检查垃圾邮件文件夹。";
    ResendEmailButton => "Resend the email", "重新发送邮件";
    UseDifferentAddress => "Use a different address", "使用其他地址";
    MailResentNotice => "We sent the email again. It can take a few minutes to arrive.", "邮件已重新发送，可能需要几分钟才能送达。";

    VerifyTitle => "Confirm your email address", "确认您的邮箱地址";
    VerifyBody => "Press the button to confirm that this email address is yours.", "请点击按钮，确认此邮箱地址属于您。";
    VerifyButton => "Confirm my email", "确认我的邮箱";
    VerifyNoLink => "Open the link from the message we sent you. If it has expired, sign in and ask for a new one on your account page.", "请打开我们发给您的邮件中的链接。如果链接已过期，请登录后在账户页面重新获取。";

    AccountTitle => "Your account", "您的账户";
    ProfileHeading => "Profile", "个人资料";
    EmailStatus => "Email status", "邮箱状态";
    Confirmed => "Confirmed", "已确认";
    NotConfirmed => "Not confirmed yet", "尚未确认";
    UnverifiedBanner => "Please confirm your email address: open the link we sent you. Until then some features stay locked.", "请确认您的邮箱地址：打开我们发给您的链接。确认之前，部分功能将不可用。";
    ResendButton => "Send a new link", "重新发送链接";
    ResentNotice => "We sent a new link. Check your inbox.", "新链接已发送，请查收邮件。";
    SeeActivity => "See your account activity", "查看账户活动记录";

    ActivityTitle => "Account activity", "账户活动记录";
    ActivityIntro => "Everything that happened on your account, newest first.", "您账户上发生的所有事件，最新的在前。";
    TimesShownIn => "Times are shown in {zone}.", "时间显示时区：{zone}。";
    ColTime => "Time", "时间";
    ColEvent => "Event", "事件";
    ColIp => "IP address", "IP 地址";
    ColDevice => "Device", "设备";
    NoActivity => "Nothing has happened yet.", "暂无活动记录。";
    OlderEvents => "Older events", "更早的事件";
    NewestEvents => "Back to the newest", "回到最新";
    UnknownDevice => "Unknown device", "未知设备";
    DeviceOn => "{browser} on {system}", "{system} 上的 {browser}";
    AgeJustNow => "just now", "刚刚";
    AgeMinute => "1 minute ago", "1 分钟前";
    AgeMinutes => "{n} minutes ago", "{n} 分钟前";
    AgeHour => "1 hour ago", "1 小时前";
    AgeHours => "{n} hours ago", "{n} 小时前";
    AgeDay => "1 day ago", "1 天前";
    AgeDays => "{n} days ago", "{n} 天前";

    EvRegistered => "Account created", "创建账户";
    EvEmailVerified => "Email address confirmed", "确认邮箱地址";
    EvVerificationResent => "New confirmation link sent", "重新发送确认链接";
    EvSignedIn => "Signed in", "登录";
    EvSignInFailed => "Failed sign-in", "登录失败";
    EvSignedOut => "Signed out", "退出登录";
    EvPasswordResetRequested => "Password reset link sent", "发送重置密码链接";
    EvPasswordReset => "Password changed with a reset link", "通过重置链接更改密码";
    EvSignedInNewDevice => "Signed in from a new browser — we emailed you", "从新的浏览器登录（我们已发邮件通知您）";
    EvSignInRefusedLocked => "Sign-in refused: account locked", "登录被拒绝：账户已锁定";
    EvAccountLocked => "Account locked after failed sign-ins — we emailed you", "多次登录失败后账户被锁定（我们已发邮件通知您）";
    EvAccountUnlocked => "Account unlocked from the mailed link", "通过邮件链接解除锁定";
    EvSessionRevoked => "A session was signed out", "结束了一个会话";
    EvOtherSessionsRevoked => "All other sessions were signed out", "结束了所有其他会话";
    EvReportedNotMe => "Reported as not me: every session ended", "报告“不是我本人”：所有会话已结束";
    EvPasswordChanged => "Password changed", "更改密码";
    EvEmailChangeRequested => "Email change requested", "请求更改邮箱地址";
    EvEmailChanged => "Email address changed", "更改邮箱地址";
    EvEmailRestored => "Email address restored from the mailed link", "通过邮件链接恢复邮箱地址";
    EvDisplayNameChanged => "Name changed", "更改了名称";
    EvDataExported => "Your data was downloaded", "下载了您的数据";
    EvDeletionRequested => "Account deletion requested", "请求删除账户";
    EvDeletionCancelled => "Account deletion cancelled by signing in", "登录后取消了账户删除";
    EvTotpEnabled => "Authenticator app turned on", "开启身份验证器应用";
    EvTotpRemoved => "Authenticator app removed", "移除身份验证器应用";
    EvRecoveryCodesRegenerated => "New recovery codes made", "生成新的恢复码";
    EvRecoveryCodeUsed => "Recovery code used", "使用了恢复码";
    EvSecondFactorFailed => "Wrong two-factor code", "两步验证码错误";
    EvSecondFactorReplayed => "Refused: a code that was already used", "已拒绝：重复使用的验证码";
    EvReauthenticated => "Identity confirmed for a sensitive change", "为敏感更改确认了身份";
    EvPasskeyAdded => "Passkey added — we emailed you", "添加了通行密钥（我们已发邮件通知您）";
    EvPasskeyRenamed => "Passkey renamed", "重命名了通行密钥";
    EvPasskeyRemoved => "Passkey removed — we emailed you", "移除了通行密钥（我们已发邮件通知您）";
    EvPasskeyUsed => "Passkey used to sign in", "使用通行密钥登录";
    EvPasskeyRefused => "Passkey refused: it may have been copied — we emailed you", "通行密钥被拒绝：可能已被复制（我们已发邮件通知您）";

    FilterLabel => "Show", "显示";
    AllEvents => "All events", "所有事件";
    FilterButton => "Apply", "应用";
    DownloadCsv => "Download as CSV (spreadsheet)", "下载为 CSV（电子表格）";

    SessionsTitle => "Where you are signed in", "登录位置";
    SessionsIntro => "Every browser signed in to your account. If you do not recognise one, sign it out and change your password.", "所有已登录您账户的浏览器。如果有您不认识的，请将其退出登录并更改密码。";
    ThisDevice => "This browser", "当前浏览器";
    SignedInAt => "Signed in", "登录时间";
    LastActive => "Last active", "最近活动";
    SignOutSession => "Sign out this session", "退出此会话";
    SignOutOthers => "Sign out everywhere else", "退出所有其他会话";
    SessionRevokedNotice => "That session is signed out.", "该会话已退出登录。";
    OthersRevokedNotice => "Every other session is signed out.", "所有其他会话均已退出登录。";
    NoOtherSessions => "No other browser is signed in.", "没有其他浏览器登录。";

    SecurityTitle => "Password, email and passkeys", "密码、邮箱与通行密钥";
    SecurityIntro => "Changing the password asks for the current one; changing the address or your passkeys asks you to confirm it is you if you signed in more than 5 minutes ago.", "更改密码需要输入当前密码；如果您登录已超过 5 分钟，更改邮箱地址或通行密钥前需要先确认身份。";
    ChangePasswordHeading => "Change your password", "更改密码";
    ChangePasswordHint => "Every other browser signed in to your account is signed out.", "所有其他已登录您账户的浏览器都将退出登录。";
    CurrentPasswordLabel => "Current password", "当前密码";
    ChangePasswordButton => "Change password", "更改密码";
    PasswordChangedNotice => "Your password is changed. Other browsers were signed out.", "密码已更改。其他浏览器已退出登录。";
    PasswordExpiredNotice => "Your password is older than your organisation allows. Choose a new one to continue.", "您的密码已超过所在组织允许的使用期限。请设置新密码以继续。";
    ChangeEmailHeading => "Change your email address", "更改邮箱地址";
    ChangeEmailHint => "We send a link to the new address; nothing changes until you open it. Your current address is told about the change.", "我们会向新地址发送链接；打开之前不会有任何更改。您当前的地址也会收到更改通知。";
    NewEmailLabel => "New email address", "新邮箱地址";
    ChangeEmailButton => "Send confirmation link", "发送确认链接";
    EmailSentNotice => "Check the inbox of the new address and open the link there. The link expires in 24 hours.", "请查收新地址的邮件并打开其中的链接。链接 24 小时内有效。";
    EmailChangedNotice => "Your email address is changed. Use the new one to sign in.", "邮箱地址已更改。请使用新地址登录。";

    PrivacyTitle => "Your data", "您的数据";
    ExportHeading => "Download your data", "下载您的数据";
    ExportBody => "One file (JSON) with your profile, your sessions and your complete activity history.", "一个 JSON 文件，包含您的个人资料、会话和完整的活动记录。";
    ExportButton => "Download my data", "下载我的数据";
    DeleteHeading => "Delete your account", "删除账户";
    DeleteWarning => "Deleting signs you out everywhere at once. Your personal data is erased {days} days later; until then you can cancel the deletion. After that it cannot be undone.", "删除后，您将立即在所有地方退出登录。您的个人数据将在 {days} 天后被删除；在此之前您可以取消删除。之后将无法恢复。";
    DeleteButton => "Delete my account", "删除我的账户";
    RestoreNotice => "Sign in to cancel the deletion: your account and its data stay as they were.", "登录即可取消删除：您的账户和数据将保持不变。";
    ClosedTitle => "Your account is closed", "您的账户已关闭";
    ClosedBody => "You are signed out everywhere. Your personal data will be erased on {date}.", "您已在所有地方退出登录。您的个人数据将于 {date} 被删除。";
    ClosedBodyLater => "You are signed out everywhere. Your personal data will be erased when the grace period ends.", "您已在所有地方退出登录。宽限期结束后，您的个人数据将被删除。";
    ChangedYourMind => "Changed your mind? Until then you can keep your account.", "改变主意了？在此之前您仍可保留账户。";
    CancelDeletionButton => "Cancel the deletion", "取消删除";

    NavPrivacy => "Your data", "您的数据";
    SectionNavigation => "Account sections", "账户栏目";
    SectionOverview => "Overview", "概览";
    SectionSessions => "Sessions", "登录会话";
    GlanceHeading => "Your security at a glance", "账户安全概况";
    StatusOn => "On", "已开启";
    StatusOff => "Off", "未开启";
    TwoFactorNudge => "Turn it on so that a stolen password alone cannot open your account.", "建议开启：这样即使密码被盗，别人也无法单凭密码登录您的账户。";
    TurnOnTwoFactorLink => "Turn on two-factor sign-in", "开启两步验证";
    ManageTwoFactorLink => "Manage two-factor sign-in", "管理两步验证";
    PasskeysCount => "{n} added", "已添加 {n} 个";
    NoPasskeysYet => "None yet: sign in with a fingerprint, face or security key instead of a password.", "尚未添加：添加后可用指纹、面容或安全密钥代替密码登录。";
    ManagePasskeysLink => "Manage passkeys", "管理通行密钥";
    BrowsersSignedIn => "Signed in now", "当前登录";
    BrowsersCount => "{n} browsers, this one included", "{n} 个浏览器（包括当前这个）";
    OnlyThisBrowser => "Only this browser", "仅当前浏览器";
    ReviewSessionsLink => "Review where you are signed in", "查看登录位置";
    PreviousSignIn => "Previous sign-in", "上次登录";
    NoPreviousSignIn => "None before this one.", "这是首次登录。";
    NotYouHint => "Not you? Change your password and sign out everywhere.", "不是您本人？请更改密码并退出所有登录。";
    SaveNameButton => "Save name", "保存名称";
    NameChangedNotice => "Your name is changed.", "名称已更改。";
    DeletionCancelledNotice => "Welcome back: signing in cancelled the deletion of your account, and nothing was erased.", "欢迎回来：登录已取消账户删除，没有任何数据被删除。";

    UnlockTitle => "Unlock your account", "解除账户锁定";
    UnlockBody => "Press the button to end the lock now. If the failed sign-ins were not yours, choose a new password instead.", "点击按钮立即解除锁定。如果那些失败的登录不是您本人，请改为设置新密码。";
    UnlockButton => "Unlock my account", "解除锁定";
    UnlockedNotice => "Your account is unlocked. Sign in to continue.", "您的账户已解除锁定。请登录以继续。";
    ChooseNewPassword => "Choose a new password instead", "改为设置新密码";
    NotMeTitle => "Secure your account", "保护您的账户";
    NotMeBody => "Press the button to sign out every browser on your account at once and remove the passkeys, authenticator app and recovery codes added since what our mail told you about; then choose a new password.", "点击按钮，立即让所有浏览器退出您的账户，并移除自邮件所述事件以来添加的通行密钥、身份验证器应用和恢复码；然后设置新密码。";
    NotMeButton => "Sign out everywhere and change my password", "全部退出并更改密码";
    ConfirmEmailTitle => "Use this email address", "使用此邮箱地址";
    ConfirmEmailBody => "Press the button to make this address the one of your account.", "点击按钮，将此地址设为您账户的邮箱地址。";
    ConfirmEmailButton => "Use this address", "使用此地址";
    RestoreEmailTitle => "Undo the email change", "撤销邮箱更改";
    RestoreEmailBody => "Press the button to give your account back this address and sign out every browser; then choose a new password.", "点击按钮，恢复账户的原邮箱地址并让所有浏览器退出登录，然后设置新密码。";
    RestoreEmailButton => "Restore my address", "恢复我的地址";
    LinkUsedBody => "This link was already used: each link works once.", "此链接已被使用：每个链接只能使用一次。";
    LinkVoidedBody => "This link no longer works: a newer link replaced it, or a change to the account ended it.", "此链接已失效：它已被更新的链接取代，或因账户变更而作废。";
    LinkExpiredBody => "This link has expired.", "此链接已过期。";
    AlreadyConfirmedBody => "Your email address is already confirmed.", "您的邮箱地址已经确认。";
    ContinueButton => "Continue", "继续";
    GetNewLink => "Get a new link", "获取新链接";
    MailLinkNeeded => "Open the link from the message we sent you. Links work once and expire.", "请打开我们发给您的邮件中的链接。链接只能使用一次，并会过期。";

    MfaTitle => "Enter your code", "输入验证码";
    MfaIntro => "Open your authenticator app and enter the six-digit code it shows for Latchkey.", "打开您的身份验证器应用，输入它为 Latchkey 显示的六位数验证码。";
    CodeLabel => "Code", "验证码";
    CodeHint => "Lost your phone? Enter one of your recovery codes here instead.", "手机丢失了？请在这里输入一个恢复码。";
    VerifyCodeButton => "Continue", "继续";
    MfaExpired => "This sign-in step has expired. Sign in again with your password.", "此登录步骤已过期。请重新使用密码登录。";
    ReauthTitle => "Confirm it is you", "确认您的身份";
    ReauthIntro => "This change needs your password again (and your code, if you use an authenticator app). It counts for 5 minutes.", "此项更改需要再次输入密码（如果您使用身份验证器应用，还需要验证码）。确认在 5 分钟内有效。";
    ReauthButton => "Confirm", "确认";
    TwoFactorTitle => "Two-factor sign-in", "两步验证";
    TwoFactorIntro => "With an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, FreeOTP…), signing in also needs a code from your phone.", "使用身份验证器应用（Google Authenticator、Microsoft Authenticator、1Password、FreeOTP 等）后，登录时还需要手机上的验证码。";
    TwoFactorOff => "Two-factor sign-in is off.", "两步验证未开启。";
    TwoFactorPasskeysOnly => "After your password, signing in asks for your passkey (see Password, email and passkeys). You can also add an authenticator app.", "输入密码后，登录还需要使用您的通行密钥（见“密码、邮箱与通行密钥”）。您也可以添加身份验证器应用。";
    TwoFactorNeedsVerified => "Confirm your email address first; then you can turn two-factor sign-in on.", "请先确认您的邮箱地址，然后才能开启两步验证。";
    StartTwoFactorButton => "Set up an authenticator app", "设置身份验证器应用";
    ScanTitle => "1. Scan this QR code with your app", "1. 用应用扫描此二维码";
    QrAlt => "QR code to add Latchkey to an authenticator app", "将 Latchkey 添加到身份验证器应用的二维码";
    ManualKeyLabel => "Cannot scan? Enter this key in the app:", "无法扫描？请在应用中输入此密钥：";
    EnterFirstCode => "2. Enter the code the app shows", "2. 输入应用显示的验证码";
    TurnOnButton => "Turn on two-factor sign-in", "开启两步验证";
    TwoFactorOn => "Two-factor sign-in is on.", "两步验证已开启。";
    CodesLeft => "Recovery codes left:", "剩余恢复码：";
    FewCodesWarning => "You are running out of recovery codes. Make a new set and keep it somewhere safe.", "您的恢复码即将用完。请生成一组新的恢复码并妥善保存。";
    NewCodesButton => "Make new recovery codes", "生成新的恢复码";
    RemoveTwoFactorButton => "Turn off two-factor sign-in", "关闭两步验证";
    TwoFactorRemovedNotice => "Two-factor sign-in is off. We sent a mail to your address about it.", "两步验证已关闭。我们已向您的邮箱发送通知。";
    RecoveryCodesTitle => "Your recovery codes", "您的恢复码";
    RecoveryCodesIntro => "Each code signs you in once if you lose your phone. Save them now (download, print or copy them) and keep them somewhere safe. They stay on this page until you say they are saved, for at most 30 minutes.", "如果手机丢失，每个恢复码可以让您登录一次。请立即保存（下载、打印或复制），并妥善保管。在您确认已保存之前，它们会一直显示在此页面上，最长 30 分钟。";
    DownloadCodes => "Download as a text file", "下载为文本文件";
    CodesGone => "These recovery codes are no longer shown: you said they are saved, or 30 minutes passed. If you do not have them, make a new set on the two-factor page.", "这些恢复码已不再显示：您已确认保存，或已超过 30 分钟。如果您没有保存，请在两步验证页面生成新的一组。";
    SavedCodes => "I have saved them", "我已保存";
    CodesAccountLabel => "Account", "账户";
    CodesMadeOnLabel => "Made on", "生成日期";
    CodesFileNote => "Each code signs you in once. Keep this file somewhere safe, away from your phone.", "每个恢复码只能登录一次。请将此文件妥善保存在手机以外的地方。";
    CopyCodesButton => "Copy the codes", "复制恢复码";
    PrintCodesButton => "Print", "打印";
    CopiedNotice => "Copied.", "已复制。";
    CodesSavedNotice => "Keep your recovery codes somewhere safe, away from your phone: each one signs you in once if you lose it.", "请将恢复码妥善保存在手机以外的地方：手机丢失时，每个恢复码可以登录一次。";
    BackToTwoFactor => "Back to two-factor sign-in", "返回两步验证";
    OpenInAppLink => "Open in authenticator app", "在身份验证器应用中打开";
    OpenInAppHint => "On the phone that has your app? Open the key in it directly instead of scanning.", "正在使用装有验证器应用的手机？无需扫描，直接在应用中打开密钥。";
    CopyKeyButton => "Copy the key", "复制密钥";
    CancelSetupButton => "Cancel the set-up", "取消设置";
    SetupCancelledNotice => "The set-up is cancelled; two-factor sign-in stays off.", "设置已取消；两步验证仍未开启。";
    SetupCodeWrong => "That code did not work. Enter the 6-digit code your app shows now for Latchkey; if it keeps failing, check that your phone sets its clock automatically.", "验证码无效。请输入应用当前为 Latchkey 显示的 6 位数验证码；如果一直失败，请检查手机是否自动设置时间。";
    SetupCodeRequired => "Enter the 6-digit code your app shows for Latchkey.", "请输入应用为 Latchkey 显示的 6 位数验证码。";
    RecoveryCodesHeading => "Recovery codes", "恢复码";
    NewCodesLink => "Make new recovery codes…", "生成新的恢复码…";
    NewCodesConfirmTitle => "Make new recovery codes?", "生成新的恢复码？";
    NewCodesConfirmBody => "Every recovery code you have now stops working at once, including printed and saved ones. Only the new set will sign you in.", "您现有的所有恢复码（包括已打印和保存的）将立即失效，只有新的一组可以用于登录。";
    NewCodesConfirmButton => "Make new codes and void the old ones", "生成新码并作废旧码";
    CancelLink => "Cancel", "取消";
    TurnOffLink => "Turn off two-factor sign-in…", "关闭两步验证…";
    TurnOffConfirmTitle => "Turn off two-factor sign-in?", "关闭两步验证？";
    TurnOffConfirmBody => "Signing in will ask only for your password (and your passkey, if you have one). Your recovery codes stop working unless you have a passkey. We email you about it. Enter your password to confirm it is you.", "登录时将只需要密码（如有通行密钥，也需要通行密钥）。除非您有通行密钥，否则恢复码将失效。我们会发邮件通知您。请输入密码以确认是您本人。";
    AppCodeHint => "The 6-digit code your app shows now for Latchkey.", "应用当前为 Latchkey 显示的 6 位数验证码。";
    UseRecoveryCodeLink => "Lost your phone? Use a recovery code", "手机丢失了？使用恢复码";
    UseAppCodeLink => "Use a code from your app instead", "改用应用中的验证码";
    RecoveryCodeLabel => "Recovery code", "恢复码";
    RecoveryCodeHint => "One of the codes you saved when you turned on two-factor sign-in, like abcde-fghjk. Each works once.", "开启两步验证时保存的恢复码之一，例如 abcde-fghjk。每个恢复码只能使用一次。";
    MfaRecoveryIntro => "Enter one of your recovery codes. Then make a new set on the two-factor page.", "请输入一个恢复码。登录后请在两步验证页面生成新的一组。";
    UseAnotherAccount => "Not your account? Sign in with another", "不是您的账户？使用其他账户登录";
    ResetCodeHint => "Your account uses two-factor sign-in: enter a code from your app or one of your recovery codes. Lost both? Contact support.", "您的账户已开启两步验证：请输入应用中的验证码或一个恢复码。两者都丢失了？请联系客服。";
    NavTwoFactor => "Two-factor sign-in", "两步验证";

    PasskeysHeading => "Passkeys and security keys", "通行密钥和安全密钥";
    PasskeysHint => "Sign in with your fingerprint, face or device PIN, or with a security key, instead of typing your password. Adding, renaming or removing one asks you to confirm it is you.", "使用指纹、面容或设备 PIN 码，或使用安全密钥登录，无需输入密码。添加、重命名或移除时需要先确认您的身份。";
    PasskeysNone => "You have not added a passkey yet.", "您还没有添加通行密钥。";
    PasskeysNeedVerified => "Confirm your email address first; then you can add a passkey.", "请先确认您的邮箱地址，然后才能添加通行密钥。";
    PasskeyNameLabel => "Name", "名称";
    NewPasskeyNameLabel => "Name of the new passkey", "新通行密钥的名称";
    PasskeyNameHint => "So you can tell them apart, like “Work laptop” or “Blue key”.", "方便您区分，例如“工作电脑”或“蓝色密钥”。";
    PasskeyDefaultName => "Passkey", "通行密钥";
    AddPasskeyButton => "Add a passkey or security key", "添加通行密钥或安全密钥";
    PasskeyTypePlatform => "Passkey on a device", "设备上的通行密钥";
    PasskeyTypeKey => "Security key", "安全密钥";
    PasskeyAdded => "Added", "添加时间";
    PasskeyLastUsed => "Last used", "上次使用";
    PasskeyNeverUsed => "Not used yet", "尚未使用";
    RenamePasskeyButton => "Rename", "重命名";
    RemovePasskeyButton => "Remove", "移除";
    PasskeyAddedNotice => "Your passkey was added. We sent a mail to your address about it.", "通行密钥已添加。我们已向您的邮箱发送通知。";
    PasskeyRenamedNotice => "The passkey was renamed.", "通行密钥已重命名。";
    PasskeyRemovedNotice => "The passkey was removed. We sent a mail to your address about it.", "通行密钥已移除。我们已向您的邮箱发送通知。";
    PasskeyWaiting => "Follow your browser: touch your security key, or use your fingerprint, face or PIN.", "请按浏览器提示操作：触摸安全密钥，或使用指纹、面容或 PIN 码。";
    PasskeyFailed => "That passkey did not work. Try again, or use your password instead.", "该通行密钥无法使用。请重试，或改用密码。";
    PasskeyCancelled => "The passkey prompt was closed or timed out. Press the button to try again.", "通行密钥提示已关闭或超时。请点击按钮重试。";
    PasskeyUnsupported => "This browser cannot use passkeys. Use your password instead.", "此浏览器不支持通行密钥。请改用密码。";
    PasskeyNeedsScript => "Passkeys need JavaScript. Turn it on to use one; your password and codes work without it.", "通行密钥需要启用 JavaScript。开启后即可使用；不启用时，密码和验证码仍可正常使用。";
    PasskeyNameRequired => "Give the passkey a name.", "请为通行密钥命名。";
    SignInWithPasskey => "Sign in with a passkey", "使用通行密钥登录";
    UsePasskeyButton => "Use your passkey or security key", "使用通行密钥或安全密钥";
    OrDivider => "or", "或";

    TooManyTitle => "Too many attempts", "尝试次数过多";
    TooManyBody => "To protect accounts, we pause requests that come too fast. Wait this long, then try again:", "为了保护账户，请求过于频繁时我们会暂停处理。请等待以下时间后重试：";
    Seconds => "seconds", "秒";
    UnavailableTitle => "Briefly unavailable", "暂时不可用";
    GoBack => "Go back", "返回";

    NotFoundTitle => "Page not found", "找不到页面";
    NotFoundBody => "The address may be mistyped, or the page has moved.", "地址可能有误，或页面已移动。";
    GoHome => "Go to the start page", "返回首页";

    ErrorSummary => "Please correct the marked fields.", "请修正标出的字段。";
    ErrUnauthenticated => "Please sign in to continue.", "请先登录。";
    ErrForbidden => "You are not allowed to do that.", "您无权执行此操作。";
    ErrNotFound => "We could not find that.", "找不到相关内容。";
    ErrInvalidCredentials => "That email address and password do not match. Check both and try again.", "邮箱地址与密码不匹配。请检查后重试。";
    ErrSignInPaused => "Sign-in is paused for {minutes} minutes for this address; if it has an account, we emailed it an unlock link.", "此地址的登录已暂停 {minutes} 分钟；如果该地址有账户，我们已向其发送解除锁定的链接。";
    ErrTokenInvalid => "This link is invalid, has expired or was already used. Ask for a new one.", "此链接无效、已过期或已被使用。请重新获取。";
    ErrRateLimited => "Too many attempts. Try again in {wait}.", "尝试次数过多。请在 {wait}后重试。";
    ErrUnavailable => "The service is briefly unavailable. Please try again in a minute.", "服务暂时不可用，请一分钟后重试。";
    ErrInternal => "Something went wrong on our side. Please try again; if it keeps happening, contact support with this reference:", "我们这边出了问题。请重试；如果问题持续，请联系客服并提供此编号：";
    ErrTransport => "We could not reach the server. Check your connection and try again.", "无法连接服务器。请检查网络后重试。";

    EmailRequired => "Enter your email address.", "请输入邮箱地址。";
    PasswordRequired => "Enter your password.", "请输入密码。";
    CurrentPasswordRequired => "Enter your current password.", "请输入当前密码。";
    NewPasswordRequired => "Choose a password.", "请设置密码。";
    PasskeyNameTaken => "You already have a passkey with this name; choose another so you can tell them apart.", "您已有同名的通行密钥；请换一个名称，以便区分。";
    ConfirmationRequired => "Type the new password again.", "请再次输入新密码。";
    EmailTooLong => "This email address is too long.", "邮箱地址过长。";
    EmailInvalid => "Enter an email address like name@example.com.", "请输入类似 name@example.com 的邮箱地址。";
    NameRequired => "Enter your name.", "请输入您的名字。";
    NameTooLong => "Use at most 100 characters.", "最多 100 个字符。";
    NameInvalid => "The name cannot contain line breaks or control characters.", "名字不能包含换行符或控制字符。";
    PwTooShort => "Use at least 12 characters.", "至少使用 12 个字符。";
    PwTooLong => "Use at most 128 characters.", "最多使用 128 个字符。";
    PwNeedsUpper => "Add an upper-case letter.", "请加入一个大写字母。";
    PwNeedsLower => "Add a lower-case letter.", "请加入一个小写字母。";
    PwNeedsDigit => "Add a digit.", "请加入一个数字。";
    PwNeedsSpecial => "Add a symbol such as ! or #.", "请加入一个符号，例如 ! 或 #。";
    PwContainsEmail => "Do not use your email address in the password.", "密码中不要包含您的邮箱地址。";
    PwContainsName => "Do not use your name in the password.", "密码中不要包含您的名字。";
    PwTooCommon => "This password is too common or easy to guess. Try a few unrelated words.", "此密码过于常见或容易被猜到。试试几个不相关的词组合。";
    PwMismatch => "The two passwords are not the same.", "两次输入的密码不一致。";
    PwRecentlyUsed => "You used this password recently. Choose one you have not used before.", "您最近使用过此密码。请选择一个以前没用过的密码。";
    PwCurrentWrong => "This is not your current password.", "这不是您当前的密码。";
    EmailUnchanged => "This is already your address.", "这已经是您的地址。";
    MfaCodeWrong => "That code did not work. Enter the current code from your app, or an unused recovery code.", "验证码无效。请输入应用中当前的验证码，或一个未使用的恢复码。";
    MfaNeedsVerifiedEmail => "Confirm your email address before turning on two-factor sign-in.", "开启两步验证前，请先确认您的邮箱地址。";
    ErrReauthRequired => "Please confirm it is you first.", "请先确认您的身份。";
    ErrPasswordExpired => "Your password has expired. Change it to continue.", "您的密码已过期。请更改后继续。";
    InvalidField => "Check this field.", "请检查此字段。";
    TwoFactorEnabledNotice => "Two-factor sign-in with your authenticator app is on. Your recovery codes stay as they were.", "身份验证器应用的两步验证已开启。您的恢复码保持不变。";
    MfaCodeRequired => "Enter the code from your authenticator app, or one of your recovery codes.", "请输入身份验证器应用中的验证码，或一个恢复码。";
    MfaPaused => "Too many wrong attempts: this is paused for a while. Try again later; the mail we sent has a link that ends the pause.", "错误次数过多：已暂停一段时间。请稍后再试；我们发送的邮件中有解除暂停的链接。";
    LinkAccountIs => "This link is for the account", "此链接对应的账户：";
    ResetFactorsLegend => "Your second factors", "您的第二验证方式";
    ResetFactorApp => "An authenticator app", "一个身份验证器应用";
    ResetRemovePasskey => "Remove the passkey", "移除通行密钥";
    ResetFactorsHint => "Tick a passkey you did not add: it is removed with the new password. You still confirm with a code below.", "勾选您没有添加过的通行密钥：设置新密码时将其移除。您仍需在下方输入验证码确认。";
    ReauthPasskeyHint => "Or confirm with your passkey: type your password above, then press the button.", "或使用通行密钥确认：先在上方输入密码，然后点击按钮。";
    ResetPasskeyHint => "Or confirm with your passkey instead of a code: type the new password twice above, then press the button.", "或使用通行密钥代替验证码确认：先在上方两次输入新密码，然后点击按钮。";
    PasswordFirst => "Type the password above first.", "请先在上方输入密码。";
    ErrAccountDisabled => "This account is disabled, so it cannot sign in. If you think this is a mistake, contact support.", "此账户已被停用，无法登录。如果您认为有误，请联系客服。";
    ReasonRequired => "Give a reason.", "请填写原因。";
    ReasonTooLong => "Use at most 500 characters.", "最多 500 个字符。";
    ReasonInvalid => "The reason cannot contain line breaks, control or invisible formatting characters.", "原因不能包含换行符、控制字符或不可见的格式字符。";
    RoleUnknown => "There is no role by that name.", "没有这个名称的角色。";
    RoleCycle => "A role cannot include itself, even through other roles.", "角色不能包含自身，通过其他角色间接包含也不行。";
    RoleNameInvalid => "Use 1 to 40 lower-case letters, digits or underscores, starting with a letter.", "请使用 1 到 40 个小写字母、数字或下划线，并以字母开头。";
    RoleBuiltin => "Built-in roles cannot be changed.", "内置角色不能更改。";
    RoleOwnRoles => "Nobody grants or revokes their own roles.", "任何人都不能授予或撤销自己的角色。";
    RoleBeyondOwn => "This role carries permissions you do not hold.", "此角色包含您不具备的权限。";
    RoleDescriptionInvalid => "The description cannot contain control or invisible formatting characters.", "描述不能包含控制字符或不可见的格式字符。";
    RoleNotACustomer => "The console acts on customers' accounts only: not on your own, nor on a staff member's.", "控制台只能操作客户的账户：不能操作您自己的账户，也不能操作员工的账户。";

    NavConsole => "Staff console", "员工控制台";
    ConsoleTitle => "Find a customer", "查找客户";
    ConsoleIntro => "Search by email address, name or account id. Part of one is enough; upper and lower case are the same.", "按邮箱地址、姓名或账户编号搜索。输入其中一部分即可，不区分大小写。";
    SearchLabel => "Address, name or account id", "邮箱地址、姓名或账户编号";
    SearchButton => "Search", "搜索";
    NoCustomersFound => "No customer account matches.", "没有匹配的客户账户。";
    MoreResults => "More results", "更多结果";
    EarlierResults => "Previous results", "上一页结果";
    ColAccountId => "Account id", "账户编号";
    ColEmail => "Email address", "邮箱地址";
    ColName => "Name", "姓名";
    ColCreated => "Created", "创建时间";
    ColState => "State", "状态";
    StateActive => "Active", "正常";
    StateDisabled => "Disabled", "已停用";
    ForbiddenTitle => "Access refused", "无权访问";
    ForbiddenBody => "This page is for staff who may read customer accounts, and your account does not have that permission.", "此页面仅供有权查看客户账户的员工使用，您的账户没有此权限。";
    GoToAccount => "Go to your account", "前往您的账户";
    ConsoleNeedsFactorTitle => "Set up two-factor sign-in first", "请先设置两步验证";
    ConsoleNeedsFactorBody => "Your staff role grants nothing until your account has a second factor: an authenticator app or a passkey. Add one, then come back.", "在您的账户添加第二验证方式（身份验证器应用或通行密钥）之前，您的员工角色不授予任何权限。请先添加，然后再回来。";
    ConsoleNeedsFactorLink => "Set up two-factor sign-in", "设置两步验证";
    CustomerTitle => "Customer account", "客户账户";
    BackToSearch => "Find another customer", "查找其他客户";
    AddressConfirmed => "Address confirmed", "地址已确认";
    Yes => "Yes", "是";
    No => "No", "否";
    SignInLock => "Sign-in lock", "登录锁定";
    NotLocked => "Not locked", "未锁定";
    LockedUntil => "Locked until", "锁定至";
    AccountState => "Account", "账户状态";
    DisabledSince => "Disabled since", "停用于";
    SecondFactorsHeading => "Second factors", "第二验证方式";
    FactorAuthenticatorApp => "Authenticator app", "身份验证器应用";
    NoSecondFactors => "None", "无";
    CustomerSessionsHeading => "Sessions", "会话";
    NoSessions => "No open sessions.", "没有打开的会话。";
    ActionsHeading => "Actions", "操作";
    ActionsIntro => "Each action needs a reason. The customer sees the action, your name and the reason in their activity, and gets a mail about it.", "每项操作都需要填写原因。客户会在其活动记录中看到该操作、您的名字和原因，并会收到邮件通知。";
    ReasonLabel => "Reason", "原因";
    ReasonHint => "One line, at most 500 characters, such as the ticket and what the customer asked for.", "一行，最多 500 个字符，例如工单号和客户的请求。";
    ActUnlock => "Unlock sign-in", "解除登录锁定";
    ActEndSessions => "Sign out everywhere", "在所有设备上退出登录";
    ActDisable => "Disable the account", "停用账户";
    ActEnable => "Re-enable the account", "重新启用账户";
    ActRequireReset => "Require a password reset", "要求重置密码";
    ActRemoveFactors => "Remove second factors", "移除第二验证方式";
    ActionDoneNotice => "Done. The customer was told by mail, and the action is in their activity.", "已完成。已通过邮件通知客户，该操作也已记入其活动记录。";
    StaffMemberLabel => "Staff member", "客服人员";
    EvSupportUnlocked => "Support unlocked your account", "客服解除了您账户的登录锁定";
    EvSupportEndedSessions => "Support signed you out everywhere", "客服让您在所有设备上退出了登录";
    EvSupportDisabled => "Support disabled your account", "客服停用了您的账户";
    EvSupportEnabled => "Support re-enabled your account", "客服重新启用了您的账户";
    EvSupportRequiredPasswordReset => "Support required a new password", "客服要求您设置新密码";
    EvSupportRemovedSecondFactors => "Support removed your second factors", "客服移除了您的第二验证方式";
    EvSupportViewed => "Support viewed your account (read-only)", "客服查看了您的账户（只读）";
    ViewedUntilLabel => "Viewed until", "查看至";
    ViewAsCustomer => "View as customer", "以客户视角查看";
    ViewBannerTitle => "Support view: read-only", "客服查看：只读";
    CustomerLabel => "Customer", "客户";
    ViewEndsLabel => "Ends at the latest", "最晚结束于";
    EndView => "End view", "结束查看";
    ErrReadOnlyView => "Support view is read-only: nothing was changed. End the view to act as yourself again.", "客服查看为只读模式：未做任何更改。结束查看后即可恢复以您本人身份操作。";
    NotDoneTitle => "Not done", "未执行";

    // Staff team and roles
    TeamTitle => "Team", "团队";
    TeamIntro => "Staff members and their roles. Every invitation, grant, revoke and offboarding needs a reason and is recorded. Nobody changes their own roles, and nobody hands out a permission they do not hold.", "员工及其角色。每次邀请、授予、撤销和离职处理都需要填写原因，并会被记录。任何人都不能更改自己的角色，也不能授予自己不具备的权限。";
    RolesTitle => "Roles", "角色";
    RolesIntro => "What each role may do. Built-in roles cannot be changed; custom roles can, by whoever holds every permission the role would carry.", "每个角色可以做什么。内置角色不能更改；自定义角色可以由具备该角色全部权限的人员更改。";
    ChooseOne => "Choose…", "请选择…";
    ColRoles => "Roles", "角色";
    ColLastSignIn => "Last sign-in", "最近登录";
    ColSecondFactor => "Second factor", "第二验证方式";
    FactorApp => "Authenticator app", "身份验证器应用";
    FactorPasskey => "Passkey", "通行密钥";
    FactorAppAndPasskey => "App and passkey", "应用和通行密钥";
    FactorNone => "None: roles grant nothing yet", "无：角色暂不生效";
    NoRoles => "No role", "无角色";
    ThisIsYou => "you", "您";
    NeverSignedIn => "Not yet", "尚未登录";
    NoStaffMembers => "Nobody holds a role yet.", "目前还没有人拥有角色。";
    InvitedNotice => "Invited. The role is granted.", "已邀请，角色已授予。";
    GrantedNotice => "The role is granted. The member's sessions ended, so the new role comes with a new sign-in.", "角色已授予。该成员的会话已结束，重新登录后新角色生效。";
    RevokedNotice => "The role is revoked.", "角色已撤销。";
    UnchangedNotice => "Nothing changed: the member already held that role, or did not hold it.", "没有变化：该成员已拥有此角色，或本来就没有此角色。";
    OffboardedNotice => "Offboarded: the account is disabled, every role revoked and every session ended.", "已完成离职处理：账户已停用，所有角色已撤销，所有会话已结束。";
    InvitationLinkHeading => "The new member's link, shown only this once", "新成员的链接，仅显示这一次";
    InvitationLinkBody => "Give this link to the new member yourself, over a channel you trust. It sets their first password, works once and expires in 24 hours. It is not mailed, and this page will not show it again.", "请您通过可信的渠道亲自将此链接交给新成员。该链接用于设置其首个密码，只能使用一次，24 小时后失效。它不会通过邮件发送，此页面也不会再次显示。";
    InviteHeading => "Invite a member", "邀请成员";
    InviteHint => "An address without an account gets one, with a link for you to pass on; an existing account gets the role.", "没有账户的地址会新建账户，并生成一个由您转交的链接；已有账户则直接获得该角色。";
    MemberNameLabel => "Name (optional)", "姓名（可选）";
    MemberNameHint => "For a new account; the part of the address before the @ otherwise.", "用于新账户；不填写则使用地址中 @ 之前的部分。";
    RoleLabel => "Role", "角色";
    MemberLabel => "Member", "成员";
    InviteButton => "Invite", "邀请";
    GrantHeading => "Grant a role", "授予角色";
    GrantButton => "Grant the role", "授予角色";
    RevokeHeading => "Revoke a role", "撤销角色";
    RevokeButton => "Revoke the role", "撤销角色";
    OffboardHeading => "Offboard a member", "成员离职处理";
    OffboardHint => "One step: the account is disabled, every role revoked and every session ended at once.", "一步完成：立即停用账户、撤销所有角色并结束所有会话。";
    OffboardButton => "Offboard", "离职处理";
    NeedsSecondFactor => "Your roles grant nothing until your account has a second factor (an authenticator app or a passkey).", "在您的账户添加第二验证方式（身份验证器应用或通行密钥）之前，您的角色不授予任何权限。";
    RoleBuiltinBadge => "built-in", "内置";
    RoleCustomBadge => "custom", "自定义";
    NoDescription => "No description.", "无描述。";
    NoneListed => "None", "无";
    RoleIncludes => "Includes", "包含角色";
    RoleOwnPermissions => "Its own permissions", "自身权限";
    RoleInheritedPermissions => "From included roles", "来自包含的角色";
    EditRole => "Edit this role", "编辑此角色";
    NewRoleHeading => "Create a custom role", "创建自定义角色";
    RoleNameLabel => "Name", "名称";
    RoleNameHint => "Lower-case letters, digits and underscores, starting with a letter, like tier1_support. It cannot be changed later.", "小写字母、数字和下划线，以字母开头，例如 tier1_support。创建后不能更改。";
    RoleDescriptionLabel => "Description", "描述";
    RolePermissionsLegend => "Permissions", "权限";
    RoleIncludesLegend => "Included roles", "包含的角色";
    RoleIncludesHint => "The role also carries every permission of the roles it includes.", "该角色同时拥有其包含角色的所有权限。";
    SaveRoleButton => "Save the role", "保存角色";
    CreateRoleButton => "Create the role", "创建角色";
    RoleSavedNotice => "Saved:", "已保存：";
    RoleDescriptionTooLong => "Use at most 500 characters.", "最多 500 个字符。";
    RolePermissionUnknown => "There is no permission by that name.", "没有这个名称的权限。";
    PermOwnView => "View one's own account", "查看自己的账户";
    PermOwnChange => "Change one's own account", "更改自己的账户";
    PermCustomerRead => "Read customer accounts", "查看客户账户";
    PermCustomerImpersonate => "View as the customer (read-only)", "以客户身份查看（只读）";
    PermCustomerUnlock => "Unlock customers and resend their confirmation link", "为客户解除锁定并重新发送确认链接";
    PermCustomerSessions => "Sign customers out everywhere", "让客户在所有设备上退出登录";
    PermCustomerForceReset => "Require a password reset", "要求客户重置密码";
    PermCustomerResetSecondFactor => "Remove customers' second factors", "移除客户的第二验证方式";
    PermCustomerDisable => "Disable and re-enable customer accounts", "停用和重新启用客户账户";
    PermAuditRead => "Read the audit log", "查看审计日志";
    PermAlertsRead => "Read security alerts", "查看安全警报";
    PermStaffManage => "Manage the team: invite and offboard", "管理团队：邀请和离职处理";
    PermRoleAssign => "Grant and revoke roles", "授予和撤销角色";
    PermRoleManage => "Create and edit custom roles", "创建和编辑自定义角色";
    ActResendVerification => "Resend the confirmation link", "重新发送确认链接";
    EvSupportResentVerification => "Support sent a new confirmation link", "客服重新发送了确认链接";
    EmailAlreadyVerified => "This address is confirmed already: there is nothing to resend.", "此地址已经确认，无需重新发送。";
    MemberRequired => "Choose a member.", "请选择成员。";
    AuditTitle => "Audit log", "审计日志";
    AuditIntro => "Every security event and staff action, in a chain of hashes that shows any later change. Filter it, then export what you see.", "所有安全事件和员工操作，以哈希链相连，任何事后修改都会暴露。可以筛选，并导出筛选结果。";
    AuditActorLabel => "Done by", "操作者";
    AuditActorHint => "An email address or account number.", "邮箱地址或账户编号。";
    AuditSubjectLabel => "Account concerned", "相关账户";
    AuditKindLabel => "Event", "事件";
    AuditAnyKind => "Any event", "任何事件";
    AuditFromLabel => "From (day)", "起始日期";
    AuditUntilLabel => "Until (day, included)", "截止日期（含当天）";
    AuditFilterButton => "Show", "显示";
    AuditClearFilter => "Clear the filter", "清除筛选";
    AuditExportCsv => "Export as CSV", "导出为 CSV";
    AuditExportJsonl => "Export as JSON lines, with hashes", "导出为 JSON 行（含哈希）";
    AuditNoEntries => "No entries match this filter.", "没有符合筛选条件的记录。";
    AuditUnknownAccount => "No account has that address, so no entry can match.", "没有账户使用该地址，因此没有匹配的记录。";
    AuditSystem => "Latchkey (system)", "Latchkey（系统）";
    AuditOlder => "Older entries", "更早的记录";
    AuditNewest => "Newest entries", "最新记录";
    AuditDayInvalid => "Enter a day like 2026-11-26.", "请输入日期，例如 2026-11-26。";
    AuditKindUnknown => "Choose an event from the list.", "请从列表中选择事件。";
    AuditRoleGranted => "Role granted", "授予角色";
    AuditRoleRevoked => "Role revoked", "撤销角色";
    AuditStaffOffboarded => "Staff member offboarded", "员工已离职处理";
    AuditRoleSaved => "Custom role saved", "自定义角色已保存";
    AuditSupportViewEnded => "Support view ended", "客服查看已结束";
    AuditAccountErased => "Account erased", "账户已清除";
    AuditLogArchived => "Log entries archived", "日志记录已归档";
    AuditAlertAcknowledged => "Security alert acknowledged", "安全警报已确认";
    ColId => "No.", "编号";
    RoleRequired => "Choose a role.", "请选择角色。";

    // Alerts and the response to a compromise
    AlertsTitle => "Alerts", "警报";
    AlertsIntro => "Security alerts, newest first. Each incident is listed once: later events of the same rule about the same account or network add to it.", "安全警报，最新的在前。每个事件只列出一次：同一规则针对同一账户或网络的后续事件会累加到其中。";
    AlertsLive => "New alerts appear at the top as they are raised. Without JavaScript, reload the page to see them.", "新警报产生后会显示在顶部。未启用 JavaScript 时，请刷新页面查看。";
    AlertsNewArrived => "A new alert arrived.", "收到一条新警报。";
    NoAlerts => "No alerts yet.", "目前没有警报。";
    OlderAlerts => "Older alerts", "更早的警报";
    AlertSubject => "About", "对象";
    AlertNetwork => "Network", "网络";
    AlertAddress => "Address of the latest event", "最近事件的地址";
    AlertEvents => "Events", "事件数";
    AlertFirst => "First", "首次";
    AlertLast => "Latest", "最近";
    AlertState => "State", "状态";
    AlertOpen => "Not acknowledged", "未确认";
    AlertAcknowledgedBy => "Acknowledged by", "确认人";
    AlertNote => "Note", "备注";
    ObsFailures => "Failed sign-ins in the window", "时间窗口内的登录失败次数";
    ObsAddresses => "Addresses failing from this network in the window", "时间窗口内从该网络登录失败的地址数";
    ObsSecondsAfterReset => "Seconds after the password reset", "距密码重置的秒数";
    ObsSecondsApart => "Seconds between the two sign-ins", "两次登录间隔的秒数";
    ObsViews => "Support views in the window", "时间窗口内的客服查看次数";
    ObsGrants => "Grants", "授予次数";
    ObsOverdue => "Overdue items", "逾期项目数";
    RuleAccountFailures => "Many failed sign-ins for one account", "同一账户多次登录失败";
    RuleNetworkManyAddresses => "One network failing sign-ins for many addresses", "同一网络对多个地址登录失败";
    RuleNewDeviceAfterReset => "New browser on another network soon after a password reset", "密码重置后不久从其他网络的新浏览器登录";
    RuleNetworkHop => "Sign-ins from two networks too close in time", "短时间内从两个网络登录";
    RuleRepeatedSupportViews => "One customer viewed by support repeatedly", "客服多次查看同一客户";
    RuleOffHoursGrant => "Staff role granted outside working hours", "在工作时间以外授予员工角色";
    RuleReviewItemOverdue => "Access-review item overdue", "权限审查项目逾期";
    AckHeading => "Acknowledge", "确认";
    NoteLabel => "Note", "备注";
    NoteHint => "One line, at most 500 characters: what you checked or did.", "一行，最多 500 个字符：您检查或处理了什么。";
    AckButton => "Acknowledge", "确认";
    AlertAlreadyAcknowledged => "Someone acknowledged this alert already.", "已有人确认了此警报。";
    AcknowledgedNotice => "Acknowledged. Your note is recorded in the audit log.", "已确认。您的备注已记入审计日志。";
    RespondedNotice => "Done: every session of the customer ended, their browsers are forgotten, a new password is required, and they were mailed what happened and what to do.", "已完成：该客户的所有会话均已结束，其浏览器均已被遗忘，必须设置新密码，并已通过邮件告知客户发生了什么以及该怎么做。";
    ActRespondToCompromise => "Respond to compromise", "应对账户被盗";
    RespondHint => "One step: ends every session, forgets every browser the account knows, requires a new password, and mails the customer what happened and what to do.", "一步完成：结束所有会话，遗忘该账户记住的所有浏览器，要求设置新密码，并通过邮件告知客户发生了什么以及该怎么做。";
    EvSupportRespondedToCompromise => "Support secured your account after a suspected compromise", "客服在怀疑账户被盗后保护了您的账户";

    // Access reviews and staff training
    ReviewsTitle => "Reviews and training", "审查与培训";
    ReviewsIntro => "Each quarter every staff role grant is reviewed by someone other than its holder: kept or revoked, with a reason. Each member also records their own security training here.", "每个季度，每项员工角色授予都由持有人以外的人审查：保留或撤销，并说明理由。每位成员也在这里登记自己的安全培训。";
    TrainingHeading => "Your security training", "您的安全培训";
    TrainingCurrent => "Up to date: completed on", "有效：完成于";
    TrainingExpired => "Out of date: last completed on", "已过期：上次完成于";
    TrainingMissing => "No security training recorded yet.", "尚未登记安全培训。";
    TrainingCourseLabel => "Course", "课程";
    TrainingCourseHint => "The course's name, on one line.", "课程名称，一行。";
    TrainingDateLabel => "Completed on", "完成日期";
    TrainingButton => "Record my training", "登记我的培训";
    TrainedNotice => "Your training is recorded, also in the audit log.", "您的培训已登记，并已记入审计日志。";
    TrainingCourseRequired => "Name the course.", "请填写课程名称。";
    TrainingCourseInvalid => "Use one line of at most 500 visible characters.", "请使用一行、最多 500 个可见字符。";
    TrainingDateInvalid => "Enter a day like 2026-11-26.", "请输入日期，例如 2026-11-26。";
    TrainingDateFuture => "That day has not come yet.", "该日期尚未到来。";
    FlagCurrent => "Up to date", "有效";
    FlagExpired => "Out of date", "已过期";
    FlagMissing => "None recorded", "未登记";
    ColTraining => "Security training", "安全培训";
    OpenCampaignHeading => "Open a review", "发起审查";
    OpenCampaignHint => "Every staff role grant becomes an item, each for a reviewer other than its holder. A review also opens by itself when the last one is a period old.", "每项员工角色授予都会成为一个审查项目，由持有人以外的审查人负责。距上次审查满一个周期时，也会自动发起审查。";
    OpenCampaignButton => "Open a review now", "立即发起审查";
    OpenedNotice => "The review is open.", "审查已发起。";
    CampaignRunning => "A review is still running: finish or close it first.", "仍有审查在进行中：请先完成或关闭它。";
    CampaignsHeading => "Reviews", "审查记录";
    NoCampaigns => "No review yet.", "尚无审查。";
    CampaignLabel => "Review", "审查";
    CampaignOpenedCol => "Opened", "发起时间";
    CampaignDueCol => "Due", "截止时间";
    CampaignProgressCol => "Decided", "已决定";
    CampaignStateOpen => "Running", "进行中";
    CampaignStateFinished => "Finished", "已完成";
    CampaignStateClosed => "Closed", "已关闭";
    ReviewReportLink => "Download the report (CSV)", "下载报告（CSV）";
    CloseCampaignHeading => "Close this review", "关闭此审查";
    CloseCampaignHint => "Items left undecided stay so in the report and raise no more alerts.", "未决定的项目在报告中保持未决定，且不再触发警报。";
    CloseCampaignButton => "Close the review", "关闭审查";
    ClosedNotice => "The review is closed.", "审查已关闭。";
    DecidedNotice => "Decided. A revoked role is gone from the member's next request on.", "已决定。被撤销的角色从该成员的下一次请求起即失效。";
    ReviewGranteeCol => "Member", "成员";
    ReviewCandidateCol => "Unused: removal candidate", "未使用：建议移除";
    ReviewLastUsedCol => "Last used", "最近使用";
    ReviewReviewerCol => "Reviewer", "审查人";
    ReviewDecisionCol => "Decision", "决定";
    ReviewDecidedByCol => "Decided by", "决定人";
    ReviewUndecided => "Undecided", "未决定";
    ReviewKept => "Kept", "保留";
    ReviewRevokedWord => "Revoked", "撤销";
    ReviewCandidateBadge => "Unused for the period: removal candidate", "本周期内未使用：建议移除";
    ReviewOverdueBadge => "Overdue", "已逾期";
    ReviewNeverUsed => "Not used", "未使用";
    ReviewNoReviewer => "Nobody (any reviewer but the member)", "无（除该成员外的任何审查人）";
    ReviewOwnGrant => "Your own role: another reviewer decides it.", "这是您自己的角色：由其他审查人决定。";
    ReviewDecisionLabel => "Decision", "决定";
    ReviewKeepOption => "Keep the role", "保留该角色";
    ReviewRevokeOption => "Revoke the role now", "立即撤销该角色";
    ReviewDecideButton => "Decide", "决定";
    ReviewAlreadyDecided => "Someone decided this item already.", "已有人决定了此项目。";
    ReviewCampaignClosed => "This review is closed.", "此审查已关闭。";
    ReviewCampaignUnfinished => "The report is ready once every item is decided or the review is closed.", "所有项目都已决定或审查已关闭后，才能下载报告。";
    ReviewDecisionRequired => "Choose keep or revoke.", "请选择保留或撤销。";
    PermReviewManage => "Run access reviews", "执行权限审查";
    AuditReviewCampaignOpened => "Access review opened", "发起权限审查";
    AuditReviewCampaignClosed => "Access review closed", "关闭权限审查";
    AuditReviewKept => "Access review: role kept", "权限审查：保留角色";
    AuditReviewRevoked => "Access review: role revoked", "权限审查：撤销角色";
    AuditTrainingRecorded => "Security training recorded", "登记安全培训";
    AuditAlertRaised => "Alert raised", "触发警报";
    AuditLogExported => "Audit log exported", "导出审计日志";
}

/// The text for a stable error code (field or page level).
pub fn code_text(code: &str) -> T {
    match code {
        "error.unauthenticated" => T::ErrUnauthenticated,
        "error.forbidden" => T::ErrForbidden,
        "error.read_only_view" => T::ErrReadOnlyView,
        "error.not_found" => T::ErrNotFound,
        "error.invalid_credentials" => T::ErrInvalidCredentials,
        "error.sign_in_paused" => T::ErrSignInPaused,
        "password.required" => T::PasswordRequired,
        "password.current_required" => T::CurrentPasswordRequired,
        "password.new_required" => T::NewPasswordRequired,
        "passkey.name_taken" => T::PasskeyNameTaken,
        "password.confirmation_required" => T::ConfirmationRequired,
        "error.validation" => T::ErrorSummary,
        "error.token_invalid" => T::ErrTokenInvalid,
        "error.rate_limited" => T::ErrRateLimited,
        "error.unavailable" => T::ErrUnavailable,
        "error.internal" => T::ErrInternal,
        "error.transport" => T::ErrTransport,
        "email.required" => T::EmailRequired,
        "email.too_long" => T::EmailTooLong,
        "email.invalid" => T::EmailInvalid,
        "name.required" => T::NameRequired,
        "name.too_long" => T::NameTooLong,
        "name.invalid" => T::NameInvalid,
        "password.too_short" => T::PwTooShort,
        "password.too_long" => T::PwTooLong,
        "password.needs_upper" => T::PwNeedsUpper,
        "password.needs_lower" => T::PwNeedsLower,
        "password.needs_digit" => T::PwNeedsDigit,
        "password.needs_special" => T::PwNeedsSpecial,
        "password.contains_email" => T::PwContainsEmail,
        "password.contains_name" => T::PwContainsName,
        "password.too_common" => T::PwTooCommon,
        "password.mismatch" => T::PwMismatch,
        "password.recently_used" => T::PwRecentlyUsed,
        "password.current_wrong" => T::PwCurrentWrong,
        "email.unchanged" => T::EmailUnchanged,
        "mfa.code_wrong" => T::MfaCodeWrong,
        "mfa.paused" => T::MfaPaused,
        "mfa.code_required" => T::MfaCodeRequired,
        "mfa.setup_code_wrong" => T::SetupCodeWrong,
        "mfa.setup_code_required" => T::SetupCodeRequired,
        "passkey.failed" => T::PasskeyFailed,
        "passkey.name_required" => T::PasskeyNameRequired,
        "mfa.needs_verified_email" => T::MfaNeedsVerifiedEmail,
        "error.reauth_required" => T::ErrReauthRequired,
        "error.password_expired" => T::ErrPasswordExpired,
        "error.account_disabled" => T::ErrAccountDisabled,
        "reason.required" => T::ReasonRequired,
        "reason.too_long" => T::ReasonTooLong,
        "reason.invalid" => T::ReasonInvalid,
        "role.unknown" => T::RoleUnknown,
        "role.cycle" => T::RoleCycle,
        "role.name_invalid" => T::RoleNameInvalid,
        "role.builtin" => T::RoleBuiltin,
        "role.own_roles" => T::RoleOwnRoles,
        "role.beyond_own" => T::RoleBeyondOwn,
        "role.description_invalid" => T::RoleDescriptionInvalid,
        "role.not_a_customer" => T::RoleNotACustomer,
        // Staff team and roles
        "staff.needs_second_factor" => T::NeedsSecondFactor,
        "email.already_verified" => T::EmailAlreadyVerified,
        "role.description_too_long" => T::RoleDescriptionTooLong,
        "role.permission_unknown" => T::RolePermissionUnknown,
        "team.member_required" => T::MemberRequired,
        "team.role_required" => T::RoleRequired,
        "audit.day_invalid" => T::AuditDayInvalid,
        "audit.kind_unknown" => T::AuditKindUnknown,
        "alert.already_acknowledged" => T::AlertAlreadyAcknowledged,
        "review.campaign_running" => T::CampaignRunning,
        "review.already_decided" => T::ReviewAlreadyDecided,
        "review.campaign_closed" => T::ReviewCampaignClosed,
        "review.campaign_unfinished" => T::ReviewCampaignUnfinished,
        "review.decision_required" => T::ReviewDecisionRequired,
        "training.course_required" => T::TrainingCourseRequired,
        "training.course_invalid" => T::TrainingCourseInvalid,
        "training.date_invalid" => T::TrainingDateInvalid,
        "training.date_future" => T::TrainingDateFuture,
        _ => T::InvalidField,
    }
}

/// What goes between a text and what follows it on the same line: a space
/// in English, nothing in Chinese (its full-width punctuation carries its
/// own space, and words are not spaced).
pub fn word_space() -> &'static str {
    match use_locale() {
        Locale::En => " ",
        Locale::ZhCn => "",
    }
}

/// How long to wait, as a person would say it: seconds under a minute,
/// then whole minutes, then hours, always rounded up so trying again at
/// that time works.
pub fn wait_text(secs: i64, locale: Locale) -> String {
    let secs = secs.max(1);
    let up = |unit: i64| (secs + unit - 1) / unit;
    match (locale, secs) {
        (Locale::En, 1) => "1 second".to_owned(),
        (Locale::En, 2..60) => format!("{secs} seconds"),
        (Locale::En, 60..3600) if up(60) == 1 => "1 minute".to_owned(),
        (Locale::En, 60..3600) => format!("{} minutes", up(60)),
        (Locale::En, _) if up(3600) == 1 => "1 hour".to_owned(),
        (Locale::En, _) => format!("{} hours", up(3600)),
        (Locale::ZhCn, ..60) => format!("{secs} 秒"),
        (Locale::ZhCn, 60..3600) => format!("{} 分钟", up(60)),
        (Locale::ZhCn, _) => format!("{} 小时", up(3600)),
    }
}

/// The language of this page, provided once by the app shell.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_else(page_locale)
}

/// Islands hydrate without the server's context: in the browser the page's
/// own `<html lang>` says which language the server drew it in.
#[cfg(feature = "hydrate")]
fn page_locale() -> Locale {
    crate::browser::document_locale()
}

#[cfg(not(feature = "hydrate"))]
fn page_locale() -> Locale {
    Locale::default()
}

/// Shorthand for the current page's text of a message.
///
/// In the browser an island knows only the texts the server gave it (its
/// [`Texts`]): the WASM carries no table of both languages. Static text the
/// server drew is not redrawn by hydration, so only what an island draws
/// while it runs (the live password rules, a "link expired" notice) must be
/// among its texts; anything else is answered with an empty text.
#[cfg(not(feature = "hydrate"))]
pub fn t(message: T) -> &'static str {
    message.text(use_locale())
}

#[cfg(feature = "hydrate")]
pub fn t(message: T) -> &'static str {
    let key = message as u16;
    use_context::<IslandTexts>()
        .and_then(|texts| {
            texts
                .0
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, text)| *text)
        })
        // Static text: what hydration asks for it is never drawn.
        .unwrap_or_default()
}

/// The texts an island shows while it runs, in the page's language, chosen
/// by the server and carried in the island's props.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Texts(Vec<(u16, String)>);

impl Texts {
    /// The page's texts of `messages` (on the server, where the page's
    /// language is known).
    pub fn of(messages: &[T]) -> Texts {
        let locale = use_locale();
        Texts(
            messages
                .iter()
                .map(|&message| (message as u16, message.text(locale).to_owned()))
                .collect(),
        )
    }

    /// Makes the texts what `t` answers with inside the calling island (the
    /// server has its tables and needs none).
    pub fn provide(self) {
        #[cfg(feature = "hydrate")]
        provide_context(IslandTexts(
            self.0
                .into_iter()
                // An island lives as long as its page, and its texts with it.
                .map(|(key, text)| (key, &*String::leak(text)))
                .collect(),
        ));
        #[cfg(not(feature = "hydrate"))]
        let _ = self;
    }
}

#[cfg(feature = "hydrate")]
#[derive(Clone)]
struct IslandTexts(Vec<(u16, &'static str)>);

/// An event's age in words, as the service's clock saw it; `None` past a
/// week, where the date beside it says more than a count of days.
pub fn age_text(age: domain::Age, locale: Locale) -> Option<String> {
    use domain::Age;
    let (one, many, n) = match age {
        Age::JustNow => return Some(T::AgeJustNow.text(locale).to_owned()),
        Age::Minutes(n) => (T::AgeMinute, T::AgeMinutes, n),
        Age::Hours(n) => (T::AgeHour, T::AgeHours, n),
        Age::Days(n) => (T::AgeDay, T::AgeDays, n),
        Age::OnItsDate => return None,
    };
    Some(if n == 1 {
        one.text(locale).to_owned()
    } else {
        many.text(locale).replace("{n}", &n.to_string())
    })
}

/// The text of a broken password rule (the live checks of the registration
/// and reset forms).
pub fn policy_text(issue: domain::PolicyIssue) -> T {
    use domain::PolicyIssue;
    match issue {
        PolicyIssue::TooShort => T::PwTooShort,
        PolicyIssue::TooLong => T::PwTooLong,
        PolicyIssue::NeedsUpper => T::PwNeedsUpper,
        PolicyIssue::NeedsLower => T::PwNeedsLower,
        PolicyIssue::NeedsDigit => T::PwNeedsDigit,
        PolicyIssue::NeedsSpecial => T::PwNeedsSpecial,
        PolicyIssue::ContainsEmail => T::PwContainsEmail,
        PolicyIssue::ContainsName => T::PwContainsName,
        PolicyIssue::TooCommon => T::PwTooCommon,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::PolicyIssue;

    #[test]
    fn a_wait_is_said_in_the_unit_a_person_would_use_rounded_up() {
        assert_eq!(wait_text(1, Locale::En), "1 second");
        assert_eq!(wait_text(45, Locale::En), "45 seconds");
        assert_eq!(wait_text(60, Locale::En), "1 minute");
        assert_eq!(wait_text(61, Locale::En), "2 minutes");
        assert_eq!(wait_text(3599, Locale::En), "60 minutes");
        assert_eq!(wait_text(3600, Locale::En), "1 hour");
        assert_eq!(wait_text(5000, Locale::En), "2 hours");
        assert_eq!(wait_text(0, Locale::En), "1 second");
        assert_eq!(wait_text(45, Locale::ZhCn), "45 秒");
        assert_eq!(wait_text(90, Locale::ZhCn), "2 分钟");
        let message = T::ErrRateLimited
            .text(Locale::ZhCn)
            .replace("{wait}", &wait_text(90, Locale::ZhCn));
        assert_eq!(message, "尝试次数过多。请在 2 分钟后重试。");
    }

    #[test]
    fn ages_read_naturally_in_both_languages() {
        use domain::Age;
        let en = |age| age_text(age, Locale::En);
        let zh = |age| age_text(age, Locale::ZhCn);
        assert_eq!(en(Age::JustNow).as_deref(), Some("just now"));
        assert_eq!(zh(Age::JustNow).as_deref(), Some("刚刚"));
        assert_eq!(en(Age::Minutes(1)).as_deref(), Some("1 minute ago"));
        assert_eq!(en(Age::Minutes(5)).as_deref(), Some("5 minutes ago"));
        assert_eq!(zh(Age::Minutes(5)).as_deref(), Some("5 分钟前"));
        assert_eq!(en(Age::Hours(3)).as_deref(), Some("3 hours ago"));
        assert_eq!(zh(Age::Hours(1)).as_deref(), Some("1 小时前"));
        assert_eq!(en(Age::Days(1)).as_deref(), Some("1 day ago"));
        assert_eq!(zh(Age::Days(6)).as_deref(), Some("6 天前"));
        assert_eq!(en(Age::OnItsDate), None);
    }

    #[test]
    fn every_policy_code_has_its_own_text() {
        for issue in PolicyIssue::ALL {
            assert_ne!(code_text(issue.code()), T::InvalidField, "{}", issue.code());
            // The live check and the server's refusal say the same.
            assert_eq!(
                policy_text(issue),
                code_text(issue.code()),
                "{}",
                issue.code()
            );
        }
        for error in [
            domain::EmailError::Required,
            domain::EmailError::TooLong,
            domain::EmailError::Invalid,
        ] {
            assert_ne!(code_text(error.code()), T::InvalidField);
        }
        for error in [
            domain::ReasonError::Required,
            domain::ReasonError::TooLong,
            domain::ReasonError::Invalid,
        ] {
            assert_ne!(code_text(error.code()), T::InvalidField);
        }
        use domain::RoleError;
        for error in [
            RoleError::UnknownRole(String::new()),
            RoleError::Cycle(Vec::new()),
            RoleError::InvalidName(String::new()),
            RoleError::Builtin(String::new()),
            RoleError::NotPermitted(domain::Permission::RoleAssign),
            RoleError::OwnRoles,
            RoleError::NotACustomer,
            RoleError::BeyondOwn(Vec::new()),
        ] {
            assert_ne!(code_text(error.code()), T::InvalidField, "{error}");
        }
        assert_ne!(code_text("role.description_invalid"), T::InvalidField);
        // Staff team and roles
        for code in [
            crate::api::NEEDS_SECOND_FACTOR,
            "email.already_verified",
            "role.description_too_long",
            "role.permission_unknown",
            "team.member_required",
            "team.role_required",
        ] {
            assert_ne!(code_text(code), T::InvalidField, "{code}");
        }
        assert_ne!(
            code_text(crate::error::AppError::AccountDisabled.code()),
            T::InvalidField
        );
        assert_ne!(
            code_text(crate::error::AppError::SignInPaused { minutes: 1 }.code()),
            T::InvalidField
        );
        assert_ne!(code_text("password.required"), T::InvalidField);
        for code in [
            "password.current_required",
            "password.new_required",
            "passkey.name_taken",
            "password.confirmation_required",
        ] {
            assert_ne!(code_text(code), T::InvalidField, "{code}");
        }
        for error in [
            domain::NameError::Required,
            domain::NameError::TooLong,
            domain::NameError::Invalid,
        ] {
            assert_ne!(code_text(error.code()), T::InvalidField);
        }
    }
}
