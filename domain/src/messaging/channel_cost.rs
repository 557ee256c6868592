//! Cheapest likely channel first (issue 13, item 2): the plan of [`super::channel::channel_plan`]
//! reordered by what this message would cost on each channel at the prices in force.
//!
//! OA to a follower inside the interaction window is free and stays first. Between ZNS and
//! SMS the cheaper goes first; with a price missing for either, or equal prices, the default
//! order (ZNS, then SMS: ZNS is the cheaper at every price we know) stands. A person's stated
//! preference for SMS outranks cost: it is their choice, made with their consent.

use super::channel::{Channel, PreferredChannel};

/// What one message would cost on each channel, in whole đồng, at the prices in force
/// (`None`: no price set for the provider serving it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageCosts {
    /// One ZNS template message.
    pub zns: Option<i64>,
    /// The SMS: price per segment × the segments of this message's folded text.
    pub sms: Option<i64>,
}

impl MessageCosts {
    fn of(&self, channel: Channel) -> Option<i64> {
        match channel {
            Channel::ZaloZns => self.zns,
            Channel::Sms => self.sms,
            Channel::ZaloOa => Some(0),
        }
    }
}

/// `plan` with its paid channels (ZNS, SMS) in order of cost, cheapest first, each keeping
/// its place among the others; OA (free) and a preference for SMS leave the order as it is.
/// Never adds or drops a channel.
pub fn cheapest_first(
    plan: Vec<Channel>,
    preferred: Option<PreferredChannel>,
    costs: &MessageCosts,
) -> Vec<Channel> {
    if preferred == Some(PreferredChannel::Sms) {
        return plan;
    }
    let (Some(zns), Some(sms)) = (costs.zns, costs.sms) else {
        return plan;
    };
    if sms >= zns {
        return plan;
    }
    // SMS is cheaper: the paid slots are refilled with the paid channels sorted by cost.
    let mut paid: Vec<Channel> = plan
        .iter()
        .copied()
        .filter(|c| *c != Channel::ZaloOa)
        .collect();
    paid.sort_by_key(|c| costs.of(*c));
    let mut paid = paid.into_iter();
    plan.into_iter()
        .map(|c| {
            if c == Channel::ZaloOa {
                c
            } else {
                paid.next().unwrap_or(c)
            }
        })
        .collect()
}

/// What an SMS of `segments` segments costs at `per_segment`, saturating.
pub fn sms_cost(per_segment: Option<i64>, segments: usize) -> Option<i64> {
    let segments = i64::try_from(segments.max(1)).unwrap_or(i64::MAX);
    per_segment.map(|p| p.saturating_mul(segments))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Channel::*;

    const USUAL: MessageCosts = MessageCosts {
        zns: Some(300),
        sms: Some(1000),
    };

    #[test]
    fn at_the_usual_prices_zns_comes_before_sms() {
        let plan = vec![ZaloOa, ZaloZns, Sms];
        assert_eq!(cheapest_first(plan.clone(), None, &USUAL), plan);
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], Some(PreferredChannel::Zalo), &USUAL),
            [ZaloZns, Sms]
        );
    }

    #[test]
    fn when_sms_is_cheaper_it_goes_before_zns_but_after_the_free_oa() {
        let cheap_sms = MessageCosts {
            zns: Some(300),
            sms: Some(250),
        };
        assert_eq!(
            cheapest_first(vec![ZaloOa, ZaloZns, Sms], None, &cheap_sms),
            [ZaloOa, Sms, ZaloZns]
        );
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], None, &cheap_sms),
            [Sms, ZaloZns]
        );
    }

    #[test]
    fn a_two_segment_sms_can_cost_more_than_zns_at_a_low_segment_price() {
        let per_segment = Some(200);
        let one = MessageCosts {
            zns: Some(300),
            sms: sms_cost(per_segment, 1),
        };
        let two = MessageCosts {
            zns: Some(300),
            sms: sms_cost(per_segment, 2),
        };
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], None, &one),
            [Sms, ZaloZns]
        );
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], None, &two),
            [ZaloZns, Sms]
        );
        assert_eq!(sms_cost(Some(1000), 0), Some(1000));
        assert_eq!(sms_cost(None, 2), None);
    }

    #[test]
    fn unknown_or_equal_prices_and_a_preference_for_sms_keep_the_order() {
        let missing = MessageCosts {
            zns: None,
            sms: Some(1),
        };
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], None, &missing),
            [ZaloZns, Sms]
        );
        let equal = MessageCosts {
            zns: Some(500),
            sms: Some(500),
        };
        assert_eq!(
            cheapest_first(vec![ZaloZns, Sms], None, &equal),
            [ZaloZns, Sms]
        );
        let cheap_zns = MessageCosts {
            zns: Some(100),
            sms: Some(1000),
        };
        // Preference for SMS: the plan is SMS first and stays so, whatever the prices.
        assert_eq!(
            cheapest_first(
                vec![Sms, ZaloOa, ZaloZns],
                Some(PreferredChannel::Sms),
                &cheap_zns
            ),
            [Sms, ZaloOa, ZaloZns]
        );
    }

    #[test]
    fn never_adds_or_drops_a_channel() {
        let cheap_sms = MessageCosts {
            zns: Some(300),
            sms: Some(1),
        };
        assert_eq!(cheapest_first(vec![ZaloZns], None, &cheap_sms), [ZaloZns]);
        assert_eq!(cheapest_first(vec![ZaloOa], None, &cheap_sms), [ZaloOa]);
        assert_eq!(
            cheapest_first(vec![], None, &cheap_sms),
            Vec::<Channel>::new()
        );
    }
}
