//! Messages of the consent flow, its PDF copy and the patient's receipt page.

use crate::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    (
        "consent.errors",
        "Some answers need attention",
        "Certaines réponses sont à revoir",
    ),
    (
        "consent.identity",
        "Identity check",
        "Vérification de l’identité",
    ),
    (
        "consent.identity_method",
        "How did you check the patient’s identity?",
        "Comment avez-vous vérifié l’identité du patient ?",
    ),
    (
        "consent.method.id_card",
        "National identity card",
        "Carte nationale d’identité",
    ),
    ("consent.method.passport", "Passport", "Passeport"),
    (
        "consent.method.residence_permit",
        "Residence permit",
        "Titre de séjour",
    ),
    (
        "consent.method.driving_licence",
        "Driving licence",
        "Permis de conduire",
    ),
    (
        "consent.method.known_patient",
        "Patient known to me (regular patient)",
        "Patient connu (patientèle habituelle)",
    ),
    (
        "consent.questions",
        "Questions to check understanding",
        "Questions de compréhension",
    ),
    (
        "consent.questions_hint",
        "The patient answers; a wrong answer means going over that point again.",
        "Le patient répond ; une mauvaise réponse signifie qu’il faut reprendre ce point.",
    ),
    ("consent.patient", "The patient", "Le patient"),
    ("consent.given_name", "Given name", "Prénom"),
    ("consent.family_name", "Family name", "Nom"),
    ("consent.birth_date", "Date of birth", "Date de naissance"),
    ("consent.phone", "Phone", "Téléphone"),
    ("consent.email", "Email", "Adresse électronique"),
    (
        "consent.contact_hint",
        "Give a phone number, an email address or both: the research team will contact the patient this way. With an email, the patient receives a copy of this consent.",
        "Indiquez un téléphone, une adresse électronique ou les deux : l’équipe de recherche contactera le patient ainsi. Avec une adresse, le patient reçoit une copie de ce consentement.",
    ),
    ("consent.statements", "I confirm that", "Je confirme que"),
    (
        "consent.statement.read",
        "I have read (or had read to me) the information and the consent document above.",
        "J’ai lu (ou on m’a lu) l’information et le document de consentement ci-dessus.",
    ),
    (
        "consent.statement.questions",
        "I could ask questions and got answers I understood.",
        "J’ai pu poser mes questions et j’ai compris les réponses.",
    ),
    (
        "consent.statement.voluntary",
        "I take part freely; saying no changes nothing in my care.",
        "Je participe librement ; refuser ne change rien à mes soins.",
    ),
    (
        "consent.statement.withdraw",
        "I can withdraw at any time, without giving a reason.",
        "Je peux retirer mon consentement à tout moment, sans donner de raison.",
    ),
    (
        "consent.statement.data",
        "I agree that my identity and contact details are sent, encrypted, to the trial’s research team only.",
        "J’accepte que mon identité et mes coordonnées soient transmises, chiffrées, à la seule équipe de recherche de l’essai.",
    ),
    (
        "consent.statement.contact",
        "I agree to be contacted by the research team about this trial.",
        "J’accepte d’être contacté(e) par l’équipe de recherche au sujet de cet essai.",
    ),
    ("consent.signature", "Signature", "Signature"),
    (
        "consent.signature_meaning",
        "By typing my full name I sign this consent electronically: I agree to be referred to the research team of this trial, as described in the document above.",
        "En tapant mes nom et prénom, je signe électroniquement ce consentement : j’accepte d’être adressé(e) à l’équipe de recherche de cet essai, comme décrit dans le document ci-dessus.",
    ),
    (
        "consent.signature_typed",
        "Type your full name (given name and family name)",
        "Tapez vos prénom et nom",
    ),
    (
        "consent.signature_drawn",
        "You may also sign with your finger or the mouse (optional)",
        "Vous pouvez aussi signer au doigt ou à la souris (facultatif)",
    ),
    ("consent.signature_clear", "Clear", "Effacer"),
    ("consent.gp", "The doctor", "Le médecin"),
    (
        "consent.gp_name",
        "Your name (the attesting doctor)",
        "Votre nom (médecin attestant)",
    ),
    (
        "consent.gp_attest",
        "I attest that I checked the patient’s identity, that the patient read the document, could ask questions, and signed freely in my presence.",
        "J’atteste avoir vérifié l’identité du patient, qu’il a lu le document, a pu poser ses questions et a signé librement en ma présence.",
    ),
    (
        "consent.site",
        "Research site (nearest first)",
        "Centre investigateur (le plus proche en premier)",
    ),
    ("consent.sign", "Sign the consent", "Signer le consentement"),
    (
        "consent.error.required",
        "Fill in this field.",
        "Remplissez ce champ.",
    ),
    (
        "consent.error.too_long",
        "This is too long.",
        "C’est trop long.",
    ),
    (
        "consent.error.choose",
        "Choose one answer.",
        "Choisissez une réponse.",
    ),
    (
        "consent.error.wrong_answer",
        "This answer is not right: go over this point with the patient again.",
        "Cette réponse n’est pas la bonne : reprenez ce point avec le patient.",
    ),
    (
        "consent.error.date",
        "Enter the date as YYYY-MM-DD.",
        "Saisissez la date au format AAAA-MM-JJ.",
    ),
    (
        "consent.error.birth_date",
        "This date of birth is not possible.",
        "Cette date de naissance n’est pas possible.",
    ),
    (
        "consent.error.minor",
        "The patient must be an adult: minors follow the trial’s own consent process.",
        "Le patient doit être majeur : les mineurs suivent la procédure de consentement propre à l’essai.",
    ),
    (
        "consent.error.contact",
        "Give a phone number or an email address.",
        "Indiquez un téléphone ou une adresse électronique.",
    ),
    (
        "consent.error.phone",
        "Enter a phone number (digits, spaces, +).",
        "Saisissez un numéro de téléphone (chiffres, espaces, +).",
    ),
    (
        "consent.error.email",
        "Enter an email address such as name@example.fr.",
        "Saisissez une adresse telle que nom@exemple.fr.",
    ),
    (
        "consent.error.statements",
        "Every statement must be ticked to consent.",
        "Chaque affirmation doit être cochée pour consentir.",
    ),
    (
        "consent.error.signature_mismatch",
        "The signature must be the patient’s given name and family name as entered above.",
        "La signature doit reprendre les prénom et nom saisis ci-dessus.",
    ),
    (
        "consent.error.signature_image",
        "The drawn signature could not be read: clear it and sign again.",
        "La signature dessinée est illisible : effacez-la et signez à nouveau.",
    ),
    (
        "consent.error.attest",
        "Tick the attestation.",
        "Cochez l’attestation.",
    ),
    (
        "consent.error.document_changed",
        "The consent document changed while you were reading: read the new version and sign again.",
        "Le document de consentement a changé pendant la lecture : lisez la nouvelle version et signez à nouveau.",
    ),
    (
        "consent.pdf.title",
        "Informed consent to take part in research",
        "Consentement éclairé à participer à une recherche",
    ),
    ("consent.pdf.trial", "Trial", "Essai"),
    (
        "consent.pdf.registry",
        "Registry number",
        "Numéro d’enregistrement",
    ),
    ("consent.pdf.site", "Research site", "Centre investigateur"),
    (
        "consent.pdf.record",
        "Consent record",
        "Enregistrement du consentement",
    ),
    ("consent.pdf.signed_by", "Signed by", "Signé par"),
    (
        "consent.pdf.signed_at",
        "Date and time (UTC)",
        "Date et heure (UTC)",
    ),
    (
        "consent.pdf.meaning",
        "Meaning of the signature",
        "Signification de la signature",
    ),
    (
        "consent.pdf.drawn",
        "A drawn signature was also captured and is kept with the record.",
        "Une signature dessinée a aussi été recueillie et est conservée avec l’enregistrement.",
    ),
    ("consent.pdf.attested_by", "Attested by", "Attesté par"),
    (
        "consent.pdf.binding",
        "Signature SHA-256",
        "Empreinte SHA-256 de la signature",
    ),
    (
        "consent.pdf.withdraw",
        "You can withdraw this consent at any time, without giving a reason and without any consequence for your care, with the link in your email or by asking the research team.",
        "Vous pouvez retirer ce consentement à tout moment, sans donner de raison et sans conséquence pour vos soins, avec le lien reçu par courriel ou auprès de l’équipe de recherche.",
    ),
    ("receipt.heading", "Your consent", "Votre consentement"),
    (
        "receipt.signed",
        "Consent signed on",
        "Consentement signé le",
    ),
    (
        "receipt.withdrawn",
        "Consent withdrawn on",
        "Consentement retiré le",
    ),
    (
        "receipt.download",
        "Download the signed copy (PDF)",
        "Télécharger la copie signée (PDF)",
    ),
    (
        "receipt.withdraw_heading",
        "Withdraw your consent",
        "Retirer votre consentement",
    ),
    (
        "receipt.withdraw_text",
        "You can withdraw at any time, without giving a reason; your care does not change. The research team will stop contacting you. What was recorded before stays, marked as withdrawn.",
        "Vous pouvez retirer votre consentement à tout moment, sans donner de raison ; vos soins ne changent pas. L’équipe de recherche cessera de vous contacter. Ce qui a été enregistré avant reste, marqué comme retiré.",
    ),
    (
        "receipt.confirm",
        "I withdraw my consent to this trial.",
        "Je retire mon consentement à cet essai.",
    ),
    (
        "receipt.confirm_missing",
        "Tick the box to confirm.",
        "Cochez la case pour confirmer.",
    ),
    ("receipt.withdraw", "Withdraw", "Retirer mon consentement"),
];
