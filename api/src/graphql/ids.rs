//! Opaque global ids: `base64url("Client:<uuid>")`. Clients must not build or parse them.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::AppError;

/// Encodes a typed id.
pub fn encode(kind: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// Decodes an id that must be of `kind`; the field name goes into the error.
pub fn decode(kind: &str, field: &'static str, id: &ID) -> Result<Uuid, AppError> {
    let bad = || AppError::field(field, format!("not a valid {kind} id"));
    let raw = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (prefix, uuid) = text.split_once(':').ok_or_else(bad)?;
    if prefix != kind {
        return Err(bad());
    }
    Uuid::parse_str(uuid).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_kinds() {
        let id = Uuid::now_v7();
        let encoded = encode("Client", id);
        assert_eq!(decode("Client", "id", &encoded).unwrap(), id);
        assert!(decode("Officer", "id", &encoded).is_err());
        assert!(decode("Client", "id", &ID("garbage".into())).is_err());
    }
}
