//! Plain text split into sentences, for summaries and answer snippets.

/// Words that end in a dot without ending the sentence (lower-case,
/// without the final dot).
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "vs", "cf", "approx", "mr", "mrs", "ms", "dr", "fig", "incl", "resp",
];

/// Splits at line breaks and at `.`, `?`, `!` followed by a space and an
/// upper-case letter or a digit; abbreviations, decimals, versions and URLs
/// stay whole.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            if !matches!(c, '.' | '?' | '!') {
                continue;
            }
            // Closing quotes and brackets belong to the sentence.
            let mut end = k + 1;
            while chars
                .get(end)
                .is_some_and(|&(_, c)| matches!(c, '"' | '\'' | ')' | ']' | '’' | '”'))
            {
                end += 1;
            }
            let Some(&(_, space)) = chars.get(end) else {
                continue;
            };
            if !space.is_whitespace() {
                continue;
            }
            let next = chars[end..].iter().find(|(_, c)| !c.is_whitespace());
            let Some(&(_, next)) = next else { continue };
            if !(next.is_uppercase() || next.is_ascii_digit()) {
                continue;
            }
            if c == '.' && is_abbreviation(&line[start..i]) {
                continue;
            }
            let cut = chars.get(end).map_or(line.len(), |&(j, _)| j);
            push(&mut out, &line[start..cut]);
            start = cut;
        }
        push(&mut out, &line[start..]);
    }
    out
}

fn push<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s);
    }
}

/// Whether the text before a dot ends with an abbreviation.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
}
