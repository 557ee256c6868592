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
            .with("level", "3")
            .with("last", "08:00 thứ Hai, 30/11/2026")
            .with(
                "cases",
                "Nguyễn Văn A (AB12CD, XN K7M2QD); Trần Thị B (0FF1CE, XN M2QD7K); \
                 Lê Văn C (C0FFEE, XN Q7DK2M)",
            )
            .with("amount", "17.166.667 đ")
    }

    /// What a client actually receives: a common long-ish name, a real place,
    /// and a one-tap link on a realistic public address with a 16-character
    /// token (96 bits, as `store::links` makes them).
    pub fn realistic_vars() -> Vars {
        Vars::new()
            .with("name", "Nguyễn Thị Phương Thảo")
            .with("time", "08:00 thứ Hai, 30/11/2026")
            .with("place", "Trụ sở UBND phường Bến Thành")
            .with(
                "link",
                "https://donghanh.sotuphap-hanoi.gov.vn/c/Xq3_9kLm-P2aZ7wB",
            )
            .with("code", "AB12CD34")
            .with("case", "A1B2C3")
            .with("level", "1")
            .with("last", "08:00 thứ Hai, 30/11/2026")
            .with("cases", "Nguyễn Văn A (AB12CD, XN K7M2QD)")
            .with("amount", "1.079.200 đ")
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
        OfficerDeliveryFailed,
        OfficerEscalationAlert,
        OfficerEscalationRaised,
        OfficerEscalationDigest,
        OfficerEscalationLateCheckIn,
        LoanInstalmentReminder,
        OfficerLoanOverdue,
        OfficerClientUnreachable,
        OfficerBudgetThreshold,
        ZaloInvitation,
        ZaloLinked,
    ] {
        assert_eq!(
            TEMPLATES.iter().filter(|t| t.key == key).count(),
            1,
            "{key:?}"
        );
    }
}

#[test]
fn no_template_wording_reveals_why_in_either_form() {
    for t in TEMPLATES {
        let words = match t.audience {
            Audience::Client => FORBIDDEN_CLIENT_WORDS,
            Audience::Officer => FORBIDDEN_OFFICER_WORDS,
        };
        assert_eq!(wording_problems(t.key, t.text), Ok(vec![]), "{:?}", t.key);
        // Belt and braces: the plain and folded texts, placeholders included.
        let original = t.text.to_lowercase();
        let folded = fold_to_ascii(t.text).to_lowercase();
        for word in words {
            let word = word.to_lowercase();
            assert!(!original.contains(&word), "{:?} contains {word}", t.key);
            assert!(
                !folded.contains(&fold_to_ascii(&word)),
                "{:?} folded contains {word}",
                t.key
            );
        }
    }
}

#[test]
fn wording_check_judges_the_template_not_its_values() {
    let key = TemplateKey::CheckInPrompt;
    assert_eq!(
        wording_problems(key, "Lịch XÉT-NGHIỆM của {name} tại {link}"),
        Ok(vec!["xét nghiệm", "xet nghiem"])
    );
    // A word cannot span a placeholder: the value between is not the template's.
    assert_eq!(wording_problems(key, "Chào Công {name} An"), Ok(vec![]));
    assert_eq!(
        wording_problems(
            TemplateKey::OfficerHelpRequested,
            "{name} (hồ sơ {case}) ma tuý"
        ),
        Ok(vec!["ma túy", "ma tuy"])
    );
    assert!(matches!(
        wording_problems(key, "Chào {nickname}"),
        Err(TemplateError::UnknownPlaceholder { .. })
    ));
}

#[test]
fn names_that_contain_a_forbidden_word_are_sent_like_any_other() {
    // "An" is among the commonest given names and "Công" a common middle name.
    for name in ["Phan Công An", "Đặng Công An", "Nguyễn Văn Quản Lý"] {
        let vars = realistic_vars().with("name", name);
        for t in TEMPLATES {
            let text = render(t.key, &vars).unwrap_or_else(|e| panic!("{:?}: {e}", t.key));
            let sms = render_sms(t.key, &vars).unwrap_or_else(|e| panic!("{:?}: {e}", t.key));
            if placeholders(t.key).unwrap().contains(&"name") {
                assert!(text.contains(name), "{:?}", t.key);
                // The SMS may be the short form, which names the person by their given name.
                let given = fold_to_ascii(&given_name(name));
                assert!(
                    sms.text.contains(&fold_to_ascii(name)) || sms.text.contains(&given),
                    "{:?}",
                    t.key
                );
            }
            if t.zns_fields.is_some() {
                assert!(zns_template_data(t.key, &vars).is_ok(), "{:?}", t.key);
            }
        }
    }
}

#[test]
fn values_an_officer_types_are_checked_at_entry() {
    assert_eq!(
        check_client_value("Trụ sở Công an phường"),
        Err(RevealingWord { word: "công an" })
    );
    assert_eq!(
        check_client_value("Phòng XET NGHIEM, tầng 2"),
        Err(RevealingWord {
            word: "xét nghiệm"
        })
    );
    assert_eq!(check_client_value("Trụ sở UBND phường Bến Thành"), Ok(()));
    assert_eq!(
        check_client_value("59 Lê Thánh Tôn, phường Bến Thành"),
        Ok(())
    );
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
        "Chào Hương, anh/chị có hẹn với cán bộ xã lúc 08:00 thứ Hai, 30/11/2026 \
         tại Nhà văn hóa khu phố 3. Ngừng nhận tin: TU CHOI"
    );
    let sms = render_sms(TemplateKey::AppointmentReminder, &vars).unwrap();
    assert_eq!(
        sms.text,
        "Chao Huong, anh/chi co hen voi can bo xa luc 08:00 thu Hai, 30/11/2026 \
         tai Nha van hoa khu pho 3. Ngung nhan tin: TU CHOI"
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
            budget: 1,
            segments,
            ..
        }) => assert!(segments > 1),
        other => panic!("expected OverBudget, got {other:?}"),
    }
}

#[test]
fn every_client_template_is_one_sms_segment_with_realistic_values() {
    for t in TEMPLATES.iter().filter(|t| t.audience == Audience::Client) {
        let sms =
            render_sms(t.key, &realistic_vars()).unwrap_or_else(|e| panic!("{:?}: {e}", t.key));
        assert_eq!(
            sms.count.encoding,
            super::super::text::Encoding::Gsm7,
            "{:?}",
            t.key
        );
        assert!(
            sms.count.segments == 1 && sms.text.len() <= 160,
            "{:?} is {} characters, {} segments: {}",
            t.key,
            sms.text.len(),
            sms.count.segments,
            sms.text
        );
    }
}

#[test]
fn the_longest_accepted_name_stays_within_the_budget() {
    // PersonName allows 100 characters; a prompt for such a name must still go.
    let vars = realistic_vars().with(
        "name",
        "Nguyễn Thị Phương Thảo ".repeat(5).trim().to_owned(),
    );
    for key in all_keys() {
        assert!(render_sms(key, &vars).is_ok(), "{key:?}");
    }
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

#[test]
fn every_template_fits_its_budget_in_the_worst_case_and_budgets_are_capped() {
    for t in TEMPLATES {
        let cap = match t.audience {
            Audience::Client => MAX_CLIENT_SMS_SEGMENTS,
            Audience::Officer => MAX_SMS_SEGMENTS,
        };
        assert!(
            t.sms_segment_budget <= cap,
            "{:?} budget {}",
            t.key,
            t.sms_segment_budget
        );
        let worst = worst_case_segments(t.key, t.text, t.sms_short).unwrap();
        let sms =
            render_sms(t.key, &worst_case_vars()).unwrap_or_else(|e| panic!("{:?}: {e}", t.key));
        assert_eq!(sms.count.segments, worst, "{:?}", t.key);
        assert!(
            worst <= t.sms_segment_budget,
            "{:?}: {worst} segments: {}",
            t.key,
            sms.text
        );
        assert_eq!(
            sms.count.encoding,
            super::super::text::Encoding::Gsm7,
            "{:?}",
            t.key
        );
        assert!(
            check_custom_text(t.key, t.text, t.sms_short).is_ok(),
            "{:?}",
            t.key
        );
        if let Some(short) = t.sms_short {
            assert_eq!(wording_problems(t.key, short), Ok(vec![]), "{:?}", t.key);
        }
    }
}

#[test]
fn a_long_name_folds_to_the_short_form_with_the_given_name_in_one_segment() {
    // A real long name: the full wording would take two segments.
    let vars = realistic_vars().with("name", "Công Tằng Tôn Nữ Thị Phương Thảo Nguyên");
    let full = fold_to_ascii(&render(TemplateKey::CheckInPrompt, &vars).unwrap());
    assert_eq!(segments(&full).segments, 2, "{full}");
    let sms = render_sms(TemplateKey::CheckInPrompt, &vars).unwrap();
    assert_eq!(
        sms.text,
        "Chao Nguyen, can bo xa hoi tham: bam https://donghanh.sotuphap-hanoi.gov.vn/c/Xq3_9kLm-P2aZ7wB \
         hoac tra loi CO. Can giup: 2. Ngung: TU CHOI"
    );
    assert_eq!(
        (sms.count.segments, sms.count.encoding),
        (1, super::super::text::Encoding::Gsm7)
    );
    // A short name keeps the full wording, which already fits.
    let sms = render_sms(
        TemplateKey::CheckInPrompt,
        &realistic_vars().with("name", "Lê Văn Tư"),
    )
    .unwrap();
    assert!(sms.text.starts_with("Chao Le Van Tu, "), "{}", sms.text);
    // The appointment reminder with a long name and a long address.
    let vars = worst_case_vars();
    let sms = render_sms(TemplateKey::AppointmentReminder, &vars).unwrap();
    assert_eq!(
        sms.text,
        "Chao Khuyen, hen can bo xa 23:59 Chu nhat, 30/11/2026 tai Nha van hoa khu pho 3, \
         59 Le Thanh Ton, phuong Ben Thanh. Ngung: TU CHOI"
    );
    assert!(sms.text.len() <= 160);
}

#[test]
fn the_given_name_is_the_last_word_cut_to_a_bound() {
    assert_eq!(given_name("Nguyễn Thị Phương Thảo"), "Thảo");
    assert_eq!(given_name("  Lê   Văn Tư "), "Tư");
    assert_eq!(given_name("Mononym"), "Mononym");
    assert_eq!(given_name(""), "");
    assert_eq!(
        given_name(&"A".repeat(100)).chars().count(),
        GIVEN_NAME_MAX_CHARS
    );
}

#[test]
fn a_custom_text_over_its_budget_or_revealing_is_refused_naming_the_segments() {
    let key = TemplateKey::CheckInPrompt;
    let long = "Chào {name}, cán bộ xã gửi lời hỏi thăm anh/chị. Anh/chị vui lòng bấm vào liên kết \
                {link} hoặc trả lời CO để xác nhận, trả lời 2 nếu cần hỗ trợ. Trả lời TU CHOI để \
                ngừng nhận tin.";
    match check_custom_text(key, long, None) {
        Err(CustomTextProblem::Template(TemplateError::OverBudget {
            segments, budget, ..
        })) => assert_eq!((segments, budget), (2, 1)),
        other => panic!("expected over budget, got {other:?}"),
    }
    let e = check_custom_text(key, long, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "template CheckInPrompt needs 2 SMS segments, budget is 1"
    );
    // A short form that fits rescues it.
    assert_eq!(
        check_custom_text(
            key,
            long,
            Some("Chào {given}: bấm {link} hoặc trả lời CO. Ngừng: TU CHOI")
        ),
        Ok(())
    );
    assert!(matches!(
        check_custom_text(key, "Lịch xét nghiệm: {link}", None),
        Err(CustomTextProblem::RevealingWord(_))
    ));
    assert!(matches!(
        check_custom_text(key, "Chào {nickname}", None),
        Err(CustomTextProblem::Template(
            TemplateError::UnknownPlaceholder { .. }
        ))
    ));
}
