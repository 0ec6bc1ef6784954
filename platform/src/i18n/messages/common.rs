//! Messages of the page chrome: navigation, language switch, error pages.

use crate::i18n::Message;

/// `(key, English, French)`.
pub const MESSAGES: &[Message] = &[
    ("site.name", "Inclusio", "Inclusio"),
    (
        "site.tagline",
        "Clinical-trial prescreening for primary care",
        "Présélection pour les essais cliniques en soins primaires",
    ),
    ("nav.skip", "Skip to content", "Aller au contenu"),
    ("nav.main", "Main navigation", "Navigation principale"),
    ("nav.home", "Home", "Accueil"),
    ("nav.login", "Log in", "Se connecter"),
    ("nav.logout", "Log out", "Se déconnecter"),
    ("nav.signed_in_as", "Signed in as", "Connecté en tant que"),
    ("nav.language", "Language", "Langue"),
    (
        "nav.api_docs",
        "API documentation",
        "Documentation de l’API",
    ),
    (
        "home.intro",
        "Sponsors register their trials; GPs learn, during the consultation, which trials their patient may join; research coordinators follow each referral to enrolment.",
        "Les promoteurs enregistrent leurs essais ; le médecin généraliste apprend, pendant la consultation, à quels essais son patient pourrait participer ; les attachés de recherche suivent chaque orientation jusqu’à l’inclusion.",
    ),
    ("home.welcome", "Welcome", "Bienvenue"),
    (
        "error.not_found.title",
        "Page not found",
        "Page introuvable",
    ),
    (
        "error.not_found.body",
        "This page does not exist, or you may not see it.",
        "Cette page n’existe pas, ou vous n’y avez pas accès.",
    ),
    ("error.forbidden.title", "Not allowed", "Accès refusé"),
    (
        "error.forbidden.body",
        "Your role does not allow this action.",
        "Votre rôle ne permet pas cette action.",
    ),
    (
        "error.generic.title",
        "Something went wrong",
        "Une erreur est survenue",
    ),
    (
        "error.generic.body",
        "The request could not be completed. Quote this reference to the support team:",
        "La demande n’a pas pu aboutir. Communiquez cette référence au support :",
    ),
    (
        "error.back_home",
        "Back to the home page",
        "Retour à l’accueil",
    ),
];
