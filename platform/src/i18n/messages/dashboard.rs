//! Messages of the recruitment dashboards.

use crate::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    (
        "dashboard.title",
        "Recruitment dashboard",
        "Tableau de bord du recrutement",
    ),
    ("dashboard.link", "Dashboard", "Tableau de bord"),
    (
        "dashboard.csv",
        "Download the figures (CSV)",
        "Télécharger les chiffres (CSV)",
    ),
    (
        "dashboard.suppressed",
        "Counts from 1 to 4 are shown as “<5”; figures shown as “–” are hidden so that they cannot be recovered by subtraction.",
        "Les effectifs de 1 à 4 sont affichés « <5 » ; les chiffres affichés « – » sont masqués pour qu’ils ne puissent pas être retrouvés par soustraction.",
    ),
    (
        "dashboard.funnel",
        "Recruitment funnel",
        "Entonnoir de recrutement",
    ),
    (
        "dashboard.funnel.desc",
        "Patients at each stage, from the alert shown to enrolment; the table below gives the same figures.",
        "Patients à chaque étape, de l’alerte affichée à l’inclusion ; le tableau ci-dessous donne les mêmes chiffres.",
    ),
    ("dashboard.stage", "Stage", "Étape"),
    ("dashboard.count", "Patients", "Patients"),
    (
        "dashboard.conversion",
        "From the previous stage",
        "Depuis l’étape précédente",
    ),
    ("dashboard.exits", "Exits", "Sorties"),
    (
        "dashboard.enrolment",
        "Enrolment against target",
        "Inclusions par rapport à l’objectif",
    ),
    (
        "dashboard.enrolment.desc",
        "Cumulative enrolments per week; the dashed line is the target.",
        "Inclusions cumulées par semaine ; la ligne pointillée est l’objectif.",
    ),
    (
        "dashboard.enrolled",
        "Enrolled / target",
        "Inclus / objectif",
    ),
    ("dashboard.target", "Target", "Objectif"),
    ("dashboard.projection", "Projected completion", "Fin prévue"),
    (
        "dashboard.projection.none",
        "No enrolment in the last 8 weeks: no projection.",
        "Aucune inclusion ces 8 dernières semaines : pas de projection.",
    ),
    (
        "dashboard.projection.reached",
        "Target reached.",
        "Objectif atteint.",
    ),
    (
        "dashboard.projection.no_target",
        "No target set.",
        "Aucun objectif fixé.",
    ),
    (
        "dashboard.projection.suppressed",
        "Not shown: it would reveal a small count.",
        "Non affichée : elle révélerait un petit effectif.",
    ),
    (
        "dashboard.to_contact",
        "Median days from referral to first contact",
        "Délai médian (jours) de l’adressage au premier contact",
    ),
    (
        "dashboard.to_enrolment",
        "Median days from referral to enrolment",
        "Délai médian (jours) de l’adressage à l’inclusion",
    ),
    (
        "dashboard.screen_fail_rate",
        "Screen-failure rate",
        "Taux d’échec de pré-inclusion",
    ),
    ("dashboard.reasons", "Reasons", "Motifs"),
    (
        "dashboard.decline_reasons",
        "Reasons for declining the alert",
        "Motifs de refus de l’alerte",
    ),
    (
        "dashboard.screen_fail_reasons",
        "Screen-failure reasons",
        "Motifs d’échec de pré-inclusion",
    ),
    ("dashboard.reason.unspecified", "Not given", "Non précisé"),
    ("dashboard.by_site", "Per site", "Par centre"),
    ("dashboard.by_practice", "Per practice", "Par cabinet"),
    ("dashboard.by_week", "Per week", "Par semaine"),
    ("dashboard.practice", "Practice", "Cabinet"),
    ("dashboard.week", "Week", "Semaine"),
    ("dashboard.stage.shown", "Alert shown", "Alerte affichée"),
    ("dashboard.stage.answered", "Answered", "Réponse donnée"),
    ("dashboard.stage.proposed", "Proposed", "Proposé"),
    ("dashboard.stage.not_now", "Not now", "Pas maintenant"),
    (
        "dashboard.stage.declined",
        "Declined at the alert",
        "Refusé à l’alerte",
    ),
    (
        "dashboard.stage.consented",
        "Consented",
        "Consentement signé",
    ),
    ("dashboard.stage.referred", "Referred", "Adressé"),
    ("dashboard.stage.contacted", "Contacted", "Contacté"),
    ("dashboard.stage.screening", "Screening", "Pré-inclusion"),
    ("dashboard.stage.enrolled", "Enrolled", "Inclus"),
    (
        "dashboard.stage.screen_failed",
        "Screen failed",
        "Échec de pré-inclusion",
    ),
    (
        "dashboard.stage.site_declined",
        "Declined at the site",
        "Refusé au centre",
    ),
    ("dashboard.stage.withdrawn", "Withdrawn", "Retiré"),
    (
        "dashboard.admin.title",
        "Administration dashboard",
        "Tableau de bord d’administration",
    ),
    ("dashboard.audit", "Audit chain", "Chaîne d’audit"),
    ("dashboard.audit.intact", "Intact", "Intacte"),
    (
        "dashboard.audit.broken",
        "Broken at row",
        "Rompue à la ligne",
    ),
    ("dashboard.audit.rows", "rows", "lignes"),
    (
        "dashboard.audit.incremental",
        "Each visit verifies the rows added since the last one; `server audit verify` checks the whole chain again.",
        "Chaque visite vérifie les lignes ajoutées depuis la précédente ; `server audit verify` revérifie toute la chaîne.",
    ),
    (
        "dashboard.outbox",
        "Email outbox",
        "File d’envoi des emails",
    ),
    ("dashboard.outbox.pending", "Pending", "En attente"),
    ("dashboard.outbox.sent", "Sent", "Envoyés"),
    ("dashboard.outbox.failed", "Failed", "En échec"),
    ("dashboard.outbox.problems", "In trouble", "En difficulté"),
    ("dashboard.trials", "Trials", "Essais"),
    ("nav.admin_dashboard", "Dashboard", "Tableau de bord"),
];
