use super::*;
use PlacementStatus::*;

fn allowed(kind: PlacementKind) -> Vec<(PlacementStatus, PlacementStatus)> {
    match kind {
        PlacementKind::Training => vec![
            (Referred, Enrolled),
            (Enrolled, Completed),
            (Enrolled, DroppedOut),
        ],
        PlacementKind::Job => vec![
            (Referred, Interviewed),
            (Interviewed, Hired),
            (Interviewed, NotHired),
            (Hired, Employed),
            (Employed, Ended),
        ],
    }
}

#[test]
fn every_allowed_transition_succeeds_and_every_other_is_refused() {
    for kind in PlacementKind::ALL {
        let allowed = allowed(kind);
        for from in kind.statuses().iter().copied() {
            for to in PlacementStatus::ALL {
                let result = transition(kind, from, to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(to), "{kind:?} {from:?} -> {to:?}");
                } else {
                    assert!(
                        result.is_err(),
                        "{kind:?} {from:?} -> {to:?} must be refused"
                    );
                }
            }
        }
    }
}

#[test]
fn the_error_names_the_broken_rule() {
    assert_eq!(
        transition(PlacementKind::Training, Referred, Hired),
        Err(PlacementTransitionError::WrongKind {
            kind: "training",
            status: "hired"
        })
    );
    assert_eq!(
        transition(PlacementKind::Job, NotHired, Employed),
        Err(PlacementTransitionError::AlreadyFinal("not_hired"))
    );
    assert_eq!(
        transition(PlacementKind::Job, Referred, Hired),
        Err(PlacementTransitionError::NotAllowed {
            from: "referred",
            to: "hired"
        })
    );
    assert_eq!(
        transition(PlacementKind::Training, Enrolled, Referred),
        Err(PlacementTransitionError::NotAllowed {
            from: "enrolled",
            to: "referred"
        })
    );
}

#[test]
fn final_statuses_have_no_next_status() {
    for kind in PlacementKind::ALL {
        for status in kind.statuses() {
            assert_eq!(status.is_final(), next_statuses(kind, *status).is_empty());
        }
    }
}

#[test]
fn stored_forms_round_trip() {
    for s in PlacementStatus::ALL {
        assert_eq!(PlacementStatus::from_stored(s.as_str()), Some(s));
    }
    for k in PlacementKind::ALL {
        assert_eq!(PlacementKind::from_stored(k.as_str()), Some(k));
    }
    assert_eq!(PlacementStatus::from_stored("fired"), None);
}

#[test]
fn a_placement_cannot_end_before_it_starts() {
    let d = |day| NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
    assert_eq!(check_dates(Some(d(1)), Some(d(1))), Ok(()));
    assert_eq!(check_dates(Some(d(1)), None), Ok(()));
    assert_eq!(check_dates(None, None), Ok(()));
    assert_eq!(
        check_dates(Some(d(2)), Some(d(1))),
        Err(PlacementDatesError::EndsBeforeStart {
            start: d(2),
            end: d(1)
        })
    );
    assert_eq!(
        check_dates(None, Some(d(1))),
        Err(PlacementDatesError::EndWithoutStart)
    );
}

#[test]
fn only_enrolling_and_being_hired_take_a_seat() {
    let mut taking = Vec::new();
    for kind in PlacementKind::ALL {
        for (from, to) in allowed(kind) {
            if takes_seat(from, to) {
                taking.push((from, to));
            }
        }
    }
    assert_eq!(taking, vec![(Referred, Enrolled), (Interviewed, Hired)]);
}

#[test]
fn leaving_frees_the_seat_but_completing_keeps_it() {
    assert!(Enrolled.holds_seat() && Completed.holds_seat());
    assert!(!DroppedOut.holds_seat());
    assert!(Hired.holds_seat() && Employed.holds_seat());
    assert!(!NotHired.holds_seat() && !Ended.holds_seat());
    assert!(!Referred.holds_seat() && !Interviewed.holds_seat());
}

#[test]
fn a_seat_is_free_only_below_the_number_of_seats() {
    assert!(seat_free(2, 0));
    assert!(seat_free(2, 1));
    assert!(!seat_free(2, 2));
    assert!(!seat_free(2, 3));
    assert!(!seat_free(0, 0));
    assert!(!seat_free(-1, 0));
}
