//! The console's team and roles pages: `/staff/team` (members, invite,
//! grant, revoke, offboard) and `/staff/roles` (built-in and custom roles,
//! creating and editing the custom ones). Drawn on the server; every form
//! is a `PostForm` posted by the browser, so a refusal comes back the same
//! way with and without JavaScript: the page again, the message in place.

use crate::page_resource;
use domain::role::BASELINE;
use domain::Permission;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{de::DeserializeOwned, Serialize};

use super::staff::gate_refusal;
use super::{page_data, SignedIn};
use crate::api::{
    load_roles, load_team, take_invitation_link, ConsoleLink, FactorStatus, FormFlash, Gated,
    GrantRole, InviteMember, OffboardMember, RevokeRole, RoleView, RolesView, SaveRole, TeamMember,
    TeamView, TrainingFlag, UserView,
};
use crate::components::{
    post_path, shown, ErrorSummary, Field, PostForm, Submit, SuccessNotice, ZoneHint,
};
use crate::error::{AppError, ShownError};
use crate::i18n::{code_text, t, T};

/// `/staff/team`.
#[component]
pub fn StaffTeamPage() -> impl IntoView {
    // Created once for the page: reading the invitation link uses it up, so
    // the signed-in content (which may be drawn more than once) only reads it.
    let invited = use_query_map().read_untracked().get("done").as_deref() == Some("invited");
    let link = page_resource(
        move || invited,
        |invited| async move {
            if invited {
                take_invitation_link().await.ok().flatten()
            } else {
                None
            }
        },
    );
    view! { <ConsolePage title=T::TeamTitle panel=move || view! { <TeamPanel link /> } /> }
}

/// `/staff/roles`.
#[component]
pub fn StaffRolesPage() -> impl IntoView {
    view! { <ConsolePage title=T::RolesTitle panel=|| view! { <RolesPanel /> } /> }
}

/// A console page: its title and, for a signed-in reader, the console's
/// navigation above `panel`.
#[component]
pub fn ConsolePage<P, V>(title: T, panel: P) -> impl IntoView
where
    P: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Title text=t(title) />
        <SignedIn content=move |user: UserView| view! { <ConsoleNav links=user.console.clone() /> {panel()} } />
    }
}

/// A console panel: `data` drawn once the page's flash (what a refused
/// post left) is known, or the 403 page of a refusal, or the error.
#[component]
pub fn GatedPanel<D, F>(data: Resource<Result<Gated<D>, AppError>>, draw: F) -> impl IntoView
where
    D: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(D, Signal<Option<FormFlash>>) -> AnyView + Clone + Send + Sync + 'static,
{
    let page = page_data();
    let flash = page.flash_signal();
    view! {
        <Suspense>
            {move || {
                let draw = draw.clone();
                Suspend::new(async move {
                    let _ = page.flash.await;
                    gated(data.await, |data| draw(data, flash))
                })
            }}
        </Suspense>
    }
}

/// The console's own navigation: the parts the reader holds the
/// permissions for (the server functions check again). Nothing for one part.
#[component]
pub fn ConsoleNav(links: Vec<ConsoleLink>) -> impl IntoView {
    let here = use_location().pathname.get_untracked();
    (links.len() > 1).then(|| {
        view! {
            <nav class="console-nav" aria-label=t(T::NavConsole)>
                <ul>
                    {links
                        .into_iter()
                        .map(|link| {
                            let (href, label) = match link {
                                ConsoleLink::Customers => ("/staff", T::ConsoleTitle),
                                ConsoleLink::Team => ("/staff/team", T::TeamTitle),
                                ConsoleLink::Roles => ("/staff/roles", T::RolesTitle),
                                ConsoleLink::Audit => ("/staff/audit", T::AuditTitle),
                                ConsoleLink::Alerts => ("/staff/alerts", T::AlertsTitle),
                                ConsoleLink::Reviews => ("/staff/reviews", T::ReviewsTitle),
                            };
                            let current = here == href
                                || (link == ConsoleLink::Customers && here.starts_with("/staff/customers/"));
                            view! {
                                <li><a href=href aria-current=current.then_some("page")>{t(label)}</a></li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    })
}

/// A refusal in words: the sentence of each broken rule not already said
/// beside its input (`inline` names those inputs), such as a role rule or
/// a missing second factor; else the page-level text.
#[component]
pub fn Refusal(
    error: Signal<Option<ShownError>>,
    #[prop(optional)] inline: &'static [&'static str],
) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let mut messages: Vec<String> = error
                .fields
                .iter()
                .filter(|(field, _)| !inline.contains(&field.as_str()))
                .map(|(_, message)| message.clone())
                .collect();
            messages.dedup();
            if messages.is_empty() {
                return view! { <ErrorSummary error=Signal::stored(Some(error)) /> }.into_any();
            }
            view! {
                <div class="alert alert-error" role="alert">
                    <ul class="refusal">
                        {messages.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        })
    }
}

/// What a refused post of `form` left: its error and the typed values.
fn flash_for(flash: Signal<Option<FormFlash>>, form: &str) -> FormFlash {
    flash
        .get_untracked()
        .filter(|f| f.form == form)
        .unwrap_or_default()
}

/// A labelled list to choose one value from, with the rules it broke.
#[component]
fn Choice(
    name: &'static str,
    label: T,
    scope: &'static str,
    options: Vec<(String, String)>,
    selected: String,
    error: Option<AppError>,
) -> impl IntoView {
    let id = format!("field-{scope}-{name}");
    let error_id = format!("{id}-error");
    let codes = error.map(|e| e.field_codes(name)).unwrap_or_default();
    let invalid = !codes.is_empty();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{t(label)}</label>
            <select id=id name=name required=true aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| error_id.clone())>
                <option value="">{t(T::ChooseOne)}</option>
                {options.into_iter().map(|(value, text)| {
                    let chosen = value == selected;
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
            <ul class="field-errors" id=error_id>
                {codes.into_iter().map(|code| view! { <li>{t(code_text(&code))}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// A console page's answer drawn: its data, the 403 page of a refusal,
/// or the error.
pub(super) fn gated<T>(
    answer: Result<Gated<T>, AppError>,
    draw: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match answer {
        Ok(Gated::Granted(data)) => draw(data),
        Ok(refused) => gate_refusal(refused.access()),
        Err(error) => view! {
            <section class="card narrow"><ErrorSummary error=shown(Some(error)) /></section>
        }
        .into_any(),
    }
}

/// A member's security training, flagged when out of date or missing.
#[component]
pub fn TrainingBadge(flag: TrainingFlag) -> impl IntoView {
    let (class, text) = match flag {
        TrainingFlag::Current => ("badge ok", T::FlagCurrent),
        TrainingFlag::Expired => ("badge warn training-flag", T::FlagExpired),
        TrainingFlag::Missing => ("badge warn training-flag", T::FlagMissing),
    };
    view! { <span class=class>{t(text)}</span> }
}

fn factor_text(factors: FactorStatus) -> T {
    match factors {
        FactorStatus::App => T::FactorApp,
        FactorStatus::Passkey => T::FactorPasskey,
        FactorStatus::AppAndPasskey => T::FactorAppAndPasskey,
        FactorStatus::None => T::FactorNone,
    }
}

#[component]
fn TeamPanel(link: Resource<Option<String>>) -> impl IntoView {
    let query = use_query_map();
    let done = query.read_untracked().get("done");
    let team = page_resource(|| (), |_| load_team());
    view! {
        <GatedPanel data=team draw=move |team, flash| {
            view! { <TeamCard team flash done=done.clone() link /> }.into_any()
        } />
    }
}

/// The link of the invitation just made, shown once.
#[component]
fn InvitationLink(link: Resource<Option<String>>) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                link.await.map(|link| view! {
                    <div class="alert alert-warning invitation" role="status">
                        <p class="notice">{t(T::InvitationLinkHeading)}</p>
                        <p>{t(T::InvitationLinkBody)}</p>
                        <p><code class="invitation-link">{link}</code></p>
                    </div>
                })
            })}
        </Suspense>
    }
}

#[component]
fn TeamCard(
    team: TeamView,
    flash: Signal<Option<FormFlash>>,
    done: Option<String>,
    link: Resource<Option<String>>,
) -> impl IntoView {
    let notice = match done.as_deref() {
        Some("invited") => Some(T::InvitedNotice),
        Some("granted") => Some(T::GrantedNotice),
        Some("revoked") => Some(T::RevokedNotice),
        Some("unchanged") => Some(T::UnchangedNotice),
        Some("offboarded") => Some(T::OffboardedNotice),
        _ => None,
    };
    let members: Vec<(String, String)> = team
        .members
        .iter()
        .map(|m| {
            (
                m.id.to_string(),
                format!("{} <{}>", m.display_name, m.email),
            )
        })
        .collect();
    let roles: Vec<(String, String)> = team.roles.iter().map(|r| (r.clone(), r.clone())).collect();
    let forms = TeamForms {
        flash,
        members,
        roles,
    };
    view! {
        <section class="card wide">
            <h1>{t(T::TeamTitle)}</h1>
            <p class="lead">{t(T::TeamIntro)}</p>
            {notice.map(|text| view! { <SuccessNotice text /> })}
            <InvitationLink link />
            {if team.members.is_empty() {
                view! { <p>{t(T::NoStaffMembers)}</p> }.into_any()
            } else {
                view! { <MemberTable members=team.members /> }.into_any()
            }}
            <ZoneHint zone=team.zone />
            <div class="team-forms">
                {team.may_manage.then(|| forms.invite())}
                {team.may_assign.then(|| forms.change_role(true))}
                {team.may_assign.then(|| forms.change_role(false))}
                {team.may_manage.then(|| forms.offboard())}
            </div>
        </section>
    }
}

#[component]
fn MemberTable(members: Vec<TeamMember>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="activity team">
                <thead>
                    <tr>
                        <th scope="col">{t(T::ColName)}</th>
                        <th scope="col">{t(T::ColEmail)}</th>
                        <th scope="col">{t(T::ColRoles)}</th>
                        <th scope="col">{t(T::ColLastSignIn)}</th>
                        <th scope="col">{t(T::ColSecondFactor)}</th>
                        <th scope="col">{t(T::ColTraining)}</th>
                        <th scope="col">{t(T::ColState)}</th>
                    </tr>
                </thead>
                <tbody>
                    {members.into_iter().map(|m| {
                        let roles = if m.roles.is_empty() { t(T::NoRoles).to_owned() } else { m.roles.join(", ") };
                        view! {
                            <tr class="member">
                                <td data-label=t(T::ColName)><span>{m.display_name}{m.is_reader.then(|| view! { " " <span class="badge">{t(T::ThisIsYou)}</span> })}</span></td>
                                <td data-label=t(T::ColEmail)>{m.email}</td>
                                <td data-label=t(T::ColRoles)>{roles}</td>
                                <td data-label=t(T::ColLastSignIn)>{match m.last_sign_in {
                                    Some(at) => view! { <time>{at}</time> }.into_any(),
                                    None => t(T::NeverSignedIn).into_any(),
                                }}</td>
                                <td data-label=t(T::ColSecondFactor)>
                                    <span class=if m.factors == FactorStatus::None { "badge warn" } else { "badge ok" }>{t(factor_text(m.factors))}</span>
                                </td>
                                <td data-label=t(T::ColTraining)><TrainingBadge flag=m.training /></td>
                                <td data-label=t(T::ColState)>{t(if m.disabled { T::StateDisabled } else { T::StateActive })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The team page's forms, each drawn again with its refusal and what was
/// typed after a refused post.
struct TeamForms {
    flash: Signal<Option<FormFlash>>,
    members: Vec<(String, String)>,
    roles: Vec<(String, String)>,
}

impl TeamForms {
    fn reason(form: &'static str, kept: &FormFlash) -> impl IntoView {
        view! {
            <Field name="reason" label=T::ReasonLabel hint=T::ReasonHint autocomplete="off"
                value=kept.value("reason") error=shown(kept.error.clone()) required=true scope=form
                max_chars=domain::reason::MAX_REASON_CHARS />
        }
    }

    fn invite(&self) -> impl IntoView {
        let form = "team_invite";
        let kept = flash_for(self.flash, form);
        let error = kept.error.clone();
        let action = post_path::<InviteMember>();
        let roles = self.roles.clone();
        view! {
            <PostForm action form_class="stack team-form">
                <h2 id="invite-heading">{t(T::InviteHeading)}</h2>
                <p class="hint">{t(T::InviteHint)}</p>
                <Refusal error=shown(error.clone()) inline=&["email", "display_name", "reason"] />
                <Field name="email" label=T::EmailLabel kind="email" autocomplete="off" value=kept.value("email")
                    error=shown(error.clone()) required=true scope=form />
                <Field name="display_name" label=T::MemberNameLabel hint=T::MemberNameHint autocomplete="off"
                    value=kept.value("display_name") error=shown(error.clone()) scope=form max_chars=100 />
                <Choice name="role" label=T::RoleLabel scope=form options=roles
                    selected=kept.value("role") error=error.clone() />
                {TeamForms::reason(form, &kept)}
                <Submit label=T::InviteButton />
            </PostForm>
        }
    }

    fn change_role(&self, grant: bool) -> impl IntoView {
        let (form, heading, button, action) = if grant {
            (
                "team_grant",
                T::GrantHeading,
                T::GrantButton,
                post_path::<GrantRole>(),
            )
        } else {
            (
                "team_revoke",
                T::RevokeHeading,
                T::RevokeButton,
                post_path::<RevokeRole>(),
            )
        };
        let kept = flash_for(self.flash, form);
        let error = kept.error.clone();
        let (members, roles) = (self.members.clone(), self.roles.clone());
        view! {
            <PostForm action form_class="stack team-form">
                <h2>{t(heading)}</h2>
                <Refusal error=shown(error.clone()) inline=&["member", "reason"] />
                <Choice name="member" label=T::MemberLabel scope=form options=members
                    selected=kept.value("member") error=error.clone() />
                <Choice name="role" label=T::RoleLabel scope=form options=roles
                    selected=kept.value("role") error=error.clone() />
                {TeamForms::reason(form, &kept)}
                <Submit label=button danger=!grant />
            </PostForm>
        }
    }

    fn offboard(&self) -> impl IntoView {
        let form = "team_offboard";
        let kept = flash_for(self.flash, form);
        let error = kept.error.clone();
        let action = post_path::<OffboardMember>();
        let members = self.members.clone();
        view! {
            <PostForm action form_class="stack team-form">
                <h2>{t(T::OffboardHeading)}</h2>
                <p class="hint">{t(T::OffboardHint)}</p>
                <Refusal error=shown(error.clone()) inline=&["member", "reason"] />
                <Choice name="member" label=T::MemberLabel scope=form options=members
                    selected=kept.value("member") error=error.clone() />
                {TeamForms::reason(form, &kept)}
                <Submit label=T::OffboardButton danger=true />
            </PostForm>
        }
    }
}

#[component]
fn RolesPanel() -> impl IntoView {
    let query = use_query_map();
    let saved = query.read_untracked().get("saved");
    let roles = page_resource(|| (), |_| load_roles());
    view! {
        <GatedPanel data=roles draw=move |roles, flash| {
            view! { <RolesCard roles flash saved=saved.clone() /> }.into_any()
        } />
    }
}

/// The permissions a role may carry: every one but the baseline every
/// account holds anyway.
fn grantable_permissions() -> impl Iterator<Item = Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| !BASELINE.contains(p))
}

pub fn permission_text(permission: Permission) -> T {
    match permission {
        Permission::OwnView => T::PermOwnView,
        Permission::OwnChange => T::PermOwnChange,
        Permission::CustomerRead => T::PermCustomerRead,
        Permission::CustomerImpersonate => T::PermCustomerImpersonate,
        Permission::CustomerUnlock => T::PermCustomerUnlock,
        Permission::CustomerSessions => T::PermCustomerSessions,
        Permission::CustomerForceReset => T::PermCustomerForceReset,
        Permission::CustomerResetSecondFactor => T::PermCustomerResetSecondFactor,
        Permission::CustomerDisable => T::PermCustomerDisable,
        Permission::AuditRead => T::PermAuditRead,
        Permission::AlertsRead => T::PermAlertsRead,
        Permission::ReviewManage => T::PermReviewManage,
        Permission::StaffManage => T::PermStaffManage,
        Permission::RoleAssign => T::PermRoleAssign,
        Permission::RoleManage => T::PermRoleManage,
    }
}

fn permission_list(permissions: &[Permission]) -> impl IntoView {
    if permissions.is_empty() {
        return t(T::NoneListed).into_any();
    }
    view! {
        <ul class="permissions">
            {permissions.iter().map(|p| view! {
                <li>{t(permission_text(*p))} " " <code>{p.as_str()}</code></li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn RolesCard(
    roles: RolesView,
    flash: Signal<Option<FormFlash>>,
    saved: Option<String>,
) -> impl IntoView {
    let names: Vec<String> = roles.roles.iter().map(|r| r.name.clone()).collect();
    let new_form = RoleForm {
        editing: None,
        names: names.clone(),
        flash,
    };
    // A refused post of a form this page does not draw (a built-in role's,
    // a role gone meanwhile) is said at the top.
    let drawn: Vec<String> = std::iter::once(crate::api::role_form_name(""))
        .chain(
            roles
                .roles
                .iter()
                .filter(|r| !r.builtin)
                .map(|r| crate::api::role_form_name(&r.name)),
        )
        .collect();
    let undrawn_refusal = flash
        .get_untracked()
        .filter(|f| f.form.starts_with("role_") && !drawn.contains(&f.form))
        .and_then(|f| f.error);
    view! {
        <section class="card wide">
            <h1>{t(T::RolesTitle)}</h1>
            <p class="lead">{t(T::RolesIntro)}</p>
            <Refusal error=shown(undrawn_refusal) />
            {saved.map(|name| view! {
                <div class="alert alert-success" role="status"><p>{t(T::RoleSavedNotice)} " " <code>{name}</code></p></div>
            })}
            <div class="roles">
                {roles.roles.into_iter().map(|role| {
                    let form = (!role.builtin).then(|| RoleForm {
                        editing: Some(role.clone()),
                        names: names.clone(),
                        flash,
                    });
                    view! { <RoleCard role form /> }
                }).collect_view()}
            </div>
            {new_form.draw()}
        </section>
    }
}

#[component]
fn RoleCard(role: RoleView, form: Option<RoleForm>) -> impl IntoView {
    let includes = if role.includes.is_empty() {
        t(T::NoneListed).to_owned()
    } else {
        role.includes.join(", ")
    };
    let inherited: Vec<Permission> = role
        .effective
        .iter()
        .copied()
        .filter(|p| !role.permissions.contains(p))
        .collect();
    view! {
        <article class="role" id=format!("role-{}", role.name)>
            <h2>
                <code>{role.name.clone()}</code> " "
                <span class="badge">{t(if role.builtin { T::RoleBuiltinBadge } else { T::RoleCustomBadge })}</span>
            </h2>
            <p>{if role.description.is_empty() { t(T::NoDescription).to_owned() } else { role.description.clone() }}</p>
            <dl class="profile">
                <dt>{t(T::RoleIncludes)}</dt><dd>{includes}</dd>
                <dt>{t(T::RoleOwnPermissions)}</dt><dd>{permission_list(&role.permissions)}</dd>
                <dt>{t(T::RoleInheritedPermissions)}</dt><dd>{permission_list(&inherited)}</dd>
            </dl>
            {form.map(|form| form.draw())}
        </article>
    }
}

/// The form that creates a custom role (`editing` none) or edits one.
#[derive(Clone)]
struct RoleForm {
    editing: Option<RoleView>,
    /// Every role's name, for the includes.
    names: Vec<String>,
    flash: Signal<Option<FormFlash>>,
}

impl RoleForm {
    fn draw(self) -> impl IntoView {
        let key = self
            .editing
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let form = crate::api::role_form_name(&key);
        let kept = flash_for(self.flash, &form);
        let refused = kept.error.is_some();
        let error = kept.error.clone();
        // Refused: what was sent; otherwise the role as it stands.
        let (name, description, permissions, includes) = match (&self.editing, refused) {
            (_, true) => (
                kept.value("name"),
                kept.value("description"),
                split(&kept.value("permissions")),
                split(&kept.value("includes")),
            ),
            (Some(role), false) => (
                role.name.clone(),
                role.description.clone(),
                role.permissions
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect(),
                role.includes.clone(),
            ),
            (None, false) => Default::default(),
        };
        let editing = self.editing.is_some();
        // A scope per form keeps the ids apart on the page.
        let scope: &'static str = if editing { "role-edit" } else { "role-new" };
        let id_of = move |what: &str| format!("{scope}-{key}-{what}");
        let includable: Vec<String> = self
            .names
            .iter()
            .filter(|n| **n != name || !editing)
            .cloned()
            .collect();
        let action = post_path::<SaveRole>();
        let body = view! {
            <PostForm action form_class="stack role-form">
                {(!editing).then(|| view! { <h2>{t(T::NewRoleHeading)}</h2> })}
                <Refusal error=shown(error.clone()) inline=&["description"] />
                <input type="hidden" name="form" value=self.editing.as_ref().map(|r| r.name.clone()).unwrap_or_default() />
                {if editing {
                    view! { <input type="hidden" name="name" value=name.clone() /> }.into_any()
                } else {
                    view! {
                        <Field name="name" label=T::RoleNameLabel hint=T::RoleNameHint autocomplete="off" value=name.clone()
                            error=shown(error.clone()) required=true scope=scope max_chars=domain::role::MAX_ROLE_NAME_CHARS />
                    }.into_any()
                }}
                <div class="field">
                    <label for=id_of("description")>{t(T::RoleDescriptionLabel)}</label>
                    <textarea id=id_of("description") name="description" rows="2"
                        maxlength=service_max_description()>{description}</textarea>
                    <ul class="field-errors">
                        {error.clone().map(|e| e.field_codes("description")).unwrap_or_default().into_iter()
                            .map(|code| view! { <li>{t(code_text(&code))}</li> }).collect_view()}
                    </ul>
                </div>
                <fieldset class="checks">
                    <legend>{t(T::RolePermissionsLegend)}</legend>
                    <ul>
                        {grantable_permissions().map(|p| {
                            let id = id_of(&format!("perm-{}", p.as_str()));
                            let checked = permissions.iter().any(|x| x == p.as_str());
                            view! {
                                <li>
                                    <input type="checkbox" id=id.clone() name="permissions[]" value=p.as_str() checked=checked />
                                    <label for=id>{t(permission_text(p))} " " <code>{p.as_str()}</code></label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </fieldset>
                <fieldset class="checks">
                    <legend>{t(T::RoleIncludesLegend)}</legend>
                    <p class="hint">{t(T::RoleIncludesHint)}</p>
                    <ul>
                        {includable.into_iter().map(|role| {
                            let id = id_of(&format!("inc-{role}"));
                            let checked = includes.contains(&role);
                            view! {
                                <li>
                                    <input type="checkbox" id=id.clone() name="includes[]" value=role.clone() checked=checked />
                                    <label for=id><code>{role}</code></label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </fieldset>
                <Submit label=if editing { T::SaveRoleButton } else { T::CreateRoleButton } />
            </PostForm>
        };
        if editing {
            // Open after a refused post, so the message is in view.
            view! {
                <details class="role-edit" open=refused>
                    <summary>{t(T::EditRole)}</summary>
                    {body}
                </details>
            }
            .into_any()
        } else {
            body.into_any()
        }
    }
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn service_max_description() -> String {
    domain::role::MAX_ROLE_DESCRIPTION_CHARS.to_string()
}
