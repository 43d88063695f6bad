//! A readable device description from a `User-Agent` header, for the activity
//! history ("Chrome on Windows"). Deliberately small: the long tail of agents
//! falls back to the generic words rather than to the raw header.

const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("MicroMessenger/", "WeChat"),
    ("UCBrowser/", "UC Browser"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome/", "Headless Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
];

const SYSTEMS: &[(&str, &str)] = &[
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
];

/// `(browser, operating system)`; `None` for the parts that were not recognised.
pub fn describe_user_agent(user_agent: &str) -> (Option<&'static str>, Option<&'static str>) {
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    (find(BROWSERS), find(SYSTEMS))
}

/// Describes a run of agents, working each one out only when it differs
/// from the one before: a history's rows come mostly from the same device
/// in a row, and the table lookups cost more than comparing two strings.
#[derive(Debug, Default)]
pub struct AgentDescriber {
    last: String,
    names: (Option<&'static str>, Option<&'static str>),
}

impl AgentDescriber {
    /// What [`describe_user_agent`] says of `user_agent`.
    pub fn describe(&mut self, user_agent: String) -> (Option<&'static str>, Option<&'static str>) {
        if user_agent != self.last {
            self.names = describe_user_agent(&user_agent);
            self.last = user_agent;
        }
        self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_agents() {
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(
            describe_user_agent(chrome_win),
            (Some("Chrome"), Some("Windows"))
        );
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(
            describe_user_agent(safari_iphone),
            (Some("Safari"), Some("iPhone"))
        );
        let edge =
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36 Edg/120.0";
        assert_eq!(describe_user_agent(edge).0, Some("Edge"));
        let firefox_linux =
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(
            describe_user_agent(firefox_linux),
            (Some("Firefox"), Some("Linux"))
        );
    }

    #[test]
    fn a_run_of_agents_is_described_as_each_alone() {
        let agents = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
            "",
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "",
            "curl/8.5.0",
            "curl/8.5.0",
        ];
        let mut describer = AgentDescriber::default();
        for agent in agents {
            assert_eq!(
                describer.describe(agent.to_owned()),
                describe_user_agent(agent),
                "{agent}"
            );
        }
    }

    #[test]
    fn unknown_agents_stay_unknown_instead_of_echoing_input() {
        assert_eq!(
            describe_user_agent("<script>alert(1)</script>"),
            (None, None)
        );
    }
}
