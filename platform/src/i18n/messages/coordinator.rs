//! Messages of the coordinator's referral pages.

use crate::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    ("coordinator.heading", "Referrals", "Patients adressés"),
    (
        "coordinator.none",
        "No referral yet for your sites.",
        "Aucun patient adressé à vos centres pour l’instant.",
    ),
    ("coordinator.referred_on", "Referred on", "Adressé le"),
    ("coordinator.trial", "Trial", "Essai"),
    ("coordinator.site", "Site", "Centre"),
    ("coordinator.status", "Status", "Statut"),
    ("coordinator.referral", "Referral", "Patient adressé"),
    ("coordinator.from", "referred by", "adressé par"),
    ("coordinator.consent", "Consent", "Consentement"),
    ("coordinator.new_status", "New status", "Nouveau statut"),
    (
        "coordinator.reason",
        "Reason (for an exit)",
        "Motif (pour une sortie)",
    ),
    ("coordinator.detail", "Note", "Note"),
    ("coordinator.save", "Save", "Enregistrer"),
    ("coordinator.history", "History", "Historique"),
    ("coordinator.all", "All", "Tous"),
    ("coordinator.practice", "Practice", "Cabinet"),
    (
        "coordinator.from_date",
        "Referred from",
        "Adressé depuis le",
    ),
    ("coordinator.to_date", "Referred until", "Adressé jusqu’au"),
    ("coordinator.filter", "Filter", "Filtrer"),
    (
        "coordinator.export_csv",
        "Download as CSV",
        "Télécharger en CSV",
    ),
    ("coordinator.patient", "Patient", "Patient"),
    ("coordinator.contact", "Contact", "Contact"),
    ("coordinator.overdue", "Overdue", "En retard"),
    ("coordinator.notes", "Notes", "Notes"),
    ("coordinator.add_note", "Add a note", "Ajouter une note"),
    ("coordinator.note", "Note", "Note"),
    (
        "coordinator.no_notes",
        "No note yet.",
        "Aucune note pour l’instant.",
    ),
    ("nav.coordinator", "Referrals", "Patients adressés"),
    ("referral.status.referred", "Referred", "Adressé"),
    ("referral.status.contacted", "Contacted", "Contacté"),
    ("referral.status.screening", "Screening", "En pré-inclusion"),
    ("referral.status.enrolled", "Enrolled", "Inclus"),
    (
        "referral.status.screen_failed",
        "Not eligible at screening",
        "Non éligible à la pré-inclusion",
    ),
    ("referral.status.declined", "Declined", "A refusé"),
    ("referral.status.withdrawn", "Withdrawn", "Retiré"),
    (
        "referral.reason.not_meeting_criteria",
        "Not meeting the criteria",
        "Ne remplit pas les critères",
    ),
    (
        "referral.reason.declined",
        "Declined to participate",
        "A refusé de participer",
    ),
    ("referral.reason.other", "Other reason", "Autre motif"),
];
