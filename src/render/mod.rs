//! Alerts → DingTalk markdown messages with Tera, always under DingTalk's 20000-byte limit.
//!
//! Every `{{ }}` in a template is escaped by [`escape::markdown`]; only values the relay builds
//! (links, labels) are written with `| safe`.

mod bounded_range;
mod builtin;
pub mod card;
pub mod escalation;
pub mod escape;
mod finish;
mod fit;
pub mod labels;
pub mod proof;
pub mod storm;
mod summary;
pub mod time;
mod view;

use crate::dingtalk::{MAX_BODY_BYTES, Message};
use crate::domain::alert::Alert;
use crate::domain::lang::Lang;
use crate::domain::mention::Mentions;
use chrono_tz::Tz;
use std::path::{Path, PathBuf};
use tera::{Context, Tera};

pub use builtin::TEMPLATES;
use finish::finish;
pub use finish::plain_fallback;
pub use summary::{HeldBy, HeldIssue, HoldSummary};

/// A little under the limit: the query string is not counted, but proxies and rounding are.
const BODY_BUDGET: usize = MAX_BODY_BYTES - 500;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template error: {0}")]
    Template(String),
    /// `TEMPLATES_DIR` names no directory, or one holding a template file no template is
    /// called: either would leave the built-in templates in force without a word.
    #[error("TEMPLATES_DIR {path}: {reason}")]
    Dir { path: PathBuf, reason: String },
    /// A template compiled but failed on one of the samples ([`proof`]).
    /// `cause` is said in the text, not chained as a source: the command line prints the
    /// chain and would say it twice.
    #[error("rendering {what}: {cause}")]
    Proof {
        what: String,
        cause: Box<RenderError>,
    },
}

impl From<tera::Error> for RenderError {
    fn from(e: tera::Error) -> Self {
        // Tera puts the useful part (file, line, what was expected) in the source chain.
        let mut parts = vec![e.to_string()];
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            parts.push(s.to_string());
            source = s.source();
        }
        Self::Template(parts.join(": "))
    }
}

/// Who a message goes to and what DingTalk needs in it besides the alert.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub at: Mentions,
    pub keyword: Option<String>,
    pub msg_uuid: String,
    /// Action buttons (View, Resolve, Ignore) for a single-alert message.
    pub buttons: Vec<crate::dingtalk::Button>,
}

pub struct Renderer {
    tera: Tera,
    lang: Lang,
    /// Every time in a message is shown in this zone.
    tz: Tz,
}

/// `batch.md.tera` was called this before the open-issues report took the word; an override
/// under the old name keeps working.
const LEGACY_BATCH: &str = "digest.md.tera";

/// `TEMPLATES_DIR` is a directory, and each `*.tera` file in it overrides a template.
fn check_dir(dir: &Path) -> Result<(), RenderError> {
    let error = |reason: String| RenderError::Dir {
        path: dir.to_path_buf(),
        reason,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| error(format!("not a directory: {e}")))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let known = TEMPLATES.iter().any(|(t, _)| *t == name) || name == LEGACY_BATCH;
        if name.ends_with(".tera") && !known {
            let names: Vec<&str> = TEMPLATES.iter().map(|(t, _)| *t).collect();
            return Err(error(format!(
                "{name} is no template's name (they are {})",
                names.join(", ")
            )));
        }
    }
    Ok(())
}

impl Renderer {
    pub fn load(dir: Option<&Path>, lang: Lang) -> Result<Self, RenderError> {
        let mut tera = Tera::default();
        tera.register_function("range", bounded_range::range);
        tera.autoescape_on(vec![".md.tera"]);
        tera.set_escape_fn(escape::markdown);
        if let Some(dir) = dir {
            check_dir(dir)?;
        }
        let mut sources = Vec::with_capacity(TEMPLATES.len());
        for (name, builtin) in TEMPLATES {
            let legacy = (*name == "batch.md.tera")
                .then(|| dir.map(|d| d.join(LEGACY_BATCH)))
                .flatten();
            let custom = dir
                .map(|d| d.join(name))
                .filter(|p| p.is_file())
                .or_else(|| legacy.filter(|p| p.is_file()));
            let source = match custom {
                Some(path) => std::fs::read_to_string(&path)
                    .map_err(|source| RenderError::Read { path, source })?,
                None => (*builtin).to_string(),
            };
            sources.push((*name, source));
        }
        tera.add_raw_templates(sources)?;
        Ok(Self {
            tera,
            lang,
            tz: time::default_zone(lang),
        })
    }

    /// `ALERT_TIMEZONE`; `None` keeps the language's default zone.
    pub fn with_timezone(mut self, tz: Option<Tz>) -> Self {
        if let Some(tz) = tz {
            self.tz = tz;
        }
        self
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// One alert as one message, trimming the stack (then long texts) until it fits.
    pub fn render_alert(&self, alert: &Alert, env: &Envelope) -> Result<Message, RenderError> {
        let mut alert = alert.clone();
        // A link is never cut, so one too long to fit is rebuilt short or dropped (an alert
        // queued before links were bounded, or built by a custom path).
        alert.link = alert
            .link
            .take()
            .and_then(|l| crate::sentry::event::http_link(Some(l)));
        // Order of sacrifice: texts far longer than anyone reads, then frames from the
        // outermost in, then breadcrumbs from the oldest, then the causes of the exception,
        // then the remaining texts. The link is never touched.
        // Each kind of cut is finite (texts are cut twice at most), so this loop ends in a
        // message that fits or in the plain fallback.
        let (mut long_texts_cut, mut short_texts_cut) = (false, false);
        loop {
            let msg = self.single(&alert, env)?;
            if msg.to_json().len() <= BODY_BUDGET {
                return Ok(msg);
            }
            if !long_texts_cut {
                long_texts_cut = true;
                if view::shrink_texts(&mut alert, 2_000) {
                    continue;
                }
            }
            if alert.frames.pop().is_some() {
                continue;
            }
            if !alert.breadcrumbs.is_empty() {
                alert.breadcrumbs.remove(0);
                continue;
            }
            if alert.exceptions.len() > 1 {
                alert.exceptions.truncate(1);
                continue;
            }
            if !short_texts_cut {
                short_texts_cut = true;
                if view::shrink_texts(&mut alert, 300) {
                    continue;
                }
            }
            // Only a template that writes that much of its own text gets here: say which.
            tracing::warn!(
                template = %format!("{}.md.tera", alert.kind.as_str()),
                bytes = msg.to_json().len(),
                limit = BODY_BUDGET,
                "the message stays too long with every cut made; sending its title and link"
            );
            return Ok(plain_fallback(&alert, env, self.lang));
        }
    }

    /// Several alerts as one message: a single one when only one was held, else a batch of as
    /// many as fit (most severe first, as given). Returns the message and how many it holds.
    pub fn render_batch(
        &self,
        alerts: &[Alert],
        env: &Envelope,
    ) -> Result<(Message, usize), RenderError> {
        if alerts.len() <= 1 {
            let first = alerts
                .first()
                .ok_or_else(|| RenderError::Template("empty batch".into()))?;
            return Ok((self.render_alert(first, env)?, 1));
        }
        // Lines are of similar size, so the first render predicts how many fit; a few more
        // renders at most correct the guess (a batch renders on the worker, next to ingest).
        let mut n = alerts.len();
        loop {
            let msg = self.batch(&alerts[..n], alerts.len() - n, env)?;
            let size = msg.to_json().len();
            if size <= BODY_BUDGET {
                return Ok((msg, n));
            }
            let guess = (n as f64 * BODY_BUDGET as f64 / size as f64 * 0.97) as usize;
            n = guess.min(n - 1);
            if n < 2 {
                return Ok((self.render_alert(&alerts[0], env)?, 1));
            }
        }
    }

    /// The periodic list of open issues (`digest` command): as many as fit, the rest counted.
    pub fn render_open_issues(
        &self,
        issues: &[Alert],
        since: &str,
        project: Option<&str>,
        partial: bool,
        env: &Envelope,
    ) -> Result<Message, RenderError> {
        let word = |k: &str| labels::label(self.lang, k);
        let title = format!(
            "📋 {} · {since} · {} {}",
            word("open_issues"),
            issues.len(),
            word("issues")
        );
        let (msg, _) = fit::fit_lines(issues.len(), |shown| {
            let mut ctx = self.base_context(env);
            view::batch_context(&mut ctx, &issues[..shown], issues.len() - shown, self.lang);
            ctx.insert("total", &issues.len());
            ctx.insert("since", since);
            ctx.insert("project", &project);
            ctx.insert("partial", &partial);
            let text = self.template("open_issues.md.tera", &ctx)?;
            Ok(finish(title.clone(), text, env))
        })?;
        Ok(msg)
    }

    fn single(&self, alert: &Alert, env: &Envelope) -> Result<Message, RenderError> {
        let mut ctx = self.base_context(env);
        ctx.insert("alert", &view::alert(alert, self.lang, self.tz));
        let mut text = self.template(&format!("{}.md.tera", alert.kind.as_str()), &ctx)?;
        // A custom template may not know about tests; nobody may take one for an incident.
        if let Some(notice) = view::test_notice(alert, self.lang).filter(|n| !text.contains(n)) {
            text = format!("**{notice}**\n\n{text}");
        }
        Ok(finish(view::title(alert, self.lang), text, env))
    }

    fn batch(
        &self,
        alerts: &[Alert],
        remaining: usize,
        env: &Envelope,
    ) -> Result<Message, RenderError> {
        let mut ctx = self.base_context(env);
        view::batch_context(&mut ctx, alerts, remaining, self.lang);
        let text = self.template("batch.md.tera", &ctx)?;
        let title = view::batch_title(alerts, self.lang);
        Ok(finish(title, text, env))
    }

    /// One template rendered; its `range()` calls share one budget ([`bounded_range`]), so
    /// ranges nested in loops cannot hold a sender (or a start, which renders the samples).
    fn template(&self, name: &str, ctx: &Context) -> Result<String, RenderError> {
        bounded_range::new_render();
        Ok(self.tera.render(name, ctx)?)
    }

    fn base_context(&self, env: &Envelope) -> Context {
        let mut ctx = Context::new();
        ctx.insert("t", labels::labels(self.lang));
        ctx.insert("lang", &self.lang);
        ctx.insert("mentions", &env.at.text_line());
        ctx.insert("keyword", &env.keyword);
        ctx
    }
}
