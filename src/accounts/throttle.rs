//! Sign-in throttling: how long the next attempt must wait, given the
//! recent failures counted for the account typed and for the address the
//! attempt comes from.
//!
//! Each key (an account name as typed, an address) has a count of failures
//! and the time of the last one ([`Failures`]). The wait after `n` failures
//! is nothing for the first few (a mistyped password costs nothing), then
//! 1 s, doubling with each failure, capped at [`MAX_DELAY_SECS`]; it runs
//! from the last failure. A key whose last failure is older than
//! [`WINDOW_SECS`] starts again from nothing. An address allows more free
//! failures than an account: many people may share one address.
//!
//! Invariants:
//! - Never a lock-out: whatever anyone does, the wait is at most
//!   [`MAX_DELAY_SECS`], after which the right password works.
//! - An unknown account and a wrong password count the same, under the
//!   name as typed ([`account_key`]), so the throttle tells nothing about
//!   which accounts exist.
//! - An attempt refused for waiting is not a failure: it neither counts
//!   nor moves the wait.
//! - IPv6 addresses are counted per /64 (one subscriber's block), IPv4
//!   addresses singly.

use crate::clock::Timestamp;
use std::net::IpAddr;
use std::time::Duration;

/// The longest wait, in seconds.
pub const MAX_DELAY_SECS: i64 = 30;
/// Failures are forgotten this long after a key's last failure (seconds).
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures an account may have before attempts wait.
pub const FREE_ACCOUNT_FAILURES: u32 = 3;
/// Failures an address may have before attempts wait.
pub const FREE_ADDRESS_FAILURES: u32 = 10;
/// The longest account name a key keeps (longer texts are cut: they name
/// no account anyway).
const MAX_KEY_NAME: usize = 128;

/// Recent failures under one key, as the store counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// Failures since the count last started.
    pub count: u32,
    /// The last one.
    pub last: Timestamp,
}

/// The throttle key of an account name as typed (known or not).
pub fn account_key(typed: &str) -> String {
    let folded: String = typed
        .trim()
        .chars()
        .take(MAX_KEY_NAME)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("account:{folded}")
}

/// The throttle key of an address (an IPv6 address's /64).
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("address:{v4}"),
            None => {
                let s = v6.segments();
                format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Whether a key is an account's (else an address's).
fn is_account(key: &str) -> bool {
    key.starts_with("account:")
}

/// The wait after `count` failures, for an account or an address key.
pub fn delay_after(count: u32, account: bool) -> Duration {
    let free = if account {
        FREE_ACCOUNT_FAILURES
    } else {
        FREE_ADDRESS_FAILURES
    };
    if count <= free {
        return Duration::ZERO;
    }
    let doublings = (count - free - 1).min(16);
    let secs = (1i64 << doublings).min(MAX_DELAY_SECS);
    Duration::from_secs(secs as u64)
}

/// When failures recorded before this instant start the count again (the
/// store's `stale_before` when it records a failure at `now`).
pub fn stale_before(now: Timestamp) -> Timestamp {
    now.plus_seconds(-WINDOW_SECS)
}

/// How long an attempt at `now` must still wait, given each key's recent
/// failures (`None`: may try now).
pub fn wait(keys: &[(&str, Option<Failures>)], now: Timestamp) -> Option<Duration> {
    keys.iter()
        .filter_map(|(key, failures)| {
            let f = (*failures)?;
            if f.last < stale_before(now) {
                return None;
            }
            let delay = delay_after(f.count, is_account(key)).as_secs() as i64;
            let remaining = f.last.unix() + delay - now.unix();
            (remaining > 0).then(|| Duration::from_secs(remaining as u64))
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::parse("2030-01-01T00:00:00Z")
            .unwrap()
            .plus_seconds(secs)
    }

    #[test]
    fn the_delay_grows_and_is_capped() {
        let delays: Vec<u64> = (0..=20).map(|n| delay_after(n, true).as_secs()).collect();
        assert_eq!(&delays[..10], &[0, 0, 0, 0, 1, 2, 4, 8, 16, 30]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert!(delays.iter().all(|d| *d <= MAX_DELAY_SECS as u64));
        assert_eq!(delay_after(u32::MAX, true).as_secs(), 30);
        assert_eq!(delay_after(10, false), Duration::ZERO);
        assert_eq!(delay_after(11, false).as_secs(), 1);
    }

    #[test]
    fn the_wait_runs_from_the_last_failure_and_is_forgotten() {
        let key = account_key("Ann");
        let f = Failures {
            count: 6,
            last: at(0),
        };
        assert_eq!(
            wait(&[(&key, Some(f))], at(1)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(wait(&[(&key, Some(f))], at(4)), None);
        assert_eq!(wait(&[(&key, None)], at(0)), None);
        // The longest of the keys' waits.
        let address = address_key("192.0.2.1".parse().unwrap());
        let g = Failures {
            count: 15,
            last: at(0),
        };
        assert_eq!(
            wait(&[(&key, Some(f)), (&address, Some(g))], at(1)),
            Some(Duration::from_secs(15))
        );
        // Stale failures start again.
        let old = Failures {
            count: 50,
            last: at(-WINDOW_SECS - 1),
        };
        assert_eq!(wait(&[(&key, Some(old))], at(0)), None);
    }

    #[test]
    fn keys_fold_names_and_group_ipv6() {
        assert_eq!(account_key(" Ann "), "account:ann");
        assert_eq!(account_key("nobody"), "account:nobody");
        assert_eq!(account_key(&"x".repeat(500)).len(), 8 + 128);
        assert_eq!(
            address_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "address:2001:db8:1:2::/64"
        );
        assert_eq!(
            address_key("::ffff:192.0.2.1".parse().unwrap()),
            "address:192.0.2.1"
        );
    }
}
