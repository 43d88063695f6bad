//! The server key: read from `LATCHKEY_SECRET_KEY_FILE`, or, for the
//! embedded SQLite set-up, generated once as `data/secret.key` (mode 0600).

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use service::crypto::SERVER_KEY_LEN;
use service::ServerKey;

use crate::{Config, StartError};

const SETTING: &str = "LATCHKEY_SECRET_KEY_FILE";
const DEFAULT_KEY_FILE: &str = "data/secret.key";

fn fail(reason: String) -> StartError {
    StartError::Setting {
        setting: SETTING,
        reason,
    }
}

pub fn load_or_create(config: &Config) -> Result<ServerKey, StartError> {
    match &config.secret_key_file {
        Some(path) => read_key(path),
        None => {
            let path = PathBuf::from(DEFAULT_KEY_FILE);
            if path.exists() {
                read_key(&path)
            } else {
                create_key(&path)
            }
        }
    }
}

/// The file holds the 32 key bytes in base64 (`openssl rand -base64 32`).
fn read_key(path: &Path) -> Result<ServerKey, StartError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let bytes = STANDARD.decode(text.trim()).map_err(|_| {
        fail(format!(
            "{} must hold {SERVER_KEY_LEN} bytes in base64",
            path.display()
        ))
    })?;
    let bytes: [u8; SERVER_KEY_LEN] = bytes.try_into().map_err(|_| {
        fail(format!(
            "{} must hold exactly {SERVER_KEY_LEN} bytes in base64",
            path.display()
        ))
    })?;
    Ok(ServerKey::from_bytes(bytes))
}

fn create_key(path: &Path) -> Result<ServerKey, StartError> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
    }
    let key = ServerKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(STANDARD.encode(key.to_bytes()).as_bytes())
        .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "generated a new server key");
    Ok(key)
}
