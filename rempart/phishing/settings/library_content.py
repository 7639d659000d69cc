"""French starter content of the phishing library: simulated e-mails of the health sector and
landing pages.

Every sender, portal and vendor named here is fictitious: no real brand or organisation is
imitated. Bodies are Django templates (variables in `rempart.phishing.sending.rendering`); landing
pages post their form to `{{ submit_url }}` and load nothing from outside (inline CSS).
The content is French because it is what French staff receive; it is not interface text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.phishing.choices import PremiseAlignment

HIGH = PremiseAlignment.HIGH.value
MEDIUM = PremiseAlignment.MEDIUM.value
LOW = PremiseAlignment.LOW.value


@dataclass(frozen=True)
class StarterTemplate:
    key: str
    name: str
    from_name: str
    subject: str
    html: str
    text: str
    cues: tuple[str, ...]
    premise_alignment: str
    lesson: str


@dataclass(frozen=True)
class StarterPage:
    name: str
    html: str


def _mail(body: str, signature: str) -> str:
    """A plain, plausible e-mail layout around `body`, ending with the open pixel."""
    return (
        '<div style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;'
        'max-width:640px">\n'
        f"{body.strip()}\n"
        f'<p style="color:#555;font-size:12px">{signature.strip()}</p>\n'
        "</div>\n{{ tracker }}\n"
    )


def _button(label: str) -> str:
    return (
        '<p><a href="{{ url }}" style="display:inline-block;background:#1f5fa8;color:#fff;'
        f'padding:10px 18px;text-decoration:none;border-radius:4px">{label}</a></p>'
    )


QUOTA = StarterTemplate(
    key="fr-mailbox-quota",
    name="Boîte aux lettres pleine (service informatique)",
    from_name="Service informatique",
    subject="Votre boîte aux lettres a atteint 98 % de sa capacité",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Votre boîte aux lettres {{ establishment }} a atteint <b>98 %</b> de son quota. "
        "Au-delà de 100 %, les nouveaux messages vous seront retournés.</p>\n"
        "<p>Pour augmenter gratuitement votre espace, validez votre compte "
        "dans les 24&nbsp;heures&nbsp;:</p>\n" + _button("Augmenter mon espace"),
        "Service informatique — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nVotre boîte aux lettres {{ establishment }} a atteint "
        "98 % de son quota. Pour augmenter votre espace, validez votre compte dans les 24 "
        "heures : {{ url }}\n\nService informatique"
    ),
    cues=("urgency", "link_mismatch", "display_name_mismatch", "threatening_language"),
    premise_alignment=MEDIUM,
    lesson=(
        "Le message venait d'une adresse extérieure à l'établissement, malgré le nom "
        "« Service informatique » affiché. Le lien ne menait pas à la messagerie habituelle "
        "mais à un site inconnu, et le délai de 24 heures servait à vous presser. Le service "
        "informatique n'a pas besoin de votre mot de passe pour agrandir une boîte aux "
        "lettres. Au moindre doute, transférez le message à la boîte de signalement et "
        "ne saisissez jamais votre mot de passe sur une page ouverte depuis un e-mail."
    ),
)

PAYROLL = StarterTemplate(
    key="fr-payroll-portal",
    name="Bulletin de paie disponible (portail de paie)",
    from_name="Direction des ressources humaines",
    subject="Votre bulletin de paie et une régularisation sont disponibles",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Votre bulletin de paie du mois est disponible sur le portail <b>PaieConnect "
        "Santé</b>. Une <b>régularisation en votre faveur</b> (prime de service) y figure "
        "également.</p>\n"
        "<p>Pour la consulter, connectez-vous avec vos identifiants habituels&nbsp;:</p>\n"
        + _button("Consulter mon bulletin"),
        "Direction des ressources humaines — {{ establishment }}<br>"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nVotre bulletin de paie et une régularisation en votre "
        "faveur sont disponibles sur le portail PaieConnect Santé : {{ url }}\n\n"
        "Direction des ressources humaines — {{ establishment }}"
    ),
    cues=(
        "mimics_business_process",
        "link_mismatch",
        "display_name_mismatch",
        "requests_sensitive_info",
        "too_good_to_be_true",
    ),
    premise_alignment=HIGH,
    lesson=(
        "Ce message imitait un processus réel, la mise à disposition du bulletin de paie, "
        "et ajoutait une « régularisation en votre faveur » pour attiser la curiosité. "
        "L'adresse de l'expéditeur n'était pas celle de la DRH et le lien menait à un portail "
        "inconnu de l'établissement. Pour consulter votre paie, passez toujours par l'adresse "
        "habituelle, enregistrée dans vos favoris ou publiée sur l'intranet. Signalez ce type "
        "de message à la boîte de signalement et ne donnez jamais votre mot de passe."
    ),
)

ROSTER = StarterTemplate(
    key="fr-roster-published",
    name="Nouveau planning publié (bureau des plannings)",
    from_name="Bureau des plannings",
    subject="Planning modifié : vos horaires de la semaine prochaine",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Le planning de votre service a été mis à jour suite à des absences. "
        "<b>Vos horaires de la semaine prochaine ont changé.</b></p>\n"
        "<p>Merci de prendre connaissance de vos nouveaux postes et de les valider&nbsp;:</p>\n"
        + _button("Voir mon planning"),
        "Bureau des plannings — Direction des soins — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nLe planning de votre service a été mis à jour. Vos "
        "horaires de la semaine prochaine ont changé. Merci de les valider : {{ url }}\n\n"
        "Bureau des plannings — {{ establishment }}"
    ),
    cues=("mimics_business_process", "link_mismatch", "display_name_mismatch"),
    premise_alignment=HIGH,
    lesson=(
        "Ce message était difficile à repérer : il reprenait un geste quotidien, la "
        "consultation du planning. Les indices étaient discrets : l'adresse réelle de "
        "l'expéditeur ne correspondait pas au bureau des plannings, et le lien ne menait pas "
        "au logiciel de planning de l'établissement. Face à un changement annoncé par e-mail, "
        "ouvrez le logiciel de planning comme d'habitude ou appelez votre cadre de santé. Si "
        "un message vous semble douteux, transférez-le à la boîte de signalement."
    ),
)

DPI_UPDATE = StarterTemplate(
    key="fr-dpi-access",
    name="Mise à jour d'accès au dossier patient (éditeur DPI)",
    from_name="Support Azurel DPI",
    subject="Action requise : revalidation de votre accès au dossier patient informatisé",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Dans le cadre de la mise à jour de sécurité du dossier patient informatisé "
        "<b>Azurel DPI</b> déployé {{ at_establishment }}, chaque utilisateur doit revalider "
        "son accès.</p>\n"
        "<p><b>Sans revalidation avant ce soir 18&nbsp;h, votre compte sera suspendu</b> "
        "et vous ne pourrez plus accéder aux dossiers de vos patients.</p>\n"
        + _button("Revalider mon accès"),
        "Support Azurel DPI — support@azurel-dpi-securite.com",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nChaque utilisateur du dossier patient Azurel DPI "
        "{{ of_establishment }} doit revalider son accès avant ce soir 18 h, faute de quoi son "
        "compte sera suspendu : {{ url }}\n\nSupport Azurel DPI"
    ),
    cues=(
        "poses_as_authority",
        "urgency",
        "threatening_language",
        "link_mismatch",
        "domain_spoofing",
        "requests_sensitive_info",
    ),
    premise_alignment=HIGH,
    lesson=(
        "Un éditeur de logiciel ne demande pas aux soignants de « revalider » leur compte par "
        "e-mail : les mises à jour passent par le service informatique de l'établissement. "
        "La menace de suspension « avant ce soir » servait à vous faire agir vite, et le "
        "domaine du lien (azurel-dpi-securite.com) n'était pas celui de l'établissement. "
        "En cas de doute, appelez le support informatique interne au numéro habituel. "
        "Transférez le message à la boîte de signalement et ne saisissez jamais votre mot de "
        "passe depuis un lien reçu par e-mail."
    ),
)

PHARMACY = StarterTemplate(
    key="fr-pharmacy-recall",
    name="Rappel de lot (pharmacie à usage intérieur)",
    from_name="Pharmacie à usage intérieur",
    subject="URGENT — Rappel de lot : vérification des stocks de votre service",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Suite à une alerte de pharmacovigilance, un lot de solutés est rappelé. "
        "Chaque service doit déclarer <b>aujourd'hui</b> les unités présentes dans son "
        "armoire à pharmacie.</p>\n"
        "<p>La liste des lots concernés et le formulaire de déclaration sont disponibles "
        "ici&nbsp;:</p>\n" + _button("Liste des lots rappelés (PDF)"),
        "Pharmacie à usage intérieur — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nUn lot de solutés est rappelé. Chaque service doit "
        "déclarer aujourd'hui les unités présentes dans son armoire à pharmacie. Liste des "
        "lots et formulaire : {{ url }}\n\nPharmacie à usage intérieur — {{ establishment }}"
    ),
    cues=("mimics_business_process", "urgency", "link_mismatch", "display_name_mismatch"),
    premise_alignment=HIGH,
    lesson=(
        "Ce message s'appuyait sur une procédure réelle et importante, le rappel de lot, pour "
        "créer un sentiment d'urgence. Le bouton annonçait un PDF mais menait à une page web "
        "extérieure, et l'adresse de l'expéditeur n'était pas celle de la pharmacie. Une "
        "alerte de la PUI se vérifie en appelant la pharmacie ou sur l'intranet. Transférez "
        "ce type de message à la boîte de signalement sans cliquer."
    ),
)

PARCEL = StarterTemplate(
    key="fr-parcel-reception",
    name="Colis en attente à l'accueil (transporteur)",
    from_name="Livrexpress Santé",
    subject="Votre colis n° LX-4471-09 est en attente à l'accueil",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Un colis a votre nom a été déposer à l'accueil {{ of_establishment }} mais "
        "l'adresse est incomplète. Des frais de réexpédition de <b>1,99&nbsp;€</b> sont "
        "a régler pour finaliser la livraison.</p>\n"
        "<p>Référence : LX-4471-09 — Poids : 1,2 kg — Dépôt : 08:42</p>\n"
        + _button("Programmer la livraison"),
        "Livrexpress Santé — Service client",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nUn colis a votre nom a été déposer à l'accueil "
        "{{ of_establishment }}. Des frais de réexpédition de 1,99 € sont a régler : {{ url }}"
        "\n\nLivrexpress Santé"
    ),
    cues=(
        "spelling_grammar",
        "inconsistency",
        "requests_sensitive_info",
        "distracting_detail",
        "link_mismatch",
    ),
    premise_alignment=LOW,
    lesson=(
        "Plusieurs indices trahissaient ce message : des fautes (« a votre nom », « déposer », "
        "« a régler »), et une incohérence, puisqu'un colis déjà déposé à l'accueil n'a pas "
        "besoin d'être réexpédié. La petite somme demandée sert à obtenir vos coordonnées "
        "bancaires, et les références détaillées à détourner votre attention. En cas de "
        "doute, appelez directement l'accueil. Signalez le message à la boîte de signalement "
        "et ne saisissez jamais ni carte bancaire ni mot de passe sur une page ouverte depuis "
        "un e-mail."
    ),
)

LAB_RESULTS = StarterTemplate(
    key="fr-lab-results",
    name="Résultats d'analyses disponibles (santé au travail)",
    from_name="BioRésultats en ligne",
    subject="Vos résultats d'analyses sont disponibles",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Suite à votre bilan sanguin réalisé dans le cadre du suivi de santé au travail "
        "{{ of_establishment }}, vos résultats sont disponibles. "
        "<b>Certaines valeurs nécessitent votre attention.</b></p>\n"
        "<p>Pour des raisons de confidentialité, connectez-vous pour les consulter&nbsp;:</p>\n"
        + _button("Consulter mes résultats"),
        "BioRésultats en ligne — plateforme sécurisée de résultats",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nVos résultats d'analyses (suivi de santé au travail "
        "{{ of_establishment }}) sont disponibles. Certaines valeurs nécessitent votre "
        "attention. Connectez-vous : {{ url }}"
    ),
    cues=("emotional_appeal", "requests_sensitive_info", "link_mismatch", "no_signer"),
    premise_alignment=MEDIUM,
    lesson=(
        "Ce message jouait sur l'inquiétude (« certaines valeurs nécessitent votre "
        "attention ») pour vous faire cliquer sans réfléchir. Il ne portait aucune signature "
        "identifiable et provenait d'une plateforme inconnue de l'établissement. Le service de "
        "santé au travail vous remet vos résultats en main propre ou par un canal que vous "
        "connaissez déjà. Transférez ce type de message à la boîte de signalement et ne "
        "saisissez jamais votre mot de passe professionnel sur un site extérieur."
    ),
)

CPS_RENEWAL = StarterTemplate(
    key="fr-cps-renewal",
    name="Renouvellement de la carte CPS (centre de gestion des cartes)",
    from_name="Centre de gestion des cartes professionnelles",
    subject="Votre carte CPS expire : renouvellement obligatoire sous 48 h",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Votre carte de professionnel de santé (CPS) arrive à expiration. "
        "<b>Sans renouvellement sous 48&nbsp;heures, elle sera désactivée</b> et vous ne "
        "pourrez plus signer vos prescriptions ni accéder aux logiciels "
        "{{ of_establishment }}.</p>\n"
        "<p>Pour recevoir votre nouvelle carte, confirmez votre identité et votre code PIN "
        "actuel&nbsp;:</p>\n" + _button("Renouveler ma carte CPS"),
        "Centre de gestion des cartes professionnelles — cartes-cps-renouvellement.net<br>"
        "Document confidentiel. Toute diffusion non autorisée est interdite.",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nVotre carte CPS expire. Sans renouvellement sous 48 "
        "heures, elle sera désactivée. Confirmez votre identité et votre code PIN : {{ url }}"
        "\n\nCentre de gestion des cartes professionnelles"
    ),
    cues=(
        "poses_as_authority",
        "threatening_language",
        "urgency",
        "requests_sensitive_info",
        "link_mismatch",
        "domain_spoofing",
        "legal_language",
    ),
    premise_alignment=HIGH,
    lesson=(
        "Le renouvellement des cartes CPS est automatique et ne demande jamais votre code "
        "PIN : ce code ne se communique à personne, pas plus que votre mot de passe. La "
        "menace de désactivation sous 48 heures et la mention « document confidentiel » "
        "servaient à vous intimider. Le domaine du lien n'était pas celui d'un organisme que "
        "vous connaissez. Pour toute question sur votre carte, adressez-vous au service "
        "informatique ou au secrétariat médical, et transférez le message à la boîte de "
        "signalement."
    ),
)

SHARED_DOC = StarterTemplate(
    key="fr-shared-document",
    name="Document partagé par un collègue",
    from_name="Claire Fontanel (via Partage de documents)",
    subject="Claire Fontanel a partagé « Tableau des astreintes T3.xlsx » avec vous",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Claire Fontanel a partagé un document avec vous&nbsp;:</p>\n"
        '<p style="border:1px solid #ddd;padding:10px">📄 <b>Tableau des astreintes '
        "T3.xlsx</b><br>« Peux-tu vérifier tes dates avant vendredi ? Merci ! »</p>\n"
        + _button("Ouvrir le document"),
        "Partage de documents — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nClaire Fontanel a partagé « Tableau des astreintes "
        "T3.xlsx » avec vous : « Peux-tu vérifier tes dates avant vendredi ? » "
        "Ouvrir : {{ url }}"
    ),
    cues=(
        "poses_as_authority",
        "mimics_business_process",
        "display_name_mismatch",
        "link_mismatch",
    ),
    premise_alignment=HIGH,
    lesson=(
        "Un partage de document semble anodin : c'est justement ce qui le rend efficace. Le "
        "nom d'une collègue était affiché, mais l'adresse réelle de l'expéditeur était "
        "extérieure à l'établissement et le lien menait à une page de connexion inconnue. "
        "Si un document partagé vous surprend, demandez à la personne par téléphone ou par "
        "la messagerie interne si elle vous l'a bien envoyé. Transférez le message à la boîte "
        "de signalement et ne saisissez jamais votre mot de passe sur la page qui s'ouvre."
    ),
)

SECURITY_ALERT = StarterTemplate(
    key="fr-security-alert",
    name="Alerte de connexion inhabituelle (fausse alerte sécurité)",
    from_name="Cellule sécurité informatique",
    subject="⚠ Alerte sécurité : connexion inhabituelle à votre compte",
    html=_mail(
        "<p>🔒 <b>Message sécurisé — vérifié par l'antivirus</b></p>\n"
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Une connexion à votre compte {{ establishment }} a été détectée depuis un "
        "appareil inconnu (Lagos, Nigeria). Si vous n'êtes pas à l'origine de cette "
        "connexion, votre compte sera bloqué dans 2&nbsp;heures par mesure de "
        "protection.</p>\n"
        "<p>Sécurisez votre compte en confirmant votre mot de passe&nbsp;:</p>\n"
        + _button("Sécuriser mon compte"),
        "Cellule sécurité informatique — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nUne connexion inhabituelle à votre compte "
        "{{ establishment }} a été détectée. Sans action de votre part, votre compte sera "
        "bloqué dans 2 heures. Confirmez votre mot de passe : {{ url }}"
    ),
    cues=(
        "security_indicators",
        "threatening_language",
        "urgency",
        "requests_sensitive_info",
        "link_mismatch",
        "emotional_appeal",
    ),
    premise_alignment=MEDIUM,
    lesson=(
        "Ce message imitait une alerte de sécurité pour vous faire peur. Le cadenas et la "
        "mention « vérifié par l'antivirus » étaient de simples décorations : n'importe qui "
        "peut les copier dans un e-mail. Une vraie équipe de sécurité ne vous demande jamais "
        "de « confirmer » votre mot de passe. Si vous pensez que votre compte est menacé, "
        "appelez le support informatique au numéro habituel. Transférez ce type de message à "
        "la boîte de signalement."
    ),
)

VOUCHER = StarterTemplate(
    key="fr-gift-voucher",
    name="Bon d'achat gagné (amicale du personnel)",
    from_name="Amicale du personnel",
    subject="FELICITATION !!! Vous avez été tiré au sort : bon d'achat de 150 €",
    html=(
        '<div style="font-family:Comic Sans MS,Arial;font-size:16px;color:#c00;'
        'background:#ffff99;padding:12px">\n'
        "<p>Cher(e) collègue,</p>\n"
        "<p><b>FELICITATION !!!</b> Vous faite parti des 10 agent(e)s tiré(e)s au sort par "
        "l'amicale du personnel {{ of_establishment }} pour recevoir un "
        "<b>bon d'achat de 150&nbsp;€</b> !!</p>\n"
        "<p>Offre valable uniquement aujourd'hui pour les 10 premiers qui répondent. "
        "Indiquez vos coordonnées bancaires pour le versement :</p>\n"
        '<p><a href="{{ url }}" style="font-size:20px;color:#00f">'
        "&gt;&gt;&gt; RECEVOIR MES 150 € MAINTENANT &lt;&lt;&lt;</a></p>\n"
        "<p>L'amicale</p>\n"
        "</div>\n{{ tracker }}\n"
    ),
    text=(
        "Cher(e) collègue,\n\nFELICITATION !!! Vous faite parti des 10 agent(e)s tiré(e)s "
        "au sort par l'amicale du personnel {{ of_establishment }} pour un bon d'achat de "
        "150 € ! Offre valable aujourd'hui seulement : {{ url }}\n\nL'amicale"
    ),
    cues=(
        "too_good_to_be_true",
        "youre_special",
        "limited_time_offer",
        "spelling_grammar",
        "generic_greeting",
        "unprofessional_design",
        "requests_sensitive_info",
        "urgency",
        "display_name_mismatch",
        "link_mismatch",
        "no_signer",
    ),
    premise_alignment=LOW,
    lesson=(
        "Ce message accumulait les signes d'alerte : un gain inattendu, un tirage au sort "
        "dont vous n'aviez jamais entendu parler, une offre limitée « aujourd'hui seulement », "
        "des fautes et une mise en page peu professionnelle. L'accroche « Cher(e) collègue » "
        "montrait que l'expéditeur ne vous connaissait pas, et personne n'a besoin de vos "
        "coordonnées bancaires pour vous remettre un bon d'achat. Transférez ce type de "
        "message à la boîte de signalement, sans cliquer ni répondre."
    ),
)

MFA_QR = StarterTemplate(
    key="fr-mfa-qr-code",
    name="Authentification multifacteur : scannez le QR code (direction du numérique)",
    from_name="Direction du numérique",
    subject="Nouvelle authentification multifacteur : scannez le QR code",
    html=_mail(
        "<p>Bonjour {{ first_name }},</p>\n"
        "<p>Dans le cadre du renforcement de la sécurité du système d'information "
        "{{ of_establishment }}, l'authentification multifacteur devient obligatoire pour "
        "tous les comptes à partir de lundi.</p>\n"
        "<p>Pour activer la vôtre, scannez ce QR code avec votre téléphone professionnel "
        "ou personnel, puis connectez-vous avec vos identifiants habituels&nbsp;:</p>\n"
        "<p>{{ qr_code }}</p>\n"
        "<p>Sans activation avant vendredi, votre compte sera suspendu.</p>\n"
        '<p style="font-size:12px">Vous ne pouvez pas scanner le code&nbsp;? '
        '<a href="{{ url }}">Activer depuis cet ordinateur</a></p>',
        "Direction du numérique — {{ establishment }}",
    ),
    text=(
        "Bonjour {{ first_name }},\n\nL'authentification multifacteur devient obligatoire "
        "{{ at_establishment }}. Activez-la avant vendredi, sans quoi votre compte sera "
        "suspendu : {{ url }}\n\nDirection du numérique"
    ),
    cues=("poses_as_authority", "urgency", "threatening_language", "display_name_mismatch"),
    premise_alignment=HIGH,
    lesson=(
        "Ce message imitait un vrai projet de sécurité, l'authentification multifacteur, "
        "et remplaçait le lien par un QR code : l'adresse était cachée dans l'image et le "
        "téléphone qui le lisait échappait aux protections de la messagerie. Un QR code "
        "reçu par e-mail est un lien comme un autre, à ne pas scanner sans en être sûr. "
        "L'expéditeur était extérieur à l'établissement et la menace de suspension servait "
        "à vous presser. Transférez ce type de message à la boîte de signalement et "
        "renseignez-vous auprès du service informatique par ses canaux habituels."
    ),
)

STARTER_TEMPLATES: tuple[StarterTemplate, ...] = (
    QUOTA,
    PAYROLL,
    ROSTER,
    DPI_UPDATE,
    PHARMACY,
    PARCEL,
    LAB_RESULTS,
    CPS_RENEWAL,
    SHARED_DOC,
    SECURITY_ALERT,
    VOUCHER,
    MFA_QR,
)

_PAGE_STYLE = (
    "<style>"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:Arial,Helvetica,sans-serif;background:#eef2f6;color:#222}"
    ".box{max-width:380px;margin:8vh auto;background:#fff;padding:28px;border-radius:6px;"
    "box-shadow:0 2px 8px rgba(0,0,0,.12)}"
    "h1{font-size:20px;margin:0 0 6px}"
    "p{font-size:14px;color:#555}"
    "label{display:block;font-size:13px;margin:14px 0 4px}"
    "input{width:100%;padding:10px;font-size:15px;border:1px solid #bbb;border-radius:4px}"
    "button{margin-top:18px;width:100%;padding:11px;font-size:15px;border:0;border-radius:4px;"
    "background:#1f5fa8;color:#fff}"
    ".doc{border:1px solid #ddd;border-radius:4px;padding:10px;margin:12px 0;font-size:14px}"
    "small{display:block;margin-top:16px;color:#888;text-align:center}"
    "</style>"
)


def _page(title: str, intro: str, submit_label: str) -> str:
    """A sign-in page: `identifiant` and `mot_de_passe` posted to `{{ submit_url }}`."""
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{_PAGE_STYLE}\n</head>\n<body>\n"
        f'<div class="box">\n<h1>{title}</h1>\n{intro.strip()}\n'
        '<form method="post" action="{{ submit_url }}" autocomplete="off">\n'
        '<label for="identifiant">Identifiant</label>\n'
        '<input id="identifiant" name="identifiant" autocomplete="off" required>\n'
        '<label for="mot_de_passe">Mot de passe</label>\n'
        '<input id="mot_de_passe" name="mot_de_passe" type="password" '
        'autocomplete="off" required>\n'
        f'<button type="submit">{submit_label}</button>\n</form>\n'
        "<small>{{ establishment|default:'Portail' }} — accès réservé au personnel</small>\n"
        "</div>\n</body>\n</html>\n"
    )


WEBMAIL_PAGE = StarterPage(
    name="Connexion à la messagerie (intranet)",
    html=_page(
        "Messagerie — connexion",
        "<p>Votre session a expiré. Connectez-vous pour accéder à votre messagerie et à "
        "l'intranet.</p>",
        "Se connecter",
    ),
)

DOCUMENT_PAGE = StarterPage(
    name="Document partagé (connexion requise)",
    html=_page(
        "Partage de documents",
        '<div class="doc">📄 <b>Document partagé avec vous</b><br>'
        "Connectez-vous avec votre compte professionnel pour l'ouvrir.</div>",
        "Ouvrir le document",
    ),
)

PORTAL_PAGE = StarterPage(
    name="Portail du personnel (paie, planning)",
    html=_page(
        "Portail du personnel",
        "<p>Bulletins de paie, planning, congés&nbsp;: identifiez-vous avec votre compte "
        "habituel.</p>",
        "Connexion",
    ),
)

STARTER_PAGES: tuple[StarterPage, ...] = (WEBMAIL_PAGE, DOCUMENT_PAGE, PORTAL_PAGE)
