//! Passkeys: the section of the security page that lists, adds, renames and
//! removes them, and the block the sign-in pages offer them with.
//! `public/passkeys.js` runs the WebAuthn ceremonies; without script the
//! blocks keep their buttons hidden and say passkeys need JavaScript.

use leptos::prelude::*;

use crate::api::{PasskeyView, RemovePasskey, RenamePasskey};
use crate::components::{flash_error, post_path, shown, ErrorSummary, PostForm};
use crate::error::AppError;
use crate::i18n::{t, T};

/// What a passkey block inside a form island draws: an island that holds
/// one carries these among its texts, so that the block stays as the
/// server drew it when the island hydrates.
pub const PASSKEY_TEXTS: [T; 11] = [
    T::PasskeyWaiting,
    T::Working,
    T::PasskeyFailed,
    T::PasskeyCancelled,
    T::PasskeyUnsupported,
    T::ErrRateLimited,
    T::PasskeyNameRequired,
    T::PasswordFirst,
    T::PwCurrentWrong,
    T::PasskeyNeedsScript,
    T::UsePasskeyButton,
];

/// A button that starts a passkey ceremony (`purpose`: `register`,
/// `sign-in`, `second-factor`, `reauth` or `reset`), where it tells how it is going, and
/// the texts the script needs, in the page's language.
#[component]
pub fn PasskeyBlock(
    purpose: &'static str,
    label: T,
    #[prop(optional)] next: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="passkey" data-passkey=purpose data-next=next
            data-msg-waiting=t(T::PasskeyWaiting) data-msg-working=t(T::Working)
            data-msg-failed=t(T::PasskeyFailed) data-msg-cancelled=t(T::PasskeyCancelled)
            data-msg-unsupported=t(T::PasskeyUnsupported) data-msg-busy=t(T::ErrRateLimited)
            data-msg-name=t(T::PasskeyNameRequired) data-msg-password=t(T::PasswordFirst)
            data-msg-password-wrong=t(T::PwCurrentWrong)>
            // The ceremonies' plain script (allowed by the CSP's 'self'), on
            // the pages that offer passkeys only; it runs once per page.
            <script src="/passkeys.js" defer=""></script>
            {children.map(|c| c())}
            <p class="hint" data-passkey-note="">{t(T::PasskeyNeedsScript)}</p>
            <button type="button" class="button" data-passkey-start="" hidden=true>{t(label)}</button>
            <p class="passkey-status" data-passkey-status="" role="status" hidden=true></p>
        </div>
    }
}

/// The passkeys part of `/account/security`, drawn from the list the page
/// loaded with its other data. Renaming and removing are plain forms (they
/// work without script); adding needs the browser's WebAuthn and so script.
#[component]
pub fn PasskeySection<N, V>(
    list: Result<Vec<PasskeyView>, AppError>,
    can_add: bool,
    /// What the last change to the passkeys did, under the heading.
    notice: N,
) -> impl IntoView
where
    N: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let flash = super::page_data().flash_signal();
    let rename_error = flash_error(flash, "passkey_rename");
    let remove_error = flash_error(flash, "passkey_remove");
    let error = Signal::derive(move || rename_error.get().or_else(|| remove_error.get()));
    let list = match list {
        Ok(list) => list,
        Err(error) => return view! { <ErrorSummary error=shown(Some(error)) /> }.into_any(),
    };
    // The first "Passkey N" no passkey has yet.
    let names: Vec<String> = list.iter().map(|p| p.name.to_lowercase()).collect();
    let suggested_name = (list.len() + 1..)
        .map(|n| format!("{} {n}", t(T::PasskeyDefaultName)))
        .find(|name| !names.contains(&name.to_lowercase()))
        .unwrap_or_default();
    view! {
        <h2 id="passkeys">{t(T::PasskeysHeading)}</h2>
        {notice}
        <p class="hint">{t(T::PasskeysHint)}</p>
        <ErrorSummary error />
        {list.is_empty().then(|| view! { <p>{t(T::PasskeysNone)}</p> })}
        <ul class="passkeys">
            {list.into_iter().map(|passkey| view! { <PasskeyItem passkey /> }).collect_view()}
        </ul>
        {if can_add {
            view! {
                <PasskeyBlock purpose="register" label=T::AddPasskeyButton>
                    // Of use only with the script that adds the passkey, which shows it.
                    <div class="field" data-passkey-field="" hidden=true>
                        <label for="field-passkey-name">{t(T::NewPasskeyNameLabel)}</label>
                        <p class="hint" id="field-passkey-name-hint">{t(T::PasskeyNameHint)}</p>
                        <input id="field-passkey-name" name="name" type="text" value=suggested_name
                            maxlength="100" autocomplete="off" aria-describedby="field-passkey-name-hint" />
                    </div>
                </PasskeyBlock>
            }.into_any()
        } else {
            view! { <p class="hint">{t(T::PasskeysNeedVerified)}</p> }.into_any()
        }}
    }
    .into_any()
}

#[component]
fn PasskeyItem(passkey: PasskeyView) -> impl IntoView {
    let field_id = format!("passkey-name-{}", passkey.id);
    let rename_id = passkey.id.to_string();
    let remove_id = rename_id.clone();
    let kind = if passkey.security_key {
        T::PasskeyTypeKey
    } else {
        T::PasskeyTypePlatform
    };
    let remove_label = format!("{} {}", t(T::RemovePasskeyButton), passkey.name);
    view! {
        <li class="passkey-item">
            <h3 class="passkey-name">{passkey.name.clone()} " " <span class="badge">{t(kind)}</span></h3>
            <dl class="profile">
                <dt>{t(T::PasskeyAdded)}</dt><dd><time>{passkey.created}</time></dd>
                <dt>{t(T::PasskeyLastUsed)}</dt>
                <dd>{match passkey.last_used {
                    Some(at) => view! { <time>{at}</time> }.into_any(),
                    None => t(T::PasskeyNeverUsed).into_any(),
                }}</dd>
            </dl>
            <div class="passkey-actions">
                <PostForm action={post_path::<RenamePasskey>()} form_class="rename">
                    <input type="hidden" name="passkey" value=rename_id />
                    <label for=field_id.clone()>{t(T::PasskeyNameLabel)}</label>
                    <input id=field_id name="name" type="text" value=passkey.name maxlength="100" autocomplete="off" required=true />
                    <button type="submit" class="button">{t(T::RenamePasskeyButton)}</button>
                </PostForm>
                <PostForm action={post_path::<RemovePasskey>()}>
                    <input type="hidden" name="passkey" value=remove_id />
                    <button type="submit" class="button danger" aria-label=remove_label>{t(T::RemovePasskeyButton)}</button>
                </PostForm>
            </div>
        </li>
    }
}
