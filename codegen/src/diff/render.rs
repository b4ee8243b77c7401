//! A [`Report`] as text, a Markdown changelog entry or JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compare::{Bump, Change, Kind, Report, Section, SHARED};
use super::Format;

/// The report in the requested format; the same report always gives the same bytes.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
        Format::Json => render_json(report),
    }
}

/// `v1 /me` → "`me` (v1 `/me`)"; the shared group gets a sentence.
fn group_title(report: &Report, api: &str, markdown: bool) -> String {
    if api == SHARED {
        return "models shared by several APIs".to_owned();
    }
    let title = report.titles.get(api).cloned().unwrap_or_default();
    let (branch, path) = title.split_once(' ').unwrap_or(("", &title));
    if markdown {
        format!("`{api}` ({branch} `{path}`)")
    } else {
        format!("{api} ({branch} {path})")
    }
}

fn totals_line(report: &Report) -> String {
    format!(
        "{} change(s): {} breaking, {} added, {} changed, {} deprecated; {} documentation-only change(s)",
        report.changes.len(),
        report.breaking(),
        report.count(Section::Added),
        report.count(Section::Changed),
        report.count(Section::Deprecated),
        report.documentation_changes
    )
}

/// `minor (additions only, nothing that compiled breaks); for a 0.x crate: 0.x.(y+1)`.
fn bump_summary(report: &Report) -> String {
    let bump = report.bump();
    format!(
        "{} ({}); for a 0.x crate: {}",
        bump.as_str(),
        bump.why(),
        bump.zero_x()
    )
}

fn render_text(report: &Report) -> String {
    let mut out = format!("{} → {}\n", report.old_label, report.new_label);
    let mut current: Option<&str> = None;
    for change in &report.changes {
        if current != Some(change.api.as_str()) {
            out.push_str(&format!("\n{}\n", group_title(report, &change.api, false)));
            current = Some(&change.api);
        }
        out.push_str(&format!(
            "  {:<10} {}: {}\n",
            change.section().tag(),
            change.item,
            change.reason
        ));
    }
    if report.changes.is_empty() {
        out.push_str("\nno change to the generated API\n");
    }
    out.push('\n');
    out.push_str(&totals_line(report));
    out.push('\n');
    let kinds: Vec<String> = report
        .by_kind()
        .into_iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !kinds.is_empty() {
        out.push_str(&format!("by kind: {}\n", kinds.join(", ")));
    }
    out.push_str(&format!("semver: {}\n", bump_summary(report)));
    out
}

fn render_markdown(report: &Report) -> String {
    let mut out = format!("## {}\n\n", report.new_label);
    out.push_str(&format!(
        "Generated API compared with {}: {}.\n",
        report.old_label,
        totals_line(report)
    ));
    for section in Section::ALL {
        let changes: Vec<&Change> = report
            .changes
            .iter()
            .filter(|c| c.section() == section)
            .collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {}\n", section.title()));
        let mut current: Option<&str> = None;
        for change in changes {
            if current != Some(change.api.as_str()) {
                out.push_str(&format!(
                    "\n#### {}\n\n",
                    group_title(report, &change.api, true)
                ));
                current = Some(&change.api);
            }
            out.push_str(&format!("- `{}`: {}\n", change.item, change.reason));
        }
    }
    if report.changes.is_empty() {
        out.push_str("\nNo change to the generated API.\n");
    }
    out.push_str(&format!("\n**Semver:** {}.\n", bump_summary(report)));
    out
}

/// `bump` is the bare level (`major`, `minor`, `patch`, `none`): scripts/release.sh reads it.
#[derive(Serialize)]
struct JsonReport<'a> {
    old: &'a str,
    new: &'a str,
    changes: Vec<JsonChange<'a>>,
    totals: JsonTotals,
    bump: Bump,
    bump_reason: &'static str,
    /// What the bump means for a 0.x crate: `0.(x+1).0` or `0.x.(y+1)`.
    bump_zero_x: &'static str,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    api: &'a str,
    kind: Kind,
    item: &'a str,
    breaking: bool,
    section: Section,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonTotals {
    changes: usize,
    breaking: usize,
    non_breaking: usize,
    added: usize,
    changed: usize,
    deprecated: usize,
    documentation_only: usize,
    files_changed: bool,
    by_kind: BTreeMap<&'static str, usize>,
}

fn render_json(report: &Report) -> String {
    let bump = report.bump();
    let json = JsonReport {
        old: &report.old_label,
        new: &report.new_label,
        changes: report
            .changes
            .iter()
            .map(|c| JsonChange {
                api: &c.api,
                kind: c.kind,
                item: &c.item,
                breaking: c.breaking,
                section: c.section(),
                reason: &c.reason,
            })
            .collect(),
        totals: JsonTotals {
            changes: report.changes.len(),
            breaking: report.breaking(),
            non_breaking: report.changes.len() - report.breaking(),
            added: report.count(Section::Added),
            changed: report.count(Section::Changed),
            deprecated: report.count(Section::Deprecated),
            documentation_only: report.documentation_changes,
            files_changed: report.files_changed,
            by_kind: report.by_kind(),
        },
        bump,
        bump_reason: bump.why(),
        bump_zero_x: bump.zero_x(),
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_else(|e| {
        // Plain data always serializes; keep the promise of no panics anyway.
        format!("{{\"error\": {:?}}}", e.to_string())
    });
    text.push('\n');
    text
}
