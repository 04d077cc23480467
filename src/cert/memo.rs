//! Bounded memos for the certificate analysis' pure functions: a
//! certificate's facts depend on its DER alone, and a signature's outcome on
//! its bytes alone, so each is worked out once per process. The targets of a
//! batch and the probes of an exporter mostly share certificates — many URLs
//! of one API domain, one issuing CA's intermediate for many domains — and
//! Chromium keeps its verifications the same way (`CachingCertVerifier`).
//! Nothing that depends on the connection, the host or the clock is kept.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// Values by key, at most `capacity` of them: when full, it starts again
/// empty (the batch's working set then refills it), so memory stays bounded
/// however many distinct certificates a run meets.
pub(super) struct Memo<K, V> {
    capacity: usize,
    map: Mutex<Option<HashMap<K, V>>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub(super) const fn new(capacity: usize) -> Memo<K, V> {
        Memo { capacity, map: Mutex::new(None) }
    }

    /// The value kept for `key`, if any.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.with(|map| map.get(key).cloned())
    }

    /// Keeps `value` for `key`.
    pub(super) fn insert(&self, key: K, value: V) {
        self.with(|map| {
            if map.len() >= self.capacity {
                map.clear();
            }
            map.insert(key, value);
        });
    }

    /// How many values are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.with(|map| map.len())
    }

    /// Runs `f` on the map. Only whole entries are ever inserted, so a panic
    /// elsewhere while the lock was held leaves nothing half-written.
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<K, V>) -> T) -> T {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        f(map.get_or_insert_with(HashMap::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_by_key() {
        let memo: Memo<Vec<u8>, u32> = Memo::new(4);
        assert_eq!(memo.get(&b"a"[..]), None);
        memo.insert(b"a".to_vec(), 1);
        memo.insert(b"b".to_vec(), 2);
        assert_eq!(memo.get(&b"a"[..]), Some(1));
        assert_eq!(memo.get(&b"b"[..]), Some(2));
        memo.insert(b"a".to_vec(), 3);
        assert_eq!(memo.get(&b"a"[..]), Some(3));
        assert_eq!(memo.len(), 2);
    }

    #[test]
    fn never_holds_more_than_its_capacity() {
        let memo: Memo<u32, u32> = Memo::new(3);
        for i in 0..10 {
            memo.insert(i, i * 2);
            assert!(memo.len() <= 3, "{} after {i}", memo.len());
        }
        // Started again at the 4th, 7th and 10th: the last one is there.
        assert_eq!(memo.get(&9), Some(18));
        assert_eq!(memo.get(&8), None);
    }
}
