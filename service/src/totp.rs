//! Authenticator-app codes (RFC 6238, through totp-rs) with the settings
//! every app understands, the QR code that carries them, and recovery codes.

use domain::mfa::{RECOVERY_ALPHABET, RECOVERY_CODE_LEN};
use rand::Rng;
use totp_rs::{Algorithm, TOTP};

/// 160 random bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;
/// Codes of the step before and after the current one are accepted too.
const SKEW_STEPS: i64 = 1;
/// How many recovery codes a set has.
pub const RECOVERY_CODES: usize = 10;

/// The shared secret of an authenticator app. Never logged, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill(&mut bytes[..]);
        TotpSecret(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        TotpSecret(bytes)
    }

    /// Reads a key as people type it: base32, spaces and case ignored.
    pub fn from_base32(typed: &str) -> Option<Self> {
        let compact: String = typed.split_whitespace().collect::<String>().to_uppercase();
        totp_rs::Secret::Encoded(compact)
            .to_bytes()
            .ok()
            .map(TotpSecret)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, issuer: &str, account: &str) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECS as u64,
            self.0.clone(),
            Some(issuer.to_owned()),
            account.to_owned(),
        )
    }

    /// The `otpauth://totp/…` URI the QR code carries.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        self.totp(issuer, account).get_url()
    }

    /// The secret in base32, in groups of four, for typing it in by hand.
    pub fn grouped_base32(&self) -> String {
        let base32 = self.totp("", "").get_secret_base32();
        base32
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The code an app shows at `at_ms`.
    pub fn code_at(&self, at_ms: i64) -> String {
        self.totp("", "").generate(step_start_secs(step_of(at_ms)))
    }

    /// The time step a six-digit code belongs to, when it is the code of the
    /// current step or one next to it, compared in constant time. The caller
    /// refuses steps already used (replay).
    pub fn matching_step(&self, code: &str, now_ms: i64) -> Option<i64> {
        let totp = self.totp("", "");
        let now = step_of(now_ms);
        (now - SKEW_STEPS..=now + SKEW_STEPS).find(|&step| {
            let expected = totp.generate(step_start_secs(step));
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
        })
    }
}

fn step_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(STEP_SECS * 1000)
}

fn step_start_secs(step: i64) -> u64 {
    u64::try_from(step * STEP_SECS).unwrap_or(0)
}

/// The QR code of `uri` as an SVG document (black on white, with the quiet
/// zone scanners need). Drawn with paths and attributes only, so it needs no
/// inline style under the CSP.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .build(),
    )
}

/// A fresh set of recovery codes, normalised (see `SecondFactorInput`).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            (0..RECOVERY_CODE_LEN)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::SecondFactorInput;

    const T: i64 = 1_800_000_000_000;

    #[test]
    fn codes_match_their_step_and_the_ones_next_to_it() {
        let secret = TotpSecret::generate();
        let now = step_of(T);
        assert_eq!(secret.matching_step(&secret.code_at(T), T), Some(now));
        assert_eq!(
            secret.matching_step(&secret.code_at(T - 30_000), T),
            Some(now - 1)
        );
        assert_eq!(
            secret.matching_step(&secret.code_at(T + 30_000), T),
            Some(now + 1)
        );
        assert_eq!(
            secret.matching_step(&secret.code_at(T - 60_000), T),
            None,
            "two steps old"
        );
        assert_eq!(secret.matching_step(&secret.code_at(T + 90_000), T), None);
        assert_eq!(secret.matching_step("12345", T), None);
    }

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the
        // six-digit code is its last six.
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(secret.code_at(59_000), "287082");
    }

    #[test]
    fn the_uri_names_issuer_and_account_with_the_standard_settings() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let uri = secret.otpauth_uri("Latchkey", "ada@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Latchkey:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Latchkey"
        );
        assert_eq!(
            secret.grouped_base32(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("style="));
    }

    /// Draws the SVG's dark rectangles (the `M x y h w v h H x V y` runs the
    /// renderer writes) into a bitmap, as a camera would see the page.
    fn rasterize(svg: &str) -> (usize, Vec<Vec<bool>>) {
        let attr = |name: &str| -> usize {
            let rest = svg.split(&format!(" {name}=\"")).nth(1).unwrap();
            rest.split('"').next().unwrap().parse().unwrap()
        };
        let size = attr("width");
        let mut dark = vec![vec![false; size]; size];
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for run in path.split('M').filter(|r| !r.is_empty()) {
            let numbers: Vec<usize> = run
                .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            let (left, top, width, height) = (numbers[0], numbers[1], numbers[2], numbers[3]);
            for row in dark.iter_mut().skip(top).take(height) {
                for cell in row.iter_mut().skip(left).take(width) {
                    *cell = true;
                }
            }
        }
        (size, dark)
    }

    #[test]
    fn the_qr_code_scans_back_to_the_uri() {
        let secret = TotpSecret::generate();
        let uri = secret.otpauth_uri("Latchkey", "陈静@example.com");
        let (size, dark) = rasterize(&qr_svg(&uri).unwrap());
        let mut image = rqrr::PreparedImage::prepare_from_bitmap(size, size, |x, y| dark[y][x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(
                SecondFactorInput::parse(code),
                Some(SecondFactorInput::Recovery(code.clone()))
            );
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }
}
