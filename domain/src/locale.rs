use serde::{Deserialize, Serialize};

/// The languages the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag used in `<html lang>` and in the language cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "中文",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "zh" => Some(Locale::ZhCn),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring q-values; English when nothing matches.
    pub fn from_accept_language(header: &str) -> Locale {
        most_preferred(header, Locale::from_tag).unwrap_or_default()
    }
}

/// A guess at the reader's time zone (an IANA name) from the language their
/// browser prefers most, for the first page before the browser reports its
/// zone. Only a language spoken in one zone is a guess worth making;
/// anything else is `None`, and the caller shows UTC, naming it.
pub fn zone_guess(accept_language: &str) -> Option<&'static str> {
    let tag = most_preferred(accept_language, |tag| Some(tag.trim().to_ascii_lowercase()))?;
    let mut subtags = tag.split(['-', '_']);
    if subtags.next()? != "zh" {
        return None;
    }
    // Script subtags (`Hans`, `Hant`) come before the region, if any.
    let region = subtags.find(|s| s.len() == 2);
    match region {
        None | Some("cn") => Some("Asia/Shanghai"),
        Some("tw") => Some("Asia/Taipei"),
        Some("hk") => Some("Asia/Hong_Kong"),
        Some("mo") => Some("Asia/Macau"),
        Some("sg") => Some("Asia/Singapore"),
        Some(_) => None,
    }
}

/// The entry of an `Accept-Language` header with the highest q-value that
/// `pick` accepts (the first of equals).
fn most_preferred<V>(header: &str, pick: impl Fn(&str) -> Option<V>) -> Option<V> {
    let mut best: Option<(f32, V)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let Some(value) = parts.next().and_then(&pick) else {
            continue;
        };
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality > 0.0 && best.as_ref().is_none_or(|(q, _)| quality > *q) {
            best = Some((quality, value));
        }
    }
    best.map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_quality() {
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Locale::ZhCn
        );
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh;q=0.8"),
            Locale::En
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, zh-TW;q=0.5"),
            Locale::ZhCn
        );
        assert_eq!(Locale::from_accept_language("de, zh;q=0"), Locale::En);
        assert_eq!(Locale::from_accept_language(""), Locale::En);
    }

    #[test]
    fn guesses_a_zone_only_from_a_language_of_one_zone() {
        assert_eq!(zone_guess("zh-CN,zh;q=0.9,en;q=0.8"), Some("Asia/Shanghai"));
        assert_eq!(zone_guess("zh"), Some("Asia/Shanghai"));
        assert_eq!(zone_guess("zh-Hans-CN"), Some("Asia/Shanghai"));
        assert_eq!(zone_guess("zh-TW,en;q=0.5"), Some("Asia/Taipei"));
        // The most preferred language decides, not the first one written.
        assert_eq!(zone_guess("en;q=0.5, zh-CN"), Some("Asia/Shanghai"));
        assert_eq!(zone_guess("en-US,en;q=0.9,zh-CN;q=0.8"), None);
        assert_eq!(zone_guess("zh-US"), None);
        assert_eq!(zone_guess("fr-FR"), None);
        assert_eq!(zone_guess(""), None);
    }

    #[test]
    fn tags_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
    }
}
