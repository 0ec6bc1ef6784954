//! Messages of the EHR plugin's pages: the consent landing page, the pop-up page, links
//! that expired.

use crate::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    (
        "error.gone.title",
        "This link has expired",
        "Ce lien a expiré",
    ),
    (
        "error.gone.body",
        "This link is no longer valid: it expired or was already used. Ask your doctor for a new one.",
        "Ce lien n’est plus valable : il a expiré ou a déjà servi. Demandez-en un nouveau à votre médecin.",
    ),
    (
        "consent.heading",
        "Taking part in a clinical trial",
        "Participer à un essai clinique",
    ),
    (
        "consent.intro",
        "Your doctor thinks you may be able to take part in this trial. Read the information below; nothing about you is shared unless you agree.",
        "Votre médecin pense que vous pourriez participer à cet essai. Lisez les informations ci-dessous : rien vous concernant n’est transmis sans votre accord.",
    ),
    ("consent.about", "About the trial", "À propos de l’essai"),
    (
        "consent.document",
        "Information and consent",
        "Information et consentement",
    ),
    (
        "consent.no_document",
        "The consent document of this trial is not available yet.",
        "Le document de consentement de cet essai n’est pas encore disponible.",
    ),
    ("consent.version", "Version", "Version"),
    ("popup.heading", "Clinical trial", "Essai clinique"),
    (
        "popup.already_answered",
        "This alert has already been answered; the answer cannot be changed here. Recorded answer:",
        "Cette alerte a déjà reçu une réponse, qui ne peut pas être modifiée ici. Réponse enregistrée :",
    ),
    (
        "popup.answered.accepted",
        "proposed to the patient (consent form opened).",
        "proposé au patient (consentement ouvert).",
    ),
    (
        "popup.answered.not_now",
        "later: not shown again before",
        "plus tard : pas de nouvel affichage avant le",
    ),
    (
        "popup.answered.declined",
        "declined: never proposed again to this patient. Reason:",
        "refusé : plus jamais proposé à ce patient. Motif :",
    ),
    (
        "popup.reason.not_eligible",
        "not eligible after all",
        "finalement non éligible",
    ),
    (
        "popup.reason.not_interested",
        "patient not interested",
        "patient pas intéressé",
    ),
    ("popup.reason.no_time", "no time", "pas le temps"),
    ("popup.reason.other", "other", "autre"),
];
