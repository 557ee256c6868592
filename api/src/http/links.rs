//! One-tap check-in pages. GET shows what a POST would do and changes nothing (link previewers
//! in Zalo and SMS apps fetch URLs by themselves): the button only while the window is open and
//! nothing is recorded; otherwise when the window opens, that the check-in is already recorded,
//! or that the link is no longer valid. POST records the check-in. Pages are Vietnamese, show
//! no name and no reason for the contact, and look the same for every link we did not issue.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use domain::messaging::format_local;

use crate::{
    error::AppError,
    schedules::{
        check_ins::{self, LinkOutcome, LinkState},
        zalo_invitations,
    },
    startup::AppState,
};

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;font-size:1.2rem}}\
         button{{font-size:1.3rem;padding:.8rem 1.6rem;width:100%}}</style></head><body>{body}</body></html>"
    )
}

/// The page for a link that cannot be used now; the same for GET and POST.
fn unavailable(state: LinkState) -> Response {
    let (status, title, text) = match state {
        LinkState::NotYetOpen { opens_at } => (
            StatusCode::OK,
            "Chưa đến giờ xác nhận",
            format!(
                "<p>Anh/chị có thể xác nhận từ {} (giờ Việt Nam). \
                 Vui lòng mở lại liên kết này khi đến giờ.</p>",
                format_local(opens_at)
            ),
        ),
        LinkState::AlreadyRecorded => (
            StatusCode::GONE,
            "Đã ghi nhận",
            "<p>Cán bộ xã đã nhận được xác nhận của anh/chị. Anh/chị không cần làm gì thêm.</p>"
                .to_owned(),
        ),
        LinkState::Open | LinkState::Closed | LinkState::NotValid => (
            StatusCode::GONE,
            "Liên kết không còn hiệu lực",
            "<p>Liên kết này đã hết hạn hoặc không đúng. \
             Nếu cần, anh/chị vui lòng liên hệ cán bộ xã.</p>"
                .to_owned(),
        ),
    };
    (
        status,
        Html(page(title, &format!("<h1>{title}</h1>{text}"))),
    )
        .into_response()
}

fn busy(e: &AppError) -> Response {
    tracing::error!(error = ?e.code(), "check-in link failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(page(
            "Thử lại",
            "<p>Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút.</p>",
        )),
    )
        .into_response()
}

/// Shows what the link can do now (no side effect): the button only when a POST would record.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match check_ins::link_state(
        &state.db,
        &state.planning.link_key,
        &token,
        state.clock.now(),
    )
    .await
    {
        Ok(LinkState::Open) => {
            let body = "<h1>Xác nhận</h1><p>Anh/chị bấm nút dưới đây để xác nhận với cán bộ xã.</p>\
                        <form method=\"post\"><button type=\"submit\">Tôi xác nhận</button></form>";
            Html(page("Xác nhận", body)).into_response()
        }
        Ok(other) => unavailable(other),
        Err(e) => busy(&e),
    }
}

/// Records the check-in.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match check_ins::record_by_link(
        &state.db,
        &state.planning.link_key,
        &token,
        state.clock.now(),
        &state.planning.escalation_defaults,
    )
    .await
    {
        Ok(LinkOutcome::Recorded { client_id }) => {
            let mut body =
                "<h1>Cảm ơn anh/chị</h1><p>Cán bộ xã đã nhận được xác nhận của anh/chị.</p>"
                    .to_owned();
            body.push_str(&zalo_invitation(&state, client_id).await);
            Html(page("Đã xác nhận", &body)).into_response()
        }
        Ok(LinkOutcome::Unavailable(other)) => unavailable(other),
        Err(e) => busy(&e),
    }
}

/// After a check-in by link, an invitation to follow the commune's Zalo OA, for free: the
/// client's open invitation (or a new one) when an OA is configured and they do not follow it
/// yet. Empty otherwise, and when anything fails (the check-in is recorded either way). The
/// page already carries the link's secret, so showing the code adds nothing to guess.
async fn zalo_invitation(state: &AppState, client_id: uuid::Uuid) -> String {
    let settings = &state.settings.zalo_invitations;
    let now = state.clock.now();
    let found = async {
        let txn = store::db::begin_write(&state.db).await?;
        let found = zalo_invitations::for_check_in_page(&txn, client_id, settings, now).await?;
        txn.commit().await?;
        Ok::<_, sea_orm::DbErr>(found)
    }
    .await;
    match found {
        Ok(Some((invitation, follow_url))) => format!(
            "<h2>Nhận tin miễn phí qua Zalo</h2>\
             <p>Anh/chị có thể nhận tin nhắn của cán bộ xã qua Zalo, miễn phí: \
             mở <a href=\"{url}\">{url}</a>, chọn <b>Quan tâm</b>, rồi nhắn \
             <b>DK {code}</b> để đồng ý nhận tin qua Zalo. Mã dùng được đến {until}.</p>",
            url = html_escape(&follow_url),
            code = html_escape(&invitation.code),
            until = domain::messaging::format_local_date(invitation.expires_at),
        ),
        Ok(None) => String::new(),
        Err(e) => {
            tracing::warn!(error = %e, "zalo invitation on the check-in page failed");
            String::new()
        }
    }
}

/// Escapes text for HTML (the link comes from configuration, the code from our alphabet).
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
