//! A small in-memory cache, bounded by a number of entries and a number of
//! bytes, least recently used evicted first. Shared by the link-preview
//! images ([`crate::chart_png`]) and the rendered public pages
//! ([`crate::page_cache`]).
//!
//! Keys must name everything a value depends on, the version of the data
//! included: the cache never expires anything by time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How many bytes a cached value holds (what the byte budget counts).
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for std::sync::Arc<[u8]> {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// How a [`BoundedCache`] has been used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Entries held now.
    pub entries: usize,
    /// Bytes held now.
    pub bytes: usize,
}

struct Entry<V> {
    value: V,
    last_used: u64,
}

struct Lru<V> {
    map: HashMap<String, Entry<V>>,
    clock: u64,
    bytes: usize,
}

/// Values by key, least recently used evicted first, bounded by a number of
/// entries and a number of bytes. Values are cloned out (keep them cheap to
/// clone: `Arc`s or `Bytes`).
pub struct BoundedCache<V> {
    inner: Mutex<Lru<V>>,
    max_entries: usize,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<V: Clone + Weigh> BoundedCache<V> {
    /// A cache of at most `max_entries` entries and `max_bytes` bytes (at least one entry).
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Lru {
                map: HashMap::new(),
                clock: 0,
                bytes: 0,
            }),
            max_entries: max_entries.max(1),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Lru<V>> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (every update is a single insert or remove), so poisoning is ignored.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached value for `key`, if any (counted as a hit or a miss).
    pub fn get(&self, key: &str) -> Option<V> {
        let mut lru = self.lock();
        lru.clock += 1;
        let now = lru.clock;
        let value = lru.map.get_mut(key).map(|e| {
            e.last_used = now;
            e.value.clone()
        });
        let counter = if value.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        value
    }

    /// Stores `value` under `key`, evicting the least recently used entries
    /// beyond the bounds. A value larger than the whole byte budget is not kept.
    pub fn insert(&self, key: &str, value: V) {
        let weight = value.weight();
        if weight > self.max_bytes {
            return;
        }
        let mut lru = self.lock();
        lru.clock += 1;
        let now = lru.clock;
        lru.bytes += weight;
        if let Some(old) = lru.map.insert(
            key.to_string(),
            Entry {
                value,
                last_used: now,
            },
        ) {
            lru.bytes -= old.value.weight();
        }
        while lru.map.len() > self.max_entries || lru.bytes > self.max_bytes {
            let Some(oldest) = lru
                .map
                .iter()
                .filter(|(k, _)| k.as_str() != key)
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = lru.map.remove(&oldest) {
                lru.bytes -= e.value.weight();
            }
        }
    }

    /// Hits, misses and current size.
    pub fn stats(&self) -> CacheStats {
        let lru = self.lock();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: lru.map.len(),
            bytes: lru.bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn bytes(n: usize) -> Arc<[u8]> {
        vec![0u8; n].into()
    }

    #[test]
    fn the_least_recently_used_entry_is_evicted_first() {
        let cache = BoundedCache::new(2, usize::MAX);
        cache.insert("a", bytes(1));
        cache.insert("b", bytes(2));
        assert!(cache.get("a").is_some());
        cache.insert("c", bytes(3));
        assert!(cache.get("a").is_some(), "a was used after b");
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn the_byte_budget_bounds_the_cache() {
        let cache = BoundedCache::new(100, 25);
        for key in ["a", "b", "c"] {
            cache.insert(key, bytes(10));
        }
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes), (2, 20));
    }

    #[test]
    fn a_value_larger_than_the_budget_is_not_kept_and_evicts_nothing() {
        let cache = BoundedCache::new(10, 25);
        cache.insert("small", bytes(10));
        cache.insert("huge", bytes(26));
        assert!(cache.get("huge").is_none());
        assert!(cache.get("small").is_some());
    }

    #[test]
    fn replacing_a_key_counts_its_bytes_once() {
        let cache = BoundedCache::new(10, 100);
        cache.insert("a", bytes(10));
        cache.insert("a", bytes(30));
        assert_eq!(cache.stats().bytes, 30);
        assert_eq!(cache.stats().entries, 1);
    }
}
