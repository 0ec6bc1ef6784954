//! Messages of the sponsor portal: login, the sponsor's trials, the trial form, the import
//! and the administrators' review.

use crate::web::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    ("nav.sponsor", "My trials", "Mes essais"),
    ("nav.review", "Trials to review", "Essais à relire"),
    ("login.email", "Email", "Adresse e-mail"),
    ("login.password", "Password", "Mot de passe"),
    (
        "login.invalid",
        "Wrong email or password.",
        "Adresse e-mail ou mot de passe incorrect.",
    ),
    (
        "login.throttled",
        "Too many failed attempts for this email. Try again in 15 minutes.",
        "Trop d’échecs pour cette adresse. Réessayez dans 15 minutes.",
    ),
    (
        "sponsor.title",
        "My organisation’s trials",
        "Les essais de mon organisation",
    ),
    ("sponsor.new_trial", "New trial", "Nouvel essai"),
    (
        "sponsor.import",
        "Import from ClinicalTrials.gov",
        "Importer depuis ClinicalTrials.gov",
    ),
    (
        "sponsor.no_trials",
        "No trial yet. Register your first one.",
        "Aucun essai pour l’instant. Enregistrez le premier.",
    ),
    ("sponsor.status", "Status", "Statut"),
    ("sponsor.version", "Version", "Version"),
    ("sponsor.recruitment", "Recruitment", "Recrutement"),
    (
        "sponsor.proposed",
        "proposed by GPs",
        "proposés par les médecins",
    ),
    ("sponsor.target", "target", "objectif"),
    ("draft", "Draft", "Brouillon"),
    ("submitted", "Submitted for review", "Soumis pour relecture"),
    ("approved", "Approved", "Approuvé"),
    ("recruiting", "Recruiting", "En recrutement"),
    ("paused", "Paused", "Suspendu"),
    ("closed", "Closed", "Clos"),
    ("trial.new", "New trial", "Nouvel essai"),
    (
        "trial.submit",
        "Submit for review",
        "Soumettre pour relecture",
    ),
    ("trial.recruit", "Start recruiting", "Ouvrir le recrutement"),
    (
        "trial.read_only",
        "Only a draft can be edited. This trial is read only.",
        "Seul un brouillon peut être modifié. Cet essai est en lecture seule.",
    ),
    (
        "trial.save_draft",
        "Save as draft",
        "Enregistrer le brouillon",
    ),
    (
        "trial.saved",
        "Saved: a new version of the draft.",
        "Enregistré : une nouvelle version du brouillon.",
    ),
    (
        "trial.moved",
        "The trial’s status changed.",
        "Le statut de l’essai a changé.",
    ),
    ("trial.existing_sites", "Sites", "Centres"),
    (
        "trial.add_sites",
        "Fill in the rows below to add sites.",
        "Remplissez les lignes ci-dessous pour ajouter des centres.",
    ),
    (
        "form.errors",
        "Please correct the following",
        "Merci de corriger les points suivants",
    ),
    ("form.choose", "— Choose —", "— Choisir —"),
    ("form.not_json", "Not valid JSON", "JSON invalide"),
    (
        "form.not_a_number",
        "Enter a number.",
        "Saisissez un nombre.",
    ),
    (
        "form.not_a_date",
        "Enter a date as YYYY-MM-DD.",
        "Saisissez une date au format AAAA-MM-JJ.",
    ),
    (
        "form.no_coordinator",
        "No research coordinator has this email.",
        "Aucun attaché de recherche n’a cette adresse.",
    ),
    ("section.identity", "Identity", "Identification"),
    ("section.gp", "For GPs", "Pour les médecins généralistes"),
    ("section.patients", "For patients", "Pour les patients"),
    ("section.recruitment", "Recruitment", "Recrutement"),
    ("section.site", "Site", "Centre"),
    ("section.sites", "Sites", "Centres"),
    (
        "section.criteria",
        "Eligibility criteria",
        "Critères d’éligibilité",
    ),
    (
        "section.consent",
        "Consent document",
        "Document de consentement",
    ),
    ("field.title", "Title", "Titre"),
    ("field.acronym", "Acronym", "Acronyme"),
    ("field.slug", "Trial identifier", "Identifiant de l’essai"),
    (
        "field.registry_number",
        "Registry number",
        "Numéro d’enregistrement",
    ),
    ("field.phase", "Phase", "Phase"),
    (
        "field.therapeutic_area",
        "Therapeutic area",
        "Aire thérapeutique",
    ),
    (
        "field.summary",
        "Summary for GPs",
        "Résumé pour les médecins",
    ),
    ("field.description", "Description", "Description"),
    (
        "field.comprehension_questions",
        "Comprehension questions (consent)",
        "Questions de compréhension (consentement)",
    ),
    (
        "hint.comprehension_questions",
        "Optional. One question per line: the question, then its options separated by |, the right one marked with *. Example: Can you stop at any time? | No | *Yes",
        "Facultatif. Une question par ligne : la question, puis ses réponses séparées par |, la bonne marquée d’un *. Exemple : Pouvez-vous arrêter à tout moment ? | Non | *Oui",
    ),
    ("form.line", "Line", "Ligne"),
    (
        "field.patient_information",
        "Information for patients",
        "Information pour les patients",
    ),
    (
        "field.target_enrolment",
        "Target enrolment",
        "Objectif d’inclusions",
    ),
    (
        "field.recruitment_start",
        "Recruitment start",
        "Début du recrutement",
    ),
    (
        "field.recruitment_end",
        "Recruitment end",
        "Fin du recrutement",
    ),
    (
        "field.consent_fr",
        "Consent document in French",
        "Document de consentement en français",
    ),
    (
        "field.consent_fr_label",
        "Version label (French)",
        "Libellé de version (français)",
    ),
    (
        "field.consent_en",
        "Consent document in English",
        "Document de consentement en anglais",
    ),
    (
        "field.consent_en_label",
        "Version label (English)",
        "Libellé de version (anglais)",
    ),
    ("field.site.name", "Site name", "Nom du centre"),
    ("field.site.address", "Address", "Adresse"),
    ("field.site.latitude", "Latitude", "Latitude"),
    ("field.site.longitude", "Longitude", "Longitude"),
    (
        "field.site.contact_name",
        "Coordinator name",
        "Nom de l’attaché de recherche",
    ),
    (
        "field.site.contact_email",
        "Coordinator email",
        "E-mail de l’attaché de recherche",
    ),
    (
        "field.site.contact_phone",
        "Coordinator phone",
        "Téléphone de l’attaché de recherche",
    ),
    (
        "field.site.coordinator_email",
        "Link a coordinator account (email)",
        "Associer un compte d’attaché de recherche (e-mail)",
    ),
    (
        "hint.slug",
        "Lower-case letters, digits and dashes; made from the acronym or title when empty. It never changes.",
        "Minuscules, chiffres et tirets ; construit à partir de l’acronyme ou du titre s’il est vide. Il ne change plus ensuite.",
    ),
    (
        "hint.registry_number",
        "NCT01234567, or an EU CT number such as 2023-501234-12-00.",
        "NCT01234567, ou un numéro EU CT comme 2023-501234-12-00.",
    ),
    (
        "hint.summary",
        "Shown in the GP’s pop-up: at most 200 characters and two lines.",
        "Affiché dans la fenêtre du médecin : 200 caractères et deux lignes au plus.",
    ),
    (
        "hint.site.latitude",
        "Optional, in decimal degrees (45.7597).",
        "Facultatif, en degrés décimaux (45.7597).",
    ),
    (
        "hint.site.coordinator_email",
        "Optional: the email of an existing research coordinator account.",
        "Facultatif : l’adresse d’un compte d’attaché de recherche existant.",
    ),
    (
        "hint.consent",
        "Saving a changed text adds a new version; consents already signed keep the version they were signed on.",
        "Enregistrer un texte modifié crée une nouvelle version ; les consentements déjà signés gardent leur version.",
    ),
    ("criteria.json", "Criteria (JSON)", "Critères (JSON)"),
    (
        "hint.criteria",
        "The criteria object: inclusion, exclusion and code sets (see the criteria language).",
        "L’objet des critères : inclusion, exclusion et listes de codes (voir le langage des critères).",
    ),
    (
        "criteria.eligibility_text",
        "Eligibility as registered",
        "Éligibilité telle qu’enregistrée",
    ),
    (
        "hint.eligibility_text",
        "The imported free text, to translate into criteria.",
        "Le texte importé, à traduire en critères.",
    ),
    ("review.title", "Trials to review", "Essais à relire"),
    (
        "review.empty",
        "No trial is waiting for review.",
        "Aucun essai n’attend de relecture.",
    ),
    (
        "review.back",
        "Back to the trials to review",
        "Retour aux essais à relire",
    ),
    ("review.decision", "Decision", "Décision"),
    (
        "review.comment",
        "Reviewer’s comment",
        "Commentaire de relecture",
    ),
    (
        "hint.review_comment",
        "Required to send the trial back to the sponsor.",
        "Obligatoire pour renvoyer l’essai au promoteur.",
    ),
    ("review.approve", "Approve", "Approuver"),
    (
        "review.reject",
        "Send back to the sponsor",
        "Renvoyer au promoteur",
    ),
    (
        "review.comment_required",
        "Write a comment to send the trial back.",
        "Écrivez un commentaire pour renvoyer l’essai.",
    ),
    (
        "review.decided",
        "Decision recorded.",
        "Décision enregistrée.",
    ),
    (
        "import.title",
        "Import from ClinicalTrials.gov",
        "Importer depuis ClinicalTrials.gov",
    ),
    (
        "import.intro",
        "Paste a study record (API v2 JSON). The new-trial form opens prefilled; nothing is saved until you save it.",
        "Collez la fiche d’une étude (JSON de l’API v2). Le formulaire d’un nouvel essai s’ouvre prérempli ; rien n’est enregistré avant que vous l’enregistriez.",
    ),
    (
        "import.file",
        "Or choose a file",
        "Ou choisissez un fichier",
    ),
    (
        "import.record",
        "Study record (JSON)",
        "Fiche de l’étude (JSON)",
    ),
    (
        "hint.import_record",
        "From https://clinicaltrials.gov/api/v2/studies/NCT…",
        "Depuis https://clinicaltrials.gov/api/v2/studies/NCT…",
    ),
    (
        "import.submit",
        "Prefill the form",
        "Préremplir le formulaire",
    ),
    (
        "detail.required",
        "This field is required.",
        "Ce champ est obligatoire.",
    ),
    (
        "detail.invalid_registry_number",
        "Neither an NCT number (NCT01234567) nor an EU CT number (2023-501234-12-00).",
        "Ni un numéro NCT (NCT01234567) ni un numéro EU CT (2023-501234-12-00).",
    ),
    (
        "detail.summary_too_long",
        "The summary must fit two lines: at most 200 characters and one line break.",
        "Le résumé doit tenir en deux lignes : 200 caractères et un retour à la ligne au plus.",
    ),
    (
        "detail.invalid_target",
        "The enrolment target is at least 1.",
        "L’objectif d’inclusions est d’au moins 1.",
    ),
    (
        "detail.end_before_start",
        "Recruitment ends before it starts.",
        "Le recrutement se termine avant de commencer.",
    ),
    (
        "detail.empty_title",
        "Give the trial a title.",
        "Donnez un titre à l’essai.",
    ),
    (
        "detail.empty_trial_id",
        "Give the trial an identifier (or an acronym or title to make one from).",
        "Donnez un identifiant à l’essai (ou un acronyme ou un titre pour le construire).",
    ),
    (
        "detail.out_of_range",
        "Latitudes lie between -90 and 90, longitudes between -180 and 180.",
        "Les latitudes sont entre -90 et 90, les longitudes entre -180 et 180.",
    ),
    (
        "detail.invalid_email",
        "Not an email address.",
        "Ce n’est pas une adresse e-mail.",
    ),
    ("phase.early_phase_1", "Early phase 1", "Phase 1 précoce"),
    ("phase.phase_1", "Phase 1", "Phase 1"),
    ("phase.phase_1_2", "Phase 1/2", "Phase 1/2"),
    ("phase.phase_2", "Phase 2", "Phase 2"),
    ("phase.phase_2_3", "Phase 2/3", "Phase 2/3"),
    ("phase.phase_3", "Phase 3", "Phase 3"),
    ("phase.phase_4", "Phase 4", "Phase 4"),
    ("phase.not_applicable", "Not applicable", "Sans objet"),
];

#[cfg(test)]
mod tests {
    use crate::pages::trial_form::{CONSENT, SECTIONS, SITE_FIELDS};
    use crate::registry::input::PHASES;
    use crate::web::i18n::has;

    /// The keys the trial form builds in code (labels, sections, phases) exist.
    #[test]
    fn form_keys_exist() {
        let mut keys: Vec<String> = SECTIONS
            .iter()
            .flat_map(|(id, fields)| {
                std::iter::once(format!("section.{id}"))
                    .chain(fields.iter().map(|(f, _)| format!("field.{f}")))
            })
            .collect();
        keys.extend(CONSENT.iter().map(|(f, _)| format!("field.{f}")));
        keys.extend(SITE_FIELDS.iter().map(|(f, _)| format!("field.site.{f}")));
        keys.extend(PHASES.iter().map(|p| format!("phase.{p}")));
        keys.extend(
            crate::lifecycle::Status::ALL
                .iter()
                .map(|s| s.as_str().to_string()),
        );
        let missing: Vec<_> = keys.iter().filter(|k| !has(k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }
}
