//! Progress feedback for long steps: indicatif bars in a terminal, nothing in tests.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Hands out progress bars; hidden unless made with [`Progress::stderr`].
#[derive(Debug, Clone)]
pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    /// Bars drawn on stderr (hidden automatically when stderr is not a terminal).
    pub fn stderr() -> Self {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        }
    }

    /// No output at all.
    pub fn hidden() -> Self {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
        }
    }

    /// A bar counting `total` rows (or a spinner when the total is unknown).
    pub fn rows(&self, label: &str, total: Option<u64>) -> ProgressBar {
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{prefix:>22} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}",
                )
                .expect("static template")
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template(
                    "{prefix:>22} {spinner} {human_pos} rows {per_sec} {elapsed}",
                )
                .expect("static template"),
            ),
        };
        let bar = self.multi.add(bar);
        bar.set_prefix(label.to_string());
        bar
    }
}
