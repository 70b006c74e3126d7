//! The words mail clients put around quoted history, in the languages
//! partners write. Extend the tables here when a client or language turns
//! up whose replies are not trimmed.

/// `-----Original Message-----` and its translations.
pub(super) fn is_original_message(line: &str) -> bool {
    if !line.starts_with("---") {
        return false;
    }
    let inner = line.trim_matches(['-', ' ']).to_lowercase();
    [
        "original message",
        "ursprüngliche nachricht",
        "original-nachricht",
        "original nachricht",
        "message d'origine",
        "message d’origine",
        "mensaje original",
        "messaggio originale",
        "oorspronkelijk bericht",
        "mensagem original",
        "originalmeddelande",
        "original meddelelse",
        "opprinnelig melding",
        "wiadomość oryginalna",
    ]
    .contains(&inner.as_str())
}

/// Openings of "On <date>, <name> wrote:" in the languages partners write:
/// the first word and a word the line must end with (before `:`).
pub(super) const ATTRIBUTIONS: &[(&str, &str)] = &[
    ("On ", "wrote"),
    ("Le ", "a écrit"),
    ("El ", "escribió"),
    ("Am ", ""),
    ("Op ", ""),
    ("Il ", "ha scritto"),
    ("Em ", "escreveu"),
    ("Den ", ""),
    ("W dniu ", "pisze"),
];

/// Words that make a line an attribution when a quote block follows it,
/// whatever comes before: `Ana Lopez <ana@example.com> wrote:`.
pub(super) const QUOTE_VERBS: &[&str] = &[
    "wrote",
    "writes",
    "schrieb",
    "a écrit",
    "escribió",
    "написал",
    "написала",
    "napisał",
    "napisała",
    "skrev",
    "kirjoitti",
];

/// Names of the sender field in a quoted header block (lower-case).
pub(super) const FROM_KEYS: &[&str] = &[
    "from",
    "de",
    "von",
    "van",
    "da",
    "från",
    "fra",
    "od",
    "lähettäjä",
    "от",
];

/// Names of the other fields of a quoted header block: date, recipients,
/// subject (lower-case).
pub(super) const OTHER_KEYS: &[&str] = &[
    "sent",
    "date",
    "to",
    "cc",
    "subject",
    "envoyé",
    "à",
    "a",
    "objet",
    "gesendet",
    "datum",
    "an",
    "betreff",
    "kopie",
    "enviado",
    "fecha",
    "para",
    "asunto",
    "inviato",
    "data",
    "oggetto",
    "verzonden",
    "aan",
    "onderwerp",
    "assunto",
    "skickat",
    "till",
    "ämne",
    "sendt",
    "til",
    "emne",
    "wysłano",
    "do",
    "temat",
];

/// A forward's first line: what follows is kept, not trimmed as history.
pub(super) fn is_forward_marker(line: &str) -> bool {
    let lower = line.trim().trim_matches(['-', ' ']).to_lowercase();
    [
        "forwarded message",
        "begin forwarded message:",
        "weitergeleitete nachricht",
        "anfang der weitergeleiteten nachricht:",
        "message transféré",
        "début du message réexpédié :",
        "mensaje reenviado",
    ]
    .contains(&lower.as_str())
}

/// Starts of a last line a phone or mail app adds (lower-case).
pub(super) const DEVICE_LINES: &[&str] = &[
    "sent from my ",
    "sent from mobile",
    "sent from outlook",
    "sent from yahoo",
    "sent from mail for windows",
    "sent with ",
    "sent via ",
    "sent using ",
    "get outlook for ",
    "envoyé de mon ",
    "envoyé depuis ",
    "von meinem ",
    "gesendet von ",
    "gesendet mit ",
    "enviado desde ",
    "enviado de mi ",
    "inviato da ",
    "verzonden vanaf ",
    "verstuurd vanaf ",
    "skickat från ",
];
