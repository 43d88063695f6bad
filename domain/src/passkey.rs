//! What kind of WebAuthn authenticator a credential lives on.

use serde::{Deserialize, Serialize};

/// Shown in the list of passkeys, so the owner can tell a phone's or
/// laptop's built-in passkey from a key on their key ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasskeyKind {
    /// Built into the device (fingerprint, face, device PIN) or synced by
    /// its password manager.
    Platform,
    /// A removable security key (USB, NFC or Bluetooth).
    SecurityKey,
}

impl PasskeyKind {
    /// From what the browser reported at registration: the attachment
    /// (`platform` / `cross-platform`) where it says, else the transports.
    /// A key reached over USB, NFC or Bluetooth is a security key; the rest
    /// (internal, hybrid, nothing said) counts as a passkey.
    pub fn from_registration(attachment: Option<&str>, transports: &[&str]) -> Self {
        match attachment {
            Some("platform") => PasskeyKind::Platform,
            Some("cross-platform") => PasskeyKind::SecurityKey,
            _ if transports
                .iter()
                .any(|t| matches!(*t, "usb" | "nfc" | "ble"))
                && !transports.contains(&"internal") =>
            {
                PasskeyKind::SecurityKey
            }
            _ => PasskeyKind::Platform,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PasskeyKind::Platform => "platform",
            PasskeyKind::SecurityKey => "security_key",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        [PasskeyKind::Platform, PasskeyKind::SecurityKey]
            .into_iter()
            .find(|kind| kind.as_str() == stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attachment_decides_where_the_browser_reports_it() {
        assert_eq!(
            PasskeyKind::from_registration(Some("platform"), &["usb"]),
            PasskeyKind::Platform
        );
        assert_eq!(
            PasskeyKind::from_registration(Some("cross-platform"), &["internal"]),
            PasskeyKind::SecurityKey
        );
    }

    #[test]
    fn otherwise_removable_transports_mean_a_security_key() {
        assert_eq!(
            PasskeyKind::from_registration(None, &["usb", "nfc"]),
            PasskeyKind::SecurityKey
        );
        assert_eq!(
            PasskeyKind::from_registration(None, &["internal", "hybrid"]),
            PasskeyKind::Platform
        );
        assert_eq!(
            PasskeyKind::from_registration(None, &[]),
            PasskeyKind::Platform
        );
    }

    #[test]
    fn stored_names_round_trip() {
        for kind in [PasskeyKind::Platform, PasskeyKind::SecurityKey] {
            assert_eq!(PasskeyKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PasskeyKind::parse("other"), None);
    }
}
