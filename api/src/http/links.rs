//! One-tap check-in pages. GET shows a button and changes nothing (link previewers in Zalo and
//! SMS apps fetch URLs by themselves); POST records the check-in. Pages are Vietnamese, show no
//! name and no reason for the contact, and look the same for every invalid link.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::{
    schedules::check_ins::{self, LinkOutcome},
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

fn not_valid() -> Response {
    let body = "<h1>Liên kết không còn hiệu lực</h1><p>Liên kết này đã được dùng hoặc đã hết hạn. \
                Nếu cần, anh/chị vui lòng liên hệ cán bộ xã.</p>";
    (
        StatusCode::GONE,
        Html(page("Liên kết không còn hiệu lực", body)),
    )
        .into_response()
}

/// Shows the confirmation button (no side effect).
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if worker::links::verify(&state.planning.link_key, &token, state.clock.now()).is_err() {
        return not_valid();
    }
    let body = "<h1>Xác nhận</h1><p>Anh/chị bấm nút dưới đây để xác nhận với cán bộ xã.</p>\
                <form method=\"post\"><button type=\"submit\">Tôi xác nhận</button></form>";
    Html(page("Xác nhận", body)).into_response()
}

/// Records the check-in.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match check_ins::record_by_link(
        &state.db,
        &state.planning.link_key,
        &token,
        state.clock.now(),
    )
    .await
    {
        Ok(LinkOutcome::Recorded) => {
            let body = "<h1>Cảm ơn anh/chị</h1><p>Cán bộ xã đã nhận được xác nhận của anh/chị.</p>";
            Html(page("Đã xác nhận", body)).into_response()
        }
        Ok(LinkOutcome::NotValid) => not_valid(),
        Err(e) => {
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
    }
}
