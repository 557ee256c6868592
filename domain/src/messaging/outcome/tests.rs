use super::*;
use chrono::TimeZone;

/// 10:00 local on a weekday.
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap()
}

fn zns(code: i64) -> OutcomeClass {
    let body = format!(r#"{{"error": {code}, "message": "whatever 0912345678"}}"#);
    classify_zns(200, &body, None, morning())
}

fn esms(code: &str) -> OutcomeClass {
    classify_esms(
        200,
        &format!(r#"{{"CodeResult": "{code}", "SMSID": "s-1"}}"#),
        None,
    )
}

#[test]
fn zns_success_is_accepted_with_msg_id() {
    let body =
        r#"{"error":0,"message":"Success","data":{"msg_id":"abc123","sent_time":"1","quota":{}}}"#;
    assert_eq!(
        classify_zns(200, body, None, morning()),
        OutcomeClass::Accepted {
            provider_id: "abc123".into()
        }
    );
}

#[test]
fn zns_errors_inside_http_200_follow_the_table() {
    assert_eq!(zns(-124), OutcomeClass::AuthExpired);
    for c in [-118, -114, -119, -139, -141] {
        assert!(
            matches!(zns(c), OutcomeClass::RecipientUnreachable { .. }),
            "{c}"
        );
    }
    for c in [-115, -144, -147] {
        assert!(
            matches!(
                zns(c),
                OutcomeClass::Reschedule {
                    retry_after: None,
                    ..
                }
            ),
            "{c}"
        );
    }
    for c in [-131, -135, -136, -137] {
        assert!(
            matches!(zns(c), OutcomeClass::ChannelUnavailable { .. }),
            "{c}"
        );
    }
    for c in [-108, -1121, -1122] {
        assert!(matches!(zns(c), OutcomeClass::Permanent { .. }), "{c}");
    }
    assert!(matches!(zns(-100), OutcomeClass::Retryable { .. }));
    // Unknown: permanent, because ZNS does not deduplicate.
    assert!(matches!(zns(-9999), OutcomeClass::Permanent { .. }));
}

#[test]
fn reasons_never_echo_the_provider_message() {
    for c in [-118, -108, -9999] {
        let text = format!("{:?}", zns(c));
        assert!(
            !text.contains("0912345678") && !text.contains("whatever"),
            "{text}"
        );
    }
}

#[test]
fn zns_night_refusal_waits_until_six_local() {
    let body = r#"{"error":-133,"message":"night"}"#;
    // 23:00 local → 7 hours; 05:30 local → 30 minutes.
    let at_23 = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
    let at_0530 = Utc.with_ymd_and_hms(2026, 11, 29, 22, 30, 0).unwrap();
    for (now, secs) in [(at_23, 7 * 3600), (at_0530, 30 * 60)] {
        match classify_zns(200, body, None, now) {
            OutcomeClass::Reschedule { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(secs)));
            }
            other => panic!("{other:?}"),
        }
    }
    // Our clock says 21:50 while Zalo's says night: next 06:00, 8h10m away.
    let at_2150 = Utc.with_ymd_and_hms(2026, 11, 30, 14, 50, 0).unwrap();
    assert_eq!(
        classify_zns(200, body, None, at_2150),
        OutcomeClass::Reschedule {
            retry_after: Some(Duration::from_secs(8 * 3600 + 600)),
            reason: "zns -133: zns refuses to send at night".into()
        }
    );
    // Our clock says 06:01: Zalo lags by a minute, retry in five.
    let at_0601 = Utc.with_ymd_and_hms(2026, 11, 29, 23, 1, 0).unwrap();
    assert!(matches!(
        classify_zns(200, body, None, at_0601),
        OutcomeClass::Reschedule { retry_after: Some(d), .. } if d == Duration::from_secs(300)
    ));
}

#[test]
fn http_statuses() {
    let retry = Some(Duration::from_secs(30));
    assert!(matches!(
        classify_zns(429, "", retry, morning()),
        OutcomeClass::Reschedule { retry_after, .. } if retry_after == retry
    ));
    for status in [500, 502, 503, 504] {
        assert!(matches!(
            classify_zns(status, "", None, morning()),
            OutcomeClass::Retryable { .. }
        ));
        assert!(matches!(
            classify_esms(status, "", None),
            OutcomeClass::Retryable { .. }
        ));
    }
    assert_eq!(classify_zalo_oa(401, "", None), OutcomeClass::AuthExpired);
    assert!(matches!(
        classify_esms(401, "", None),
        OutcomeClass::ChannelUnavailable { .. }
    ));
    assert!(matches!(
        classify_esms(400, "", None),
        OutcomeClass::Permanent { .. }
    ));
}

#[test]
fn unparseable_body_on_200_is_ambiguous() {
    for body in ["", "<html>gateway</html>", "{}", r#"{"error":"x"}"#] {
        assert!(matches!(
            classify_zns(200, body, None, morning()),
            OutcomeClass::Ambiguous { .. }
        ));
        assert!(matches!(
            classify_zalo_oa(200, body, None),
            OutcomeClass::Ambiguous { .. }
        ));
        assert!(matches!(
            classify_esms(200, body, None),
            OutcomeClass::Ambiguous { .. }
        ));
    }
    // Success without an id cannot be tracked: reconcile rather than resend.
    assert!(matches!(zns(0), OutcomeClass::Ambiguous { .. }));
}

#[test]
fn zalo_oa_codes() {
    let ok = r#"{"error":0,"message":"Success","data":{"message_id":"m-9","user_id":"u"}}"#;
    assert_eq!(
        classify_zalo_oa(200, ok, None),
        OutcomeClass::Accepted {
            provider_id: "m-9".into()
        }
    );
    assert!(matches!(
        classify_zalo_oa(200, r#"{"error":-230,"message":"x"}"#, None),
        OutcomeClass::RecipientUnreachable { .. }
    ));
    assert_eq!(
        classify_zalo_oa(200, r#"{"error":-124}"#, None),
        OutcomeClass::AuthExpired
    );
    assert!(matches!(
        classify_zalo_oa(200, r#"{"error":-7}"#, None),
        OutcomeClass::Permanent { .. }
    ));
}

#[test]
fn esms_codes() {
    assert_eq!(
        esms("100"),
        OutcomeClass::Accepted {
            provider_id: "s-1".into()
        }
    );
    assert_eq!(
        classify_esms(200, r#"{"CodeResult":100,"SMSID":778899}"#, None),
        OutcomeClass::Accepted {
            provider_id: "778899".into()
        }
    );
    assert_eq!(
        esms("124"),
        OutcomeClass::Duplicate {
            provider_id: Some("s-1".into())
        }
    );
    assert_eq!(
        classify_esms(200, r#"{"CodeResult":"124"}"#, None),
        OutcomeClass::Duplicate { provider_id: None }
    );
    for c in ["101", "103", "104", "140", "146"] {
        assert!(
            matches!(esms(c), OutcomeClass::ChannelUnavailable { .. }),
            "{c}"
        );
    }
    assert!(matches!(esms("108"), OutcomeClass::Permanent { .. }));
    // Unknown: retryable, because RequestId makes a retry safe.
    assert!(matches!(esms("99"), OutcomeClass::Retryable { .. }));
    assert!(matches!(
        classify_esms(200, r#"{"CodeResult":"100"}"#, None),
        OutcomeClass::Ambiguous { .. }
    ));
}

#[test]
fn transport_errors() {
    assert!(matches!(
        classify_transport_error(false),
        OutcomeClass::Retryable { .. }
    ));
    assert!(matches!(
        classify_transport_error(true),
        OutcomeClass::Ambiguous { .. }
    ));
}

#[test]
fn retry_after_header() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 8, 49, 0).unwrap();
    assert_eq!(
        parse_retry_after(" 120 ", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("Mon, 30 Nov 2026 08:49:37 GMT", now),
        Some(Duration::from_secs(37))
    );
    assert_eq!(
        parse_retry_after("Mon, 30 Nov 2026 08:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn every_attempt_outcome_has_its_own_stored_name_and_reads_back() {
    let names: Vec<&str> = AttemptOutcome::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(
        names,
        [
            "accepted",
            "duplicate",
            "auth_expired",
            "retryable",
            "reschedule",
            "recipient_unreachable",
            "channel_unavailable",
            "permanent",
            "ambiguous",
            "in_flight",
        ]
    );
    for o in AttemptOutcome::ALL {
        assert_eq!(AttemptOutcome::from_stored(o.as_str()), Some(o));
    }
    assert_eq!(AttemptOutcome::from_stored("sent"), None);
}

#[test]
fn decisions_have_stored_names_of_their_own_that_no_attempt_outcome_uses() {
    let names: Vec<&str> = DecisionOutcome::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(names, ["expired", "fallback"]);
    for d in DecisionOutcome::ALL {
        assert_eq!(DecisionOutcome::from_stored(d.as_str()), Some(d));
        assert_eq!(AttemptOutcome::from_stored(d.as_str()), None);
    }
    assert_eq!(DecisionOutcome::from_stored("accepted"), None);
}

#[test]
fn only_answers_that_may_have_reached_the_person_are_confirmed_by_a_receipt() {
    let reached: Vec<AttemptOutcome> = AttemptOutcome::ALL
        .into_iter()
        .filter(|o| o.may_have_reached())
        .collect();
    assert_eq!(
        reached,
        [
            AttemptOutcome::Accepted,
            AttemptOutcome::Duplicate,
            AttemptOutcome::Ambiguous,
            AttemptOutcome::InFlight,
        ]
    );
}

#[test]
fn each_class_is_stored_under_its_outcome() {
    let reason = || "r".to_owned();
    let cases = [
        (
            OutcomeClass::Accepted {
                provider_id: "p".into(),
            },
            AttemptOutcome::Accepted,
        ),
        (OutcomeClass::AuthExpired, AttemptOutcome::AuthExpired),
        (
            OutcomeClass::Retryable { reason: reason() },
            AttemptOutcome::Retryable,
        ),
        (
            OutcomeClass::Reschedule {
                retry_after: None,
                reason: reason(),
            },
            AttemptOutcome::Reschedule,
        ),
        (
            OutcomeClass::RecipientUnreachable { reason: reason() },
            AttemptOutcome::RecipientUnreachable,
        ),
        (
            OutcomeClass::ChannelUnavailable { reason: reason() },
            AttemptOutcome::ChannelUnavailable,
        ),
        (
            OutcomeClass::Permanent { reason: reason() },
            AttemptOutcome::Permanent,
        ),
        (
            OutcomeClass::Ambiguous { reason: reason() },
            AttemptOutcome::Ambiguous,
        ),
        (
            OutcomeClass::Duplicate { provider_id: None },
            AttemptOutcome::Duplicate,
        ),
    ];
    for (class, outcome) in cases {
        assert_eq!(class.outcome(), outcome, "{class:?}");
    }
    assert_eq!(OutcomeClass::AuthExpired.reason(), "access token expired");
    assert_eq!(OutcomeClass::Duplicate { provider_id: None }.reason(), "");
}
