//! The one `duplicate-name` check: views, explores and dashboards must be unique across all
//! files, dimensions and fields within their view. One message for each case, written here.

use std::collections::HashMap;

use super::context::{At, Ctx};
use crate::error::Code;

/// The names of one kind defined so far across all model files, with the file each was first
/// defined in.
pub(super) struct UniqueNames {
    /// What is named: `view`, `explore`, `dashboard`.
    kind: &'static str,
    first_file: HashMap<String, usize>,
}

impl UniqueNames {
    /// Names of `kind` that must be unique across all model files.
    pub fn across_files(kind: &'static str) -> Self {
        UniqueNames {
            kind,
            first_file: HashMap::new(),
        }
    }

    /// Claim `name`, defined in file `file` at `at`: true if it is new, else reports
    /// `duplicate-name` there, naming the other file, and returns false.
    pub fn claim(&mut self, ctx: &mut Ctx<'_>, file: usize, at: At<'_>, name: &str) -> bool {
        let Some(&other) = self.first_file.get(name) else {
            self.first_file.insert(name.to_string(), file);
            return true;
        };
        let hint = format!(
            "rename one of them; the other is in '{}'",
            ctx.files[other].name
        );
        let message = format!("{} '{name}' is defined twice", self.kind);
        ctx.report(file, at, Code::DuplicateName, message, Some(hint));
        false
    }
}

/// Within view `view`, whose own map of `kind`s (`dimension`, `field`) says whether `name` is
/// `taken`: true if it is new, else reports `duplicate-name` at `at` and returns false.
pub(super) fn unique_in_view(
    ctx: &mut Ctx<'_>,
    (file, at): (usize, At<'_>),
    (kind, view): (&str, &str),
    name: &str,
    taken: bool,
) -> bool {
    if taken {
        let message = format!("{kind} '{name}' is defined twice in view '{view}'");
        ctx.report(
            file,
            at,
            Code::DuplicateName,
            message,
            Some("rename one of them".to_string()),
        );
    }
    !taken
}
