//! A scenario's figures: printed, and appended to `docs/benchmarks.md` as a block with the
//! machine, the command and a table.

use std::{io::Write, path::Path};

use super::machine::Machine;

/// The figures of one scenario run.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    machine: Machine,
    command: String,
    rows: Vec<[String; 3]>,
    notes: Vec<String>,
}

impl Report {
    /// An empty report for scenario `title`.
    pub fn new(title: &str, machine: Machine, command: &str) -> Self {
        Self {
            title: title.to_owned(),
            machine,
            command: command.to_owned(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a row: what was measured, its setup, its figures.
    pub fn row(
        &mut self,
        what: impl Into<String>,
        setup: impl Into<String>,
        result: impl Into<String>,
    ) {
        let row = [what.into(), setup.into(), result.into()];
        println!("{} | {} | {}", row[0], row[1], row[2]);
        self.rows.push(row);
    }

    /// Adds a sentence below the table.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("{note}");
        self.notes.push(note);
    }

    /// The block as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "\n#### {}\n\n{}.\n`{}`\n\n| measured | setup | result |\n| --- | --- | --- |\n",
            self.title,
            self.machine.line(),
            self.command
        );
        for [what, setup, result] in &self.rows {
            out.push_str(&format!("| {what} | {setup} | {result} |\n"));
        }
        for note in &self.notes {
            out.push_str(&format!("\n{note}\n"));
        }
        out
    }

    /// Appends the block to `file` (created if missing).
    pub fn append_to(&self, file: &Path) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)?;
        f.write_all(self.markdown().as_bytes())
    }
}
