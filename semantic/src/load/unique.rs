//! The one `duplicate-name` check: views, explores and dashboards must be unique across all
//! files, dimensions and fields within their view.

use crate::error::Code;
use std::collections::HashMap;

use super::context::{At, Ctx};

/// The names defined so far in one namespace, with the file each was first defined in.
pub(super) struct UniqueNames<'s> {
    /// What is named: `view`, `explore`, `dashboard`, `dimension`, `field`.
    kind: &'static str,
    /// The view whose dimensions or fields these are; `None` for names across files.
    view: Option<&'s str>,
    first_file: HashMap<String, usize>,
}

impl<'s> UniqueNames<'s> {
    /// Names of `kind` that must be unique across all model files.
    pub fn across_files(kind: &'static str) -> Self {
        UniqueNames {
            kind,
            view: None,
            first_file: HashMap::new(),
        }
    }

    /// Names of `kind` that must be unique within view `view`.
    pub fn in_view(kind: &'static str, view: &'s str) -> Self {
        UniqueNames {
            kind,
            view: Some(view),
            first_file: HashMap::new(),
        }
    }

    /// Claim `name`, defined in file `file` at `at`: true if it is new, else reports
    /// `duplicate-name` there (naming the other file for names across files) and returns false.
    pub fn claim(&mut self, ctx: &mut Ctx<'_>, file: usize, at: At<'_>, name: &str) -> bool {
        let Some(&other) = self.first_file.get(name) else {
            self.first_file.insert(name.to_string(), file);
            return true;
        };
        let kind = self.kind;
        let (message, hint) = match self.view {
            Some(view) => (
                format!("{kind} '{name}' is defined twice in view '{view}'"),
                "rename one of them".to_string(),
            ),
            None => (
                format!("{kind} '{name}' is defined twice"),
                format!(
                    "rename one of them; the other is in '{}'",
                    ctx.files[other].name
                ),
            ),
        };
        ctx.report(file, at, Code::DuplicateName, message, Some(hint));
        false
    }
}
