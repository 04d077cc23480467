//! A check's facts for programs (`data` in the JSON report): named values in
//! the order the check gave them, written as one JSON object.
//!
//! The names are the check's own constants, so they are kept as `&'static str`
//! in a short list: a diagnosis fills some 40 of these, and a map with owned
//! keys cost an allocation per key and a hash table per check.

use std::ops::Index;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// One check's facts, by name; a name given again replaces its value in place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Data(Vec<(&'static str, Value)>);

impl Data {
    pub fn new() -> Data {
        Data::default()
    }

    /// Sets `key`, where it was if it was there, else last.
    pub fn insert(&mut self, key: &'static str, value: Value) {
        match self.0.iter_mut().find(|(name, _)| *name == key) {
            Some((_, old)) => *old = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(name, _)| *name == key).map(|(_, value)| value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `data["key"]`: the value, or `null` when the check has no such fact (as
/// indexing a `serde_json::Value` does).
impl Index<&str> for Data {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn is_written_as_an_object_in_the_order_given() {
        let mut data = Data::new();
        data.insert("zeta", json!(1));
        data.insert("alpha", json!(["a"]));
        data.insert("mid", json!({"b": 2, "a": 1}));
        assert_eq!(serde_json::to_string(&data).unwrap(), r#"{"zeta":1,"alpha":["a"],"mid":{"b":2,"a":1}}"#);
        assert_eq!(serde_json::to_string(&Data::new()).unwrap(), "{}");
    }

    #[test]
    fn a_name_given_again_keeps_its_place_and_takes_the_new_value() {
        let mut data = Data::new();
        data.insert("first", json!(1));
        data.insert("second", json!(2));
        data.insert("first", json!("again"));
        assert_eq!(serde_json::to_string(&data).unwrap(), r#"{"first":"again","second":2}"#);
    }

    #[test]
    fn is_read_by_name() {
        let mut data = Data::new();
        data.insert("status", json!(200));
        assert_eq!(data["status"], 200);
        assert_eq!(data.get("status"), Some(&json!(200)));
        assert!(data.contains_key("status"));
        assert_eq!(data["missing"], Value::Null);
        assert!(!data.contains_key("missing"));
        assert!(!data.is_empty() && Data::new().is_empty());
    }
}
