//! Vietnamese message templates, kept as data, and their rendering.
//!
//! Texts are written once with diacritics (Zalo shows them as written); the
//! SMS variant folds them to ASCII and must fit a segment budget. A phone
//! screen is read by family, employers and neighbours, so no client message
//! may say why the person is contacted: the fixed wording of every template is
//! checked against [`FORBIDDEN_CLIENT_WORDS`] by a unit test (templates are
//! bundled, never edited at run time), and values an officer types into a
//! client message (an appointment's place) are checked when they are entered,
//! with [`check_client_value`]. Rendering never checks words: a person's name
//! ("Phan Công An") or a street name is not the template speaking, and a
//! message dropped at send time reaches nobody.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::text::{SegmentCount, fold_to_ascii, segments};

/// Every message the product sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKey {
    /// Reminder of an appointment with the commune officer.
    AppointmentReminder,
    /// Periodic request to confirm the person is reachable and well.
    CheckInPrompt,
    /// Second request when a check-in prompt went unanswered.
    CheckInNudge,
    /// Thanks for a check-in.
    CheckInConfirmed,
    /// Sent once when a person opts out, saying how to opt back in.
    OptOutConfirmed,
    /// Tells the officer in charge that a client missed a check-in.
    OfficerMissedCheckInAlert,
    /// Tells the officer in charge that a client asked for help.
    OfficerHelpRequested,
    /// Tells the officer in charge that a message to a client could not be delivered.
    OfficerDeliveryFailed,
    /// Escalation alert to one level of a commune's chain (issue 11).
    OfficerEscalationAlert,
    /// Tells an earlier level that nobody took the escalation and it moved up.
    OfficerEscalationRaised,
    /// One message for an officer who has several escalation alerts at once.
    OfficerEscalationDigest,
    /// Tells the owner of an escalation that the client checked in late.
    OfficerEscalationLateCheckIn,
    /// Reminds a client of a loan instalment falling due.
    LoanInstalmentReminder,
    /// Tells the case officer that a client's loan instalment is past due.
    OfficerLoanOverdue,
    /// Tells the case officers that no message reaches a client any more (once per episode).
    OfficerClientUnreachable,
    /// Tells a commune's officers that 80 % of the month's messaging budget is spent.
    OfficerBudgetThreshold,
    /// Invites a client who consented to Zalo to follow the commune's OA (free messages), with
    /// the code that ties their Zalo account to them.
    ZaloInvitation,
    /// Tells a client their Zalo account is linked: messages now come by the OA.
    ZaloLinked,
}

impl TemplateKey {
    /// Every key.
    pub const ALL: [TemplateKey; 18] = [
        Self::AppointmentReminder,
        Self::CheckInPrompt,
        Self::CheckInNudge,
        Self::CheckInConfirmed,
        Self::OptOutConfirmed,
        Self::OfficerMissedCheckInAlert,
        Self::OfficerHelpRequested,
        Self::OfficerDeliveryFailed,
        Self::OfficerEscalationAlert,
        Self::OfficerEscalationRaised,
        Self::OfficerEscalationDigest,
        Self::OfficerEscalationLateCheckIn,
        Self::LoanInstalmentReminder,
        Self::OfficerLoanOverdue,
        Self::OfficerClientUnreachable,
        Self::OfficerBudgetThreshold,
        Self::ZaloInvitation,
        Self::ZaloLinked,
    ];

    /// Stored form (snake case, as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppointmentReminder => "appointment_reminder",
            Self::CheckInPrompt => "check_in_prompt",
            Self::CheckInNudge => "check_in_nudge",
            Self::CheckInConfirmed => "check_in_confirmed",
            Self::OptOutConfirmed => "opt_out_confirmed",
            Self::OfficerMissedCheckInAlert => "officer_missed_check_in_alert",
            Self::OfficerHelpRequested => "officer_help_requested",
            Self::OfficerDeliveryFailed => "officer_delivery_failed",
            Self::OfficerEscalationAlert => "officer_escalation_alert",
            Self::OfficerEscalationRaised => "officer_escalation_raised",
            Self::OfficerEscalationDigest => "officer_escalation_digest",
            Self::OfficerEscalationLateCheckIn => "officer_escalation_late_check_in",
            Self::LoanInstalmentReminder => "loan_instalment_reminder",
            Self::OfficerLoanOverdue => "officer_loan_overdue",
            Self::OfficerClientUnreachable => "officer_client_unreachable",
            Self::OfficerBudgetThreshold => "officer_budget_threshold",
            Self::ZaloInvitation => "zalo_invitation",
            Self::ZaloLinked => "zalo_linked",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who reads a template; decides which words are forbidden in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The supervised person; the text must not reveal why they are contacted.
    Client,
    /// A commune officer or supporter; may name the case, not substances or results.
    Officer,
}

/// Maps one placeholder to the `template_data` field of the ZNS template
/// registered with Zalo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZnsField {
    /// Placeholder name in our text, without braces.
    pub placeholder: &'static str,
    /// Parameter name in the ZNS template.
    pub field: &'static str,
}

/// One template: its text with `{placeholder}`s and its sending rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Which message this is.
    pub key: TemplateKey,
    /// Who reads it.
    pub audience: Audience,
    /// Text with diacritics, as Zalo shows it.
    pub text: &'static str,
    /// A shorter wording for SMS, used when it takes fewer segments than `text` once folded
    /// (typically the given name, `{given}`, instead of the full name, and fewer words).
    pub sms_short: Option<&'static str>,
    /// Most SMS segments the folded text may take once rendered: 1 for what a client receives,
    /// at most 2 for officers ([`MAX_CLIENT_SMS_SEGMENTS`], [`MAX_SMS_SEGMENTS`]). Checked for
    /// the worst case of every template by a unit test, and by [`check_custom_text`] for a text
    /// written at run time.
    pub sms_segment_budget: usize,
    /// ZNS parameters, or `None` when the message never goes out via ZNS.
    pub zns_fields: Option<&'static [ZnsField]>,
}

/// Placeholders a template may use. `given` is the person's given name, derived from `name`
/// when not set (see [`given_name`]).
pub const KNOWN_PLACEHOLDERS: &[&str] = &[
    "name", "given", "time", "place", "link", "code", "case", "level", "last", "cases", "amount",
];

/// SMS budget of any client template: one GSM-7 segment (160 characters).
pub const MAX_CLIENT_SMS_SEGMENTS: usize = 1;
/// SMS budget of any template: two segments (306 characters).
pub const MAX_SMS_SEGMENTS: usize = 2;

/// Longest given name put in an SMS (`{given}`): Vietnamese given names are one or two
/// syllables of at most 7 letters; a longer last word is cut, so no name can push a short
/// form past its budget.
pub const GIVEN_NAME_MAX_CHARS: usize = 12;

/// Words no client-facing text may contain, each with and without
/// diacritics (matching folds as well, so this is belt and braces).
#[rustfmt::skip]
pub const FORBIDDEN_CLIENT_WORDS: &[&str] = &[
    "ma túy", "ma tuý", "ma tuy",
    "cai nghiện", "cai nghien",
    "sau cai",
    "nghiện", "nghien",
    "tái nghiện", "tai nghien",
    "xét nghiệm", "xet nghiem",
    "methadone", "heroin",
    "công an", "cong an",
    "quản lý", "quan ly",
    "giám sát", "giam sat",
    "police", "drug", "rehab",
];

/// Words no officer alert may contain: officers may see the case, but an
/// alert on a phone still must not name a substance or a test result.
#[rustfmt::skip]
pub const FORBIDDEN_OFFICER_WORDS: &[&str] = &[
    "ma túy", "ma tuy",
    "methadone", "heroin",
    "xét nghiệm", "xet nghiem",
    "dương tính", "duong tinh",
    "âm tính",
    "drug",
];

/// Shorthand that keeps the ZNS mapping tables one line per field.
const fn zns(placeholder: &'static str, field: &'static str) -> ZnsField {
    ZnsField { placeholder, field }
}

const NAME_TIME_PLACE: &[ZnsField] = &[
    zns("name", "customer_name"),
    zns("time", "appointment_time"),
    zns("place", "location"),
];
const NAME_LINK: &[ZnsField] = &[zns("name", "customer_name"), zns("link", "confirm_link")];
const NAME_ONLY: &[ZnsField] = &[zns("name", "customer_name")];
const NAME_LINK_CODE: &[ZnsField] = &[
    zns("name", "customer_name"),
    zns("link", "follow_link"),
    zns("code", "invitation_code"),
];
const NAME_AMOUNT_DATE: &[ZnsField] = &[
    zns("name", "customer_name"),
    zns("amount", "amount"),
    zns("time", "due_date"),
];

/// All templates. Keywords the client may answer (CO, 2, TU CHOI, DONG Y)
/// are written in ASCII so the person can type exactly what they read.
///
/// Client texts are short on purpose: every client template fits one GSM-7 segment (160
/// characters) folded, with the longest realistic values ([`worst_case_vars`]) in its short
/// form, which uses the given name; officer texts fit two. A unit test pins both. An
/// appointment's place is refused at entry if the reminder would exceed its budget.
pub const TEMPLATES: &[Template] = &[
    Template {
        key: TemplateKey::AppointmentReminder,
        audience: Audience::Client,
        text: "Chào {name}, anh/chị có hẹn với cán bộ xã lúc {time} tại {place}. \
               Ngừng nhận tin: TU CHOI",
        sms_short: Some("Chào {given}, hẹn cán bộ xã {time} tại {place}. Ngừng: TU CHOI"),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_TIME_PLACE),
    },
    Template {
        key: TemplateKey::CheckInPrompt,
        audience: Audience::Client,
        text: "Chào {name}, cán bộ xã hỏi thăm: bấm {link} hoặc trả lời CO. \
               Cần giúp: 2. Ngừng: TU CHOI",
        sms_short: Some(
            "Chào {given}, cán bộ xã hỏi thăm: bấm {link} hoặc trả lời CO. Cần giúp: 2. Ngừng: TU CHOI",
        ),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_LINK),
    },
    Template {
        key: TemplateKey::CheckInNudge,
        audience: Audience::Client,
        text: "Nhắc {name}: cán bộ xã chờ tin, bấm {link} hoặc trả lời CO. \
               Cần giúp: 2. Ngừng: TU CHOI",
        sms_short: Some(
            "Nhắc {given}: cán bộ xã chờ tin, bấm {link} hoặc trả lời CO. Cần giúp: 2. Ngừng: TU CHOI",
        ),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_LINK),
    },
    Template {
        key: TemplateKey::CheckInConfirmed,
        audience: Audience::Client,
        text: "Cảm ơn anh/chị {name}, cán bộ xã đã nhận được xác nhận của anh/chị.",
        sms_short: Some("Cảm ơn {given}, cán bộ xã đã nhận được xác nhận."),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_ONLY),
    },
    Template {
        key: TemplateKey::OptOutConfirmed,
        audience: Audience::Client,
        text: "Anh/chị đã ngừng nhận tin nhắn từ cán bộ xã. \
               Trả lời DONG Y nếu muốn nhận tin trở lại.",
        sms_short: None,
        sms_segment_budget: 1,
        zns_fields: Some(&[]),
    },
    // "Trả nợ" says nothing of why the person has a loan: VBSP lends to many groups.
    Template {
        key: TemplateKey::LoanInstalmentReminder,
        audience: Audience::Client,
        text: "Chào {name}, kỳ trả nợ {amount} đến hạn ngày {time}. Ngừng nhận tin: TU CHOI",
        sms_short: Some("Chào {given}, kỳ trả nợ {amount} đến hạn {time}. Ngừng: TU CHOI"),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_AMOUNT_DATE),
    },
    // "Quan tâm" is what Zalo calls following an OA. `link` opens the OA (and is what a QR code
    // on paper carries); `code` ties the follower to this client when they send "DK <code>".
    Template {
        key: TemplateKey::ZaloInvitation,
        audience: Audience::Client,
        text: "Chào {name}, nhận tin cán bộ xã miễn phí qua Zalo: bấm {link}, chọn Quan tâm \
               rồi nhắn DK {code}. Ngừng: TU CHOI",
        sms_short: Some(
            "Chào {given}, nhận tin miễn phí qua Zalo: bấm {link}, Quan tâm rồi nhắn DK {code}. Ngừng: TU CHOI",
        ),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_LINK_CODE),
    },
    Template {
        key: TemplateKey::ZaloLinked,
        audience: Audience::Client,
        text: "Cảm ơn anh/chị {name}, từ nay cán bộ xã sẽ nhắn tin cho anh/chị qua Zalo. \
               Ngừng nhận tin: TU CHOI",
        sms_short: Some("Cảm ơn {given}, từ nay cán bộ xã nhắn tin qua Zalo. Ngừng: TU CHOI"),
        sms_segment_budget: 1,
        zns_fields: Some(NAME_ONLY),
    },
    // Officer alerts go by Zalo OA or SMS only: ZNS templates are reviewed by
    // Zalo and case wording does not belong in a third party's template store.
    Template {
        key: TemplateKey::OfficerMissedCheckInAlert,
        audience: Audience::Officer,
        text: "Đồng Hành: {name} (hồ sơ {case}) chưa xác nhận lịch hẹn lúc {time}. \
               Vui lòng liên hệ và cập nhật hồ sơ.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerHelpRequested,
        audience: Audience::Officer,
        text: "Đồng Hành: {name} (hồ sơ {case}) vừa báo cần hỗ trợ lúc {time}. \
               Vui lòng liên hệ sớm.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerDeliveryFailed,
        audience: Audience::Officer,
        text: "Đồng Hành: không gửi được tin nhắn cho {name} (hồ sơ {case}) lúc {time}. \
               Vui lòng kiểm tra số điện thoại, Zalo và liên hệ trực tiếp.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    // Escalations: `place` is the client's commune, `time` what was missed and when, `last`
    // the last successful contact, `code` the acknowledgement code, `link` the signed link.
    Template {
        key: TemplateKey::OfficerEscalationAlert,
        audience: Audience::Officer,
        text: "Đồng Hành KHẨN (cấp {level}): {name}, {place}, hồ sơ {case}, chưa điểm danh: {time}. Liên lạc được lần cuối: {last}. Nhận xử lý: trả lời XN {code} hoặc bấm {link}",
        sms_short: Some(
            "ĐH KHẨN cấp {level}: {given}, hồ sơ {case}, {place}, chưa điểm danh {time}. Liên lạc cuối {last}. Nhận: XN {code} hoặc {link}",
        ),
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerEscalationRaised,
        audience: Audience::Officer,
        text: "Đồng Hành: hồ sơ {case} ({name}) chưa có ai nhận xử lý nên đã chuyển lên cấp {level}. Vẫn có thể nhận: trả lời XN {code}",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerEscalationDigest,
        audience: Audience::Officer,
        text: "Đồng Hành KHẨN: các hồ sơ chưa điểm danh cần xử lý: {cases}. Nhận từng hồ sơ: trả lời XN kèm mã.",
        sms_short: Some("ĐH KHẨN chưa điểm danh: {cases}. Nhận: trả lời XN kèm mã."),
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerEscalationLateCheckIn,
        audience: Audience::Officer,
        text: "Đồng Hành: {name} (hồ sơ {case}) đã điểm danh muộn lúc {time}. Vui lòng cập nhật kết quả xử lý.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    Template {
        key: TemplateKey::OfficerLoanOverdue,
        audience: Audience::Officer,
        text: "Đồng Hành: {name} (hồ sơ {case}) có kỳ trả nợ vay quá hạn (ghi nhận lúc {time}). \
               Vui lòng liên hệ và cập nhật hồ sơ.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    // Reachability watch: `time` is when the client became unreachable.
    Template {
        key: TemplateKey::OfficerClientUnreachable,
        audience: Audience::Officer,
        text: "Đồng Hành: không liên lạc được với {name} (hồ sơ {case}) từ {time}, \
               tin nhắn qua mọi kênh đều không đến. Vui lòng đến gặp hoặc cập nhật số điện thoại, Zalo.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
    // Budget: `place` is the commune, `time` the month, `amount` what was spent of the budget.
    Template {
        key: TemplateKey::OfficerBudgetThreshold,
        audience: Audience::Officer,
        text: "Đồng Hành: {place} đã dùng {amount} hạn mức tin nhắn tháng {time}. \
               Khi hết hạn mức, tin SMS không khẩn sẽ chờ sang tháng sau.",
        sms_short: None,
        sms_segment_budget: 2,
        zns_fields: None,
    },
];

/// Why a template could not be rendered. Carries names only, never values,
/// so it can be logged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// The template has no entry in [`TEMPLATES`].
    #[error("template {0:?} is not defined")]
    NotDefined(TemplateKey),
    /// A placeholder has no value in the variables.
    #[error("template {template:?} needs variable `{name}`")]
    MissingVariable { template: TemplateKey, name: String },
    /// The text uses a placeholder outside [`KNOWN_PLACEHOLDERS`].
    #[error("template {template:?} uses unknown placeholder `{name}`")]
    UnknownPlaceholder { template: TemplateKey, name: String },
    /// Unbalanced braces in the template text.
    #[error("template {template:?} has unbalanced braces")]
    Malformed { template: TemplateKey },
    /// The rendered SMS would cost more segments than its budget.
    #[error("template {template:?} needs {segments} SMS segments, budget is {budget}")]
    OverBudget {
        template: TemplateKey,
        segments: usize,
        budget: usize,
    },
    /// The template is never sent through ZNS.
    #[error("template {0:?} has no ZNS template")]
    NotOnZns(TemplateKey),
}

/// Values for placeholders. `Debug` shows names only: values are personal data.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

impl Vars {
    /// Empty set of variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value, builder style.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Sets a value, replacing any previous one.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), value.into());
    }

    /// The value of a placeholder, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// An SMS body ready for the gateway, with its measured size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    /// Folded ASCII text.
    pub text: String,
    /// Encoding, units and billed segments of `text`.
    pub count: SegmentCount,
}

/// Looks a template up by key.
pub fn template(key: TemplateKey) -> Result<&'static Template, TemplateError> {
    TEMPLATES
        .iter()
        .find(|t| t.key == key)
        .ok_or(TemplateError::NotDefined(key))
}

/// Placeholder names in a template text, in order, checked against
/// [`KNOWN_PLACEHOLDERS`].
pub fn placeholders(key: TemplateKey) -> Result<Vec<&'static str>, TemplateError> {
    let mut names = Vec::new();
    scan(key, template(key)?.text, |piece| {
        if let Piece::Placeholder(name) = piece {
            names.push(name);
        }
        Ok(())
    })?;
    Ok(names)
}

/// Renders the text with diacritics (for Zalo OA). Missing variables and
/// unknown placeholders are errors; values are not checked for words (see the
/// module documentation: they are checked where they are entered).
pub fn render(key: TemplateKey, vars: &Vars) -> Result<String, TemplateError> {
    render_text(key, template(key)?.text, vars)
}

/// Renders `text` (a template's text or its short form) with `vars`.
fn render_text(key: TemplateKey, text: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len() + 64);
    scan(key, text, |piece| {
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Placeholder("given") if vars.get("given").is_none() => {
                let name = vars
                    .get("name")
                    .ok_or_else(|| TemplateError::MissingVariable {
                        template: key,
                        name: "given".to_owned(),
                    })?;
                out.push_str(&given_name(name));
            }
            Piece::Placeholder(name) => {
                out.push_str(
                    vars.get(name)
                        .ok_or_else(|| TemplateError::MissingVariable {
                            template: key,
                            name: name.to_owned(),
                        })?,
                )
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The given name in a Vietnamese full name: its last word (family name first, given name
/// last: "Nguyễn Thị Phương Thảo" → "Thảo"), cut to [`GIVEN_NAME_MAX_CHARS`].
pub fn given_name(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .chars()
        .take(GIVEN_NAME_MAX_CHARS)
        .collect()
}

/// The SMS form of a text: the full wording folded to ASCII (GSM-7), or the short form when
/// it takes fewer segments; not checked against a budget.
fn fold_best(
    key: TemplateKey,
    text: &str,
    short: Option<&str>,
    vars: &Vars,
) -> Result<SmsText, TemplateError> {
    let full = fold_to_ascii(&render_text(key, text, vars)?);
    let full = SmsText {
        count: segments(&full),
        text: full,
    };
    let Some(short) = short else {
        return Ok(full);
    };
    if full.count.segments <= 1 {
        return Ok(full);
    }
    let short = fold_to_ascii(&render_text(key, short, vars)?);
    let short = SmsText {
        count: segments(&short),
        text: short,
    };
    Ok(if short.count.segments < full.count.segments {
        short
    } else {
        full
    })
}

/// Renders the SMS variant: folded to ASCII (GSM-7), in the short form when that takes fewer
/// segments, and within the template's segment budget, so an over-long message fails here
/// instead of on the bill.
pub fn render_sms(key: TemplateKey, vars: &Vars) -> Result<SmsText, TemplateError> {
    let tpl = template(key)?;
    let sms = fold_best(key, tpl.text, tpl.sms_short, vars)?;
    if sms.count.segments > tpl.sms_segment_budget {
        return Err(TemplateError::OverBudget {
            template: key,
            segments: sms.count.segments,
            budget: tpl.sms_segment_budget,
        });
    }
    Ok(sms)
}

/// The longest realistic value of every placeholder, as the product fills them: a long
/// Vietnamese name (40 characters; the given name is cut to [`GIVEN_NAME_MAX_CHARS`] anyway),
/// the longest local time ("Chủ nhật"), a long address, a one-tap link on a public address of
/// 40 characters with its 16-character token, the largest loan instalment (200 million đồng),
/// and a full escalation digest (3 cases, names cut to 24 characters, and the rest counted).
pub fn worst_case_vars() -> Vars {
    Vars::new()
        .with("name", "Tôn Nữ Nguyễn Huỳnh Thị Phương Khuyến")
        .with("time", "23:59 Chủ nhật, 30/11/2026")
        .with(
            "place",
            "Nhà văn hóa khu phố 3, 59 Lê Thánh Tôn, phường Bến Thành",
        )
        .with(
            "link",
            "https://donghanh.sotuphap-hanoi.gov.vn/c/Xq3_9kLm-P2aZ7wB",
        )
        .with("code", "K7M2QD9X")
        .with("case", "A1B2C3")
        .with("level", "3")
        .with("last", "23:59 Chủ nhật, 30/11/2026")
        .with(
            "cases",
            "Nguyễn Huỳnh Thị Phương… (A1B2C3, XN K7M2QD); Trần Huỳnh Thị Phương K… (0FF1CE, XN \
             M2QD7K); Lê Nguyễn Huỳnh Phương T… (C0FFEE, XN Q7DK2M); và 97 hồ sơ khác",
        )
        .with("amount", "200.000.000 đ")
}

/// SMS segments a text would take in its worst case ([`worst_case_vars`]): the full wording
/// `text`, or `short` when shorter.
pub fn worst_case_segments(
    key: TemplateKey,
    text: &str,
    short: Option<&str>,
) -> Result<usize, TemplateError> {
    Ok(fold_best(key, text, short, &worst_case_vars())?
        .count
        .segments)
}

/// Checks a text written for template `key` at run time (a per-commune wording, should one be
/// saved): known placeholders only, no revealing word for its audience, and its worst case
/// within the template's SMS budget. An error names what is wrong; a caller saving the text
/// turns it into a `BAD_USER_INPUT` on the field.
pub fn check_custom_text(
    key: TemplateKey,
    text: &str,
    short: Option<&str>,
) -> Result<(), CustomTextProblem> {
    for t in std::iter::once(text).chain(short) {
        if let Some(word) = wording_problems(key, t)?.first() {
            return Err(CustomTextProblem::RevealingWord(RevealingWord { word }));
        }
    }
    let budget = template(key)?.sms_segment_budget;
    let segments = worst_case_segments(key, text, short)?;
    if segments > budget {
        return Err(CustomTextProblem::Template(TemplateError::OverBudget {
            template: key,
            segments,
            budget,
        }));
    }
    Ok(())
}

/// Why a text written at run time cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CustomTextProblem {
    /// Bad placeholders, braces, or over the SMS budget.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A word that would tell a reader why the person is contacted.
    #[error(transparent)]
    RevealingWord(RevealingWord),
}

/// Builds the ZNS `template_data` object: only the values travel, the text
/// itself is registered with Zalo.
pub fn zns_template_data(
    key: TemplateKey,
    vars: &Vars,
) -> Result<Map<String, Value>, TemplateError> {
    let tpl = template(key)?;
    let fields = tpl.zns_fields.ok_or(TemplateError::NotOnZns(key))?;
    let mut data = Map::new();
    for f in fields {
        let value = vars
            .get(f.placeholder)
            .ok_or_else(|| TemplateError::MissingVariable {
                template: key,
                name: f.placeholder.to_owned(),
            })?;
        data.insert(f.field.to_owned(), Value::String(value.to_owned()));
    }
    Ok(data)
}

/// Forbidden words (from `words`) found in `text`, matched case-insensitively
/// on the folded text with punctuation runs treated as spaces, so "MA-TUY"
/// and "ma túy" are both caught. Errs towards false positives on purpose.
pub fn forbidden_words_in(text: &str, words: &'static [&'static str]) -> Vec<&'static str> {
    let haystack = normalize_for_match(text);
    words
        .iter()
        .copied()
        .filter(|w| haystack.contains(&normalize_for_match(w)))
        .collect()
}

/// A word found in a value an officer typed that would tell whoever reads a
/// client message why the person is contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("`{word}` would tell whoever reads the message why the person is contacted")]
pub struct RevealingWord {
    /// The forbidden word, as listed in [`FORBIDDEN_CLIENT_WORDS`].
    pub word: &'static str,
}

/// Checks a value an officer types that goes into client messages (an
/// appointment's place): refused if it contains a word from
/// [`FORBIDDEN_CLIENT_WORDS`], in any spelling.
pub fn check_client_value(value: &str) -> Result<(), RevealingWord> {
    match forbidden_words_in(value, FORBIDDEN_CLIENT_WORDS).first() {
        Some(&word) => Err(RevealingWord { word }),
        None => Ok(()),
    }
}

/// Forbidden words in a template's own wording: its literal text with every
/// placeholder taken out (so that only what the template says is judged, never
/// a name or a place), checked against the list for its audience. Empty for
/// every bundled template (a unit test); a template source added later (per
/// commune, loaded from configuration) must call this when it is saved.
pub fn wording_problems(key: TemplateKey, text: &str) -> Result<Vec<&'static str>, TemplateError> {
    let words = match template(key)?.audience {
        Audience::Client => FORBIDDEN_CLIENT_WORDS,
        Audience::Officer => FORBIDDEN_OFFICER_WORDS,
    };
    // Each literal piece on its own: a word cannot span a placeholder.
    let mut found = Vec::new();
    scan(key, text, |piece| {
        if let Piece::Literal(s) = piece {
            for word in forbidden_words_in(s, words) {
                if !found.contains(&word) {
                    found.push(word);
                }
            }
        }
        Ok(())
    })?;
    Ok(found)
}

/// Lower-case folded text with every run of non-alphanumerics as one space,
/// padded with spaces at both ends.
fn normalize_for_match(text: &str) -> String {
    let folded = fold_to_ascii(&text.nfc().collect::<String>()).to_ascii_lowercase();
    let mut out = String::from(" ");
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// Splits a template text into literals and known placeholders.
fn scan<'a>(
    key: TemplateKey,
    text: &'a str,
    mut each: impl FnMut(Piece<'a>) -> Result<(), TemplateError>,
) -> Result<(), TemplateError> {
    let malformed = TemplateError::Malformed { template: key };
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        let (literal, tail) = rest.split_at(open);
        let after = tail.strip_prefix('{').ok_or_else(|| malformed.clone())?;
        let close = after.find('}').ok_or_else(|| malformed.clone())?;
        let name = &after[..close];
        if name.contains('{') {
            return Err(malformed);
        }
        if !KNOWN_PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::UnknownPlaceholder {
                template: key,
                name: name.to_owned(),
            });
        }
        each(Piece::Literal(literal))?;
        each(Piece::Placeholder(name))?;
        rest = &after[close + 1..];
    }
    each(Piece::Literal(rest))
}

// Tests live in templates/tests.rs: the template table needs many of them.
#[cfg(test)]
mod tests;
