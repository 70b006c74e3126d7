//! Walking an import folder: sorted, hidden entries and symlinks left out.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::{ImportError, ImportReport, ImportedArticle, MAX_FILE_BYTES, Skipped, parse_file};

const EXTENSIONS: &[&str] = &["md", "mdx", "markdown"];

/// Imports every Markdown page under `root`. Pages that cannot be used are
/// listed in [`ImportReport::skipped`] with the reason; only an unreadable
/// root is an error. Articles come in source path order; slugs that collide
/// get `-2`, `-3`… in that order.
pub fn read_dir(root: &Path, base_url: Option<&str>) -> std::io::Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut files = Vec::new();
    collect(root, &mut Vec::new(), &mut files, &mut report, true)?;
    // By source path, so `a/b.md` comes before `a/b/_index.md` and keeps
    // the plain slug when both want `a/b`.
    files.sort_by(|a, b| a.1.cmp(&b.1));
    for (path, source_path) in files {
        match read(&path).and_then(|raw| parse_file(&source_path, &raw, base_url)) {
            Ok(article) => report.articles.push(article),
            Err(e) => {
                tracing::debug!(path = %path.display(), reason = %e, "page skipped");
                report.skipped.push(Skipped {
                    path,
                    reason: e.to_string(),
                });
            }
        }
    }
    dedupe_slugs(&mut report.articles);
    Ok(report)
}

/// Finds the pages under `dir`, depth first in name order, with their
/// source paths (`segments` are the folders from the root).
fn collect(
    dir: &Path,
    segments: &mut Vec<String>,
    files: &mut Vec<(PathBuf, String)>,
    report: &mut ImportReport,
    root: bool,
) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if !root => {
            report.skipped.push(Skipped {
                path: dir.to_path_buf(),
                reason: format!("unreadable folder: {e}"),
            });
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with('.') || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            segments.push(name);
            collect(&entry.path(), segments, files, report, false)?;
            segments.pop();
        } else if let Some((stem, _)) = name
            .rsplit_once('.')
            .filter(|(_, ext)| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
        {
            let mut source_path = segments.join("/");
            if !source_path.is_empty() {
                source_path.push('/');
            }
            source_path.push_str(stem);
            files.push((entry.path(), source_path));
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, ImportError> {
    let size = fs::metadata(path)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(size));
    }
    let bytes = fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| ImportError::NotUtf8(e.utf8_error().valid_up_to()))
}

fn dedupe_slugs(articles: &mut [ImportedArticle]) {
    let mut used: HashSet<String> = HashSet::new();
    let taken: HashSet<String> = articles.iter().map(|a| a.slug.clone()).collect();
    for article in articles.iter_mut() {
        if used.insert(article.slug.clone()) {
            continue;
        }
        let mut n = 2;
        let slug = loop {
            let candidate = format!("{}-{n}", article.slug);
            if !used.contains(&candidate) && !taken.contains(&candidate) {
                break candidate;
            }
            n += 1;
        };
        used.insert(slug.clone());
        article.slug = slug;
    }
}
