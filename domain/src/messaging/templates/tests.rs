use super::*;
use fixtures::*;

/// Helpers shared by the tests below.
mod fixtures {
    use super::*;

    /// Realistic, long-ish values: the budgets must hold for these.
    pub fn long_vars() -> Vars {
        Vars::new()
            .with("name", "Nguyễn Thị Phương Thảo")
            .with("time", "08:00 thứ Hai, 30/11/2026")
            .with("place", "trụ sở UBND phường Bến Thành, 59 Lê Thánh Tôn")
            .with("link", "https://dh.example.vn/c/AB12CD34")
            .with("code", "AB12CD34")
            .with("case", "79-26760-0042")
    }

    pub fn all_keys() -> Vec<TemplateKey> {
        TEMPLATES.iter().map(|t| t.key).collect()
    }
}

#[test]
fn every_key_has_exactly_one_template() {
    use TemplateKey::*;
    for key in [
        AppointmentReminder,
        CheckInPrompt,
        CheckInNudge,
        CheckInConfirmed,
        OptOutConfirmed,
        OfficerMissedCheckInAlert,
        OfficerHelpRequested,
    ] {
        assert_eq!(
            TEMPLATES.iter().filter(|t| t.key == key).count(),
            1,
            "{key:?}"
        );
    }
}

#[test]
fn client_templates_never_reveal_why_in_either_form() {
    for t in TEMPLATES.iter().filter(|t| t.audience == Audience::Client) {
        let original = t.text.to_lowercase();
        let folded = fold_to_ascii(t.text).to_lowercase();
        for word in FORBIDDEN_CLIENT_WORDS {
            let word_lower = word.to_lowercase();
            assert!(
                !original.contains(&word_lower),
                "{:?} contains {word}",
                t.key
            );
            assert!(
                !folded.contains(&fold_to_ascii(&word_lower)),
                "{:?} folded contains {word}",
                t.key
            );
        }
        assert!(forbidden_words_in(t.text, FORBIDDEN_CLIENT_WORDS).is_empty());
        let sms = render_sms(t.key, &long_vars())
            .map(|s| s.text)
            .unwrap_or_default();
        assert!(
            forbidden_words_in(&sms, FORBIDDEN_CLIENT_WORDS).is_empty(),
            "{:?}",
            t.key
        );
    }
}

#[test]
fn officer_alerts_name_no_substance_or_result() {
    for t in TEMPLATES.iter().filter(|t| t.audience == Audience::Officer) {
        let original = t.text.to_lowercase();
        let folded = fold_to_ascii(t.text).to_lowercase();
        for word in FORBIDDEN_OFFICER_WORDS {
            assert!(
                !original.contains(&word.to_lowercase()),
                "{:?} contains {word}",
                t.key
            );
            assert!(
                !folded.contains(&fold_to_ascii(word).to_lowercase()),
                "{:?}",
                t.key
            );
        }
    }
}

#[test]
fn forbidden_words_are_caught_in_any_spelling() {
    let hits = forbidden_words_in(
        "Lịch XÉT-NGHIỆM tại Công  An phường",
        FORBIDDEN_CLIENT_WORDS,
    );
    assert!(
        hits.contains(&"xét nghiệm") && hits.contains(&"công an"),
        "{hits:?}"
    );
    assert!(forbidden_words_in("MA TUÝ", FORBIDDEN_CLIENT_WORDS).contains(&"ma túy"));
    assert!(forbidden_words_in("Nhà văn hóa khu phố 3", FORBIDDEN_CLIENT_WORDS).is_empty());
}

#[test]
fn renders_appointment_reminder() {
    let vars = Vars::new()
        .with("name", "Hương")
        .with("time", "08:00 thứ Hai, 30/11/2026")
        .with("place", "Nhà văn hóa khu phố 3");
    assert_eq!(
        render(TemplateKey::AppointmentReminder, &vars).unwrap(),
        "Chào anh/chị Hương, anh/chị có lịch hẹn với cán bộ xã lúc 08:00 thứ Hai, 30/11/2026 \
         tại Nhà văn hóa khu phố 3. Trả lời TU CHOI để ngừng nhận tin."
    );
    let sms = render_sms(TemplateKey::AppointmentReminder, &vars).unwrap();
    assert_eq!(
        sms.text,
        "Chao anh/chi Huong, anh/chi co lich hen voi can bo xa luc 08:00 thu Hai, 30/11/2026 \
         tai Nha van hoa khu pho 3. Tra loi TU CHOI de ngung nhan tin."
    );
    assert_eq!(sms.count.encoding, super::super::text::Encoding::Gsm7);
    assert_eq!(sms.count.segments, 1);
}

#[test]
fn every_template_renders_within_budget_for_long_values() {
    for key in all_keys() {
        let sms = render_sms(key, &long_vars()).unwrap_or_else(|e| panic!("{key:?}: {e}"));
        assert!(sms.text.is_ascii());
        assert!(render(key, &long_vars()).is_ok());
    }
}

#[test]
fn missing_variable_is_an_error() {
    let vars = Vars::new().with("name", "Hương");
    assert_eq!(
        render(TemplateKey::AppointmentReminder, &vars),
        Err(TemplateError::MissingVariable {
            template: TemplateKey::AppointmentReminder,
            name: "time".into()
        })
    );
}

#[test]
fn unknown_placeholder_and_bad_braces_are_errors() {
    let key = TemplateKey::CheckInConfirmed;
    let mut seen = Vec::new();
    let err = scan(key, "Chào {nickname}", |_| Ok(())).unwrap_err();
    assert_eq!(
        err,
        TemplateError::UnknownPlaceholder {
            template: key,
            name: "nickname".into()
        }
    );
    for bad in ["Chào {name", "Chào name}", "Chào {na{me}"] {
        assert_eq!(
            scan(key, bad, |_| Ok(())),
            Err(TemplateError::Malformed { template: key })
        );
    }
    scan(key, "{name}{time}", |p| {
        if let Piece::Placeholder(n) = p {
            seen.push(n);
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, ["name", "time"]);
}

#[test]
fn all_template_texts_use_known_placeholders_only() {
    for key in all_keys() {
        assert!(placeholders(key).is_ok(), "{key:?}");
    }
}

#[test]
fn over_budget_is_an_error_at_render_time() {
    let vars = long_vars().with("place", "khu phố ".repeat(40));
    match render_sms(TemplateKey::AppointmentReminder, &vars) {
        Err(TemplateError::OverBudget {
            budget: 2,
            segments,
            ..
        }) => assert!(segments > 2),
        other => panic!("expected OverBudget, got {other:?}"),
    }
}

#[test]
fn a_place_that_reveals_the_reason_is_refused() {
    let vars = long_vars().with("place", "trụ sở Công an phường");
    assert_eq!(
        render(TemplateKey::AppointmentReminder, &vars),
        Err(TemplateError::ForbiddenWord {
            template: TemplateKey::AppointmentReminder,
            word: "công an"
        })
    );
    assert!(matches!(
        zns_template_data(TemplateKey::AppointmentReminder, &vars),
        Err(TemplateError::ForbiddenWord { .. })
    ));
}

#[test]
fn zns_fields_cover_every_placeholder_of_client_templates() {
    for t in TEMPLATES {
        match (t.audience, t.zns_fields) {
            (Audience::Client, Some(fields)) => {
                let mut mapped: Vec<_> = fields.iter().map(|f| f.placeholder).collect();
                let mut used = placeholders(t.key).unwrap();
                mapped.sort_unstable();
                used.sort_unstable();
                used.dedup();
                assert_eq!(mapped, used, "{:?}", t.key);
            }
            (Audience::Client, None) => panic!("{:?} must be sendable by ZNS", t.key),
            (Audience::Officer, fields) => assert!(fields.is_none(), "{:?}", t.key),
        }
    }
}

#[test]
fn zns_template_data_uses_zalo_field_names() {
    let data = zns_template_data(TemplateKey::CheckInPrompt, &long_vars()).unwrap();
    assert_eq!(
        Value::Object(data),
        serde_json::json!({
            "customer_name": "Nguyễn Thị Phương Thảo",
            "confirm_link": "https://dh.example.vn/c/AB12CD34"
        })
    );
    assert_eq!(
        zns_template_data(TemplateKey::OfficerHelpRequested, &long_vars()),
        Err(TemplateError::NotOnZns(TemplateKey::OfficerHelpRequested))
    );
}

#[test]
fn vars_debug_hides_values() {
    let shown = format!("{:?}", Vars::new().with("name", "Nguyễn Văn A"));
    assert_eq!(shown, "{\"name\"}");
}

#[test]
fn template_keys_round_trip_through_their_stored_form() {
    for key in TemplateKey::ALL {
        assert_eq!(TemplateKey::from_stored(key.as_str()), Some(key));
        assert_eq!(
            serde_json::to_value(key).unwrap(),
            serde_json::Value::String(key.as_str().into())
        );
    }
}
