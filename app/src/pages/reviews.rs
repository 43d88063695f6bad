//! `/staff/reviews`: each staff member's own security training, and for
//! those holding `review.manage` the access reviews: open one, keep or
//! revoke each grant with a reason, close one, download a finished one's
//! report. Drawn on the server; every form is a plain post (`PostForm`).

use crate::page_resource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::alerts::OneLine;
use super::team::{ConsolePage, GatedPanel, Refusal, TrainingBadge};
use crate::api::{
    decision_text, load_reviews, CampaignLine, CampaignPanel, CloseReviewCampaign,
    DecideReviewItem, FormFlash, ItemLine, OpenReviewCampaign, RecordTraining, ReviewsView,
    TrainingFlag, TrainingView, REVIEW_CLOSE_FORM, REVIEW_DECIDE_FORM, REVIEW_OPEN_FORM,
    TRAINING_FORM,
};
use crate::components::{post_path, shown, Field, PostForm, Submit, SuccessNotice, ZoneHint};
use crate::error::ShownError;
use crate::i18n::{t, use_locale, T};

#[component]
pub fn StaffReviewsPage() -> impl IntoView {
    view! { <ConsolePage title=T::ReviewsTitle panel=|| view! { <ReviewsPanel /> } /> }
}

#[component]
fn ReviewsPanel() -> impl IntoView {
    let query = use_query_map();
    let campaign = query
        .read_untracked()
        .get("campaign")
        .and_then(|c| c.parse::<i64>().ok());
    let done = query.read_untracked().get("done");
    let reviews = page_resource(move || campaign, load_reviews);
    view! {
        <GatedPanel data=reviews draw=move |view, flash| {
            view! { <ReviewsCard view flash done=done.clone() /> }.into_any()
        } />
    }
}

/// What a refused post of `form` left, when it was posted from here.
fn kept(flash: Signal<Option<FormFlash>>, form: &str) -> FormFlash {
    flash
        .get_untracked()
        .filter(|f| f.form == form)
        .unwrap_or_default()
}

#[component]
fn ReviewsCard(
    view: ReviewsView,
    flash: Signal<Option<FormFlash>>,
    done: Option<String>,
) -> impl IntoView {
    let notice = match done.as_deref() {
        Some("opened") => Some(T::OpenedNotice),
        Some("decided") => Some(T::DecidedNotice),
        Some("closed") => Some(T::ClosedNotice),
        Some("trained") => Some(T::TrainedNotice),
        _ => None,
    };
    let manage = view.may_manage.then(|| {
        let open_error = kept(flash, REVIEW_OPEN_FORM).error;
        let action = post_path::<OpenReviewCampaign>();
        view! {
            <section class="reviews-manage">
                <PostForm action form_class="stack team-form">
                    <h2>{t(T::OpenCampaignHeading)}</h2>
                    <p class="hint">{t(T::OpenCampaignHint)}</p>
                    <Refusal error=shown(open_error) />
                    <Submit label=T::OpenCampaignButton />
                </PostForm>
                <CampaignList campaigns=view.campaigns.clone() />
                {view.shown.clone().map(|panel| view! { <CampaignCard panel flash /> })}
            </section>
        }
    });
    view! {
        <section class="card wide">
            <h1>{t(T::ReviewsTitle)}</h1>
            <p class="lead">{t(T::ReviewsIntro)}</p>
            {notice.map(|text| view! { <SuccessNotice text /> })}
            <TrainingCard training=view.training.clone() kept=kept(flash, TRAINING_FORM) />
            {manage}
            <ZoneHint zone=view.zone />
        </section>
    }
}

#[component]
fn TrainingCard(training: TrainingView, kept: FormFlash) -> impl IntoView {
    let status = match (training.flag, training.day) {
        (TrainingFlag::Current, Some(day)) => {
            view! { {t(T::TrainingCurrent)} " " <time>{day}</time> }.into_any()
        }
        (TrainingFlag::Expired, Some(day)) => {
            view! { {t(T::TrainingExpired)} " " <time>{day}</time> }.into_any()
        }
        _ => t(T::TrainingMissing).into_any(),
    };
    let error = kept.error.clone();
    let action = post_path::<RecordTraining>();
    view! {
        <PostForm action form_class="stack team-form training">
            <h2>{t(T::TrainingHeading)}</h2>
            <p id="training-status"><TrainingBadge flag=training.flag /> " " {status}
                {training.course.map(|course| view! { " · " <span>{course}</span> })}</p>
            <Refusal error=shown(error.clone()) inline=&["course", "completed_on"] />
            <Field name="course" label=T::TrainingCourseLabel hint=T::TrainingCourseHint autocomplete="off"
                value=kept.value("course") error=shown(error.clone()) required=true scope=TRAINING_FORM
                max_chars=domain::reason::MAX_REASON_CHARS />
            <Field name="completed_on" label=T::TrainingDateLabel kind="date" autocomplete="off"
                value=kept.value("completed_on") error=shown(error) required=true scope=TRAINING_FORM />
            <Submit label=T::TrainingButton />
        </PostForm>
    }
}

fn state_text(campaign: &CampaignLine) -> T {
    match (&campaign.closed, campaign.finished) {
        (Some(_), _) => T::CampaignStateClosed,
        (None, true) => T::CampaignStateFinished,
        (None, false) => T::CampaignStateOpen,
    }
}

#[component]
fn CampaignList(campaigns: Vec<CampaignLine>) -> impl IntoView {
    view! {
        <h2>{t(T::CampaignsHeading)}</h2>
        {if campaigns.is_empty() {
            view! { <p>{t(T::NoCampaigns)}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="activity campaigns">
                        <thead>
                            <tr>
                                <th scope="col">{t(T::CampaignLabel)}</th>
                                <th scope="col">{t(T::CampaignOpenedCol)}</th>
                                <th scope="col">{t(T::CampaignDueCol)}</th>
                                <th scope="col">{t(T::CampaignProgressCol)}</th>
                                <th scope="col">{t(T::ColState)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {campaigns.into_iter().map(|c| view! {
                                <tr>
                                    <td data-label=t(T::CampaignLabel)><a href=format!("/staff/reviews?campaign={}", c.id)>{format!("#{}", c.seq)}</a></td>
                                    <td data-label=t(T::CampaignOpenedCol)><time>{c.opened.clone()}</time></td>
                                    <td data-label=t(T::CampaignDueCol)><time>{c.due.clone()}</time></td>
                                    <td data-label=t(T::CampaignProgressCol)>{format!("{} / {}", c.decided, c.items)}</td>
                                    <td data-label=t(T::ColState)>{t(state_text(&c))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

#[component]
fn CampaignCard(panel: CampaignPanel, flash: Signal<Option<FormFlash>>) -> impl IntoView {
    let campaign = panel.campaign;
    let id = campaign.id;
    let open = campaign.closed.is_none();
    let locale = use_locale();
    let decide = kept(flash, REVIEW_DECIDE_FORM);
    let close = kept(flash, REVIEW_CLOSE_FORM);
    let close_form = open.then(|| {
        let error = close.error.clone().map(|e| ShownError::new(e, locale));
        let action = post_path::<CloseReviewCampaign>();
        view! {
            <PostForm action form_class="stack team-form">
                <h3>{t(T::CloseCampaignHeading)}</h3>
                <p class="hint">{t(T::CloseCampaignHint)}</p>
                <input type="hidden" name="campaign" value=id.to_string() />
                <OneLine name="reason" id=format!("campaign-{id}-reason") label=T::ReasonLabel hint=T::ReasonHint
                    value=close.value("reason") error />
                <Submit label=T::CloseCampaignButton danger=true />
            </PostForm>
        }
    });
    view! {
        <section id=format!("campaign-{id}") class="campaign">
            <h2>{t(T::CampaignLabel)} " " {format!("#{}", campaign.seq)} " · " {t(state_text(&campaign))}</h2>
            <p>{t(T::CampaignDueCol)} ": " <time>{campaign.due.clone()}</time></p>
            {campaign.close_reason.clone().map(|reason| view! { <p>{t(T::ReasonLabel)} ": " {reason}</p> })}
            {campaign.finished.then(|| view! {
                <p class="exports">
                    <a href=format!("/api/staff/reviews/report.csv?campaign={id}") download=format!("latchkey-review-{id}.csv") rel="external">
                        {t(T::ReviewReportLink)}
                    </a>
                </p>
            })}
            <ol class="review-items">
                {panel.items.into_iter().map(|item| {
                    let mine = (decide.value("item") == item.id.to_string()).then(|| decide.clone());
                    view! { <ReviewItem item campaign=id open kept=mine /> }
                }).collect_view()}
            </ol>
            {close_form}
        </section>
    }
}

#[component]
fn ReviewItem(item: ItemLine, campaign: i64, open: bool, kept: Option<FormFlash>) -> impl IntoView {
    let id = item.id;
    let locale = use_locale();
    let state = match item.decision {
        Some(decision) => view! {
            {t(decision_text(decision))} " · " {item.decided_by.clone().unwrap_or_default()} " · "
            <time>{item.decided_at.clone().unwrap_or_default()}</time>
            <br />{t(T::ReasonLabel)} ": " {item.reason.clone().unwrap_or_default()}
        }
        .into_any(),
        None => t(T::ReviewUndecided).into_any(),
    };
    let error = kept
        .as_ref()
        .and_then(|f| f.error.clone())
        .map(|e| ShownError::new(e, locale));
    let form = match (item.decision, open, item.own) {
        // The service refuses a post from the grantee anyway: said here too.
        (None, true, true) => Some(
            view! {
                <Refusal error=Signal::stored(error) />
                <p class="hint">{t(T::ReviewOwnGrant)}</p>
            }
            .into_any(),
        ),
        (None, true, false) => {
            let typed = kept.as_ref().map(|f| f.value("reason")).unwrap_or_default();
            let action = post_path::<DecideReviewItem>();
            Some(view! {
                <PostForm action form_class="stack alert-action">
                    <input type="hidden" name="campaign" value=campaign.to_string() />
                    <input type="hidden" name="item" value=id.to_string() />
                    <div class="field">
                        <label for=format!("item-{id}-decision")>{t(T::ReviewDecisionLabel)}</label>
                        <select id=format!("item-{id}-decision") name="decision" required=true>
                            <option value="keep">{t(T::ReviewKeepOption)}</option>
                            <option value="revoke">{t(T::ReviewRevokeOption)}</option>
                        </select>
                    </div>
                    <OneLine name="reason" id=format!("item-{id}-reason") label=T::ReasonLabel hint=T::ReasonHint
                        value=typed error />
                    <Submit label=T::ReviewDecideButton />
                </PostForm>
            }.into_any())
        }
        _ => None,
    };
    view! {
        <li id=format!("item-{id}") class="alert-item review-item">
            <h3>{item.grantee.clone()} " · " {item.role.clone()}
                {item.overdue.then(|| view! { " " <span class="badge warn">{t(T::ReviewOverdueBadge)}</span> })}
                {item.removal_candidate.then(|| view! { " " <span class="badge warn candidate">{t(T::ReviewCandidateBadge)}</span> })}
            </h3>
            <dl class="profile">
                <dt>{t(T::ReviewLastUsedCol)}</dt>
                <dd>{item.last_used.clone().unwrap_or_else(|| t(T::ReviewNeverUsed).to_owned())}</dd>
                <dt>{t(T::ColTraining)}</dt><dd><TrainingBadge flag=item.training /></dd>
                <dt>{t(T::ReviewReviewerCol)}</dt>
                <dd>{item.reviewer.clone().unwrap_or_else(|| t(T::ReviewNoReviewer).to_owned())}</dd>
                <dt>{t(T::ReviewDecisionCol)}</dt><dd>{state}</dd>
            </dl>
            {form}
        </li>
    }
}
