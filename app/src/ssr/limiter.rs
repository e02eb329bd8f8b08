//! Counting requests per key in a sliding window, in memory: the one
//! mechanism behind the sign-in limit ([`LoginLimiter`](super::auth::LoginLimiter))
//! and the short-link limit ([`short_link_limiter`](super::short_link_limiter)).
//!
//! Check and count are one step under one lock, so parallel requests cannot
//! all pass the check before any is counted: of N simultaneous requests at
//! most the limit get through. Memory is bounded: expired hits are dropped
//! as keys are touched, and beyond `max_keys` keys the ones whose last hit is
//! oldest are evicted first. A restart forgets the counts; several server
//! processes count separately (documented in the README).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct WindowLimiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
    pub window: Duration,
    /// Keys kept at most.
    pub max_keys: usize,
}

impl WindowLimiter {
    pub fn new(window: Duration, max_keys: usize) -> Self {
        Self {
            hits: Mutex::new(HashMap::new()),
            window,
            max_keys,
        }
    }

    /// Counts one hit against each `(key, limit)`, all or none: `Ok(when)`,
    /// or `Err(retry_after)` when any key has used up its limit within the
    /// window (then nothing is counted).
    pub fn reserve(&self, keys: &[(&str, usize)]) -> Result<Instant, Duration> {
        let now = Instant::now();
        let Ok(mut map) = self.hits.lock() else {
            return Err(self.window);
        };
        let mut retry: Option<Duration> = None;
        for (key, limit) in keys {
            if let Some(q) = map.get_mut(*key) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > self.window)
                {
                    q.pop_front();
                }
                if q.len() >= *limit {
                    let oldest = q.front().copied().unwrap_or(now);
                    let wait = self.window.saturating_sub(now.duration_since(oldest));
                    retry = Some(retry.map_or(wait, |r| r.max(wait)));
                }
            }
        }
        if let Some(wait) = retry {
            return Err(wait);
        }
        for (key, _) in keys {
            map.entry((*key).to_string()).or_default().push_back(now);
        }
        self.bound(&mut map, now);
        Ok(now)
    }

    /// Gives back the hit counted for `key` at `at` (by [`reserve`](Self::reserve)).
    pub fn give_back(&self, key: &str, at: Instant) {
        let Ok(mut map) = self.hits.lock() else {
            return;
        };
        if let Some(q) = map.get_mut(key) {
            if let Some(i) = q.iter().rposition(|t| *t == at) {
                q.remove(i);
            }
        }
    }

    /// Forgets every hit of `key`.
    pub fn clear(&self, key: &str) {
        if let Ok(mut map) = self.hits.lock() {
            map.remove(key);
        }
    }

    /// Number of keys held (for tests and operators).
    pub fn keys_held(&self) -> usize {
        self.hits.lock().map_or(0, |m| m.len())
    }

    /// Drops expired keys, then the oldest, down to `max_keys`.
    fn bound(&self, map: &mut HashMap<String, VecDeque<Instant>>, now: Instant) {
        if map.len() <= self.max_keys {
            return;
        }
        let window = self.window;
        map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= window));
        if map.len() > self.max_keys {
            let mut by_age: Vec<(Instant, String)> = map
                .iter()
                .map(|(k, q)| (q.back().copied().unwrap_or(now), k.clone()))
                .collect();
            by_age.sort();
            let excess = map.len() - self.max_keys;
            for (_, key) in by_age.into_iter().take(excess) {
                map.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_reservations_beyond_the_limit_are_refused() {
        let limiter = std::sync::Arc::new(WindowLimiter::new(Duration::from_secs(60), 100));
        let granted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..40)
                .map(|_| {
                    let limiter = limiter.clone();
                    s.spawn(move || limiter.reserve(&[("client", 7)]).is_ok())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(granted, 7);
        assert!(limiter.reserve(&[("client", 7)]).is_err());
        assert!(limiter.reserve(&[("other", 7)]).is_ok(), "keys count apart");
    }

    #[test]
    fn a_hit_given_back_frees_its_place() {
        let limiter = WindowLimiter::new(Duration::from_secs(60), 100);
        let first = limiter.reserve(&[("k", 1)]).unwrap();
        assert!(limiter.reserve(&[("k", 1)]).is_err());
        limiter.give_back("k", first);
        assert!(limiter.reserve(&[("k", 1)]).is_ok());
    }
}
