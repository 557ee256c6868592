//! Acknowledgement links of escalation alerts (`/e/<token>`): one per escalation and officer.
//! GET shows what a POST would do and changes nothing (link previewers fetch URLs by
//! themselves); POST acknowledges in the officer's name. Pages are Vietnamese and name no
//! client: a forwarded link reveals nothing.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use domain::escalation::{AckMethod, EscalationStatus};
use entities::escalation;
use sea_orm::EntityTrait;
use store::escalation::{OwnershipError, credentials};

use crate::startup::AppState;

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;font-size:1.2rem}}\
         button{{font-size:1.3rem;padding:.8rem 1.6rem;width:100%}}</style></head><body>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn invalid() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Liên kết không hợp lệ",
        "<h1>Liên kết không hợp lệ</h1><p>Vui lòng mở hồ sơ trên ứng dụng Đồng Hành.</p>",
    )
}

fn busy() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Thử lại",
        "<p>Hệ thống đang bận, vui lòng thử lại sau ít phút.</p>",
    )
}

fn settled(status: EscalationStatus) -> Response {
    let text = match status {
        EscalationStatus::Resolved => {
            "<h1>Hồ sơ đã đóng</h1><p>Trường hợp này đã được xử lý xong.</p>"
        }
        _ => "<h1>Đã có người nhận</h1><p>Trường hợp này đã có cán bộ nhận xử lý.</p>",
    };
    page(StatusCode::OK, "Đã xử lý", text)
}

/// Shows the button while the escalation is open.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let found = match credentials::resolve_link(&state.db, &token).await {
        Ok(Some((id, _))) => escalation::Entity::find_by_id(id).one(&state.db).await,
        Ok(None) => return invalid(),
        Err(_) => return busy(),
    };
    match found {
        Ok(Some(e)) => match EscalationStatus::from_stored(&e.status) {
            Some(EscalationStatus::Open) => page(
                StatusCode::OK,
                "Nhận xử lý",
                "<h1>Nhận xử lý</h1><p>Bấm nút dưới đây để nhận xử lý trường hợp này; \
                 cảnh báo sẽ dừng chuyển lên cấp trên.</p>\
                 <form method=\"post\"><button type=\"submit\">Tôi nhận xử lý</button></form>",
            ),
            Some(other) => settled(other),
            None => invalid(),
        },
        Ok(None) => invalid(),
        Err(_) => busy(),
    }
}

/// Acknowledges in the name of the officer the link was sent to.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let now = state.clock.now();
    let Ok(txn) = store::db::begin_write(&state.db).await else {
        return busy();
    };
    let (id, officer) = match credentials::resolve_link(&txn, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return invalid(),
        Err(_) => return busy(),
    };
    match store::escalation::acknowledge(&txn, id, officer, AckMethod::Link, now).await {
        Ok(_) => {
            if txn.commit().await.is_err() {
                return busy();
            }
            page(
                StatusCode::OK,
                "Đã nhận",
                "<h1>Đã nhận xử lý</h1><p>Vui lòng liên hệ và cập nhật kết quả trên ứng dụng.</p>",
            )
        }
        Err(OwnershipError::Lifecycle(e)) => settled(match e {
            domain::escalation::LifecycleError::AlreadyResolved => EscalationStatus::Resolved,
            domain::escalation::LifecycleError::AlreadyAcknowledged => {
                EscalationStatus::Acknowledged
            }
        }),
        Err(OwnershipError::NotFound) => invalid(),
        Err(OwnershipError::Db(_)) => busy(),
    }
}
