"""Build tests/data/pii_cases.jsonl: labelled PII sentences for tests/unit/core/test_privacy.py.

Run `python tests/data/build_pii_cases.py` from the repository root to regenerate the file. The identifiers
are synthetic but valid (or deliberately invalid for the look-alikes); their checksums are computed here,
independently of core.privacy. Sentences mark each PII span inline as [KIND:value]; the output has plain
text plus spans.
"""

# ruff: noqa: E501  (CASES holds whole sentences, one a line)

from __future__ import annotations

import json
import random
import re
from pathlib import Path

RNG = random.Random(20261128)


def nir(sex: int, yy: int, mm: int, dept: str, commune: int, order: int, *, wrong: bool = False) -> str:
    body = f"{sex}{yy:02d}{mm:02d}{dept}{commune:03d}{order:03d}"
    numeric = body.replace("2A", "19") if dept == "2A" else body.replace("2B", "18") if dept == "2B" else body
    key = 97 - int(numeric) % 97
    if wrong:
        key = key % 97 + 1 if key != 97 else 1
    return f"{body}{key:02d}"


def spaced_nir(value: str) -> str:
    return " ".join([value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13], value[13:]])


def nhs(*, wrong: bool = False) -> str:
    while True:
        # first three digits from the issued ranges: England/Wales 400-499 and 600-708, Northern Ireland 320-399
        first3 = RNG.choice([RNG.randint(400, 499), RNG.randint(600, 708), RNG.randint(320, 399)])
        first9 = f"{first3}" + "".join(RNG.choice("0123456789") for _ in range(6))
        check = 11 - sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check == 10:
            continue
        if wrong:
            check = (check + RNG.randint(1, 9)) % 10
        return first9 + str(check)


def nhs_shaped_reference() -> str:
    """A 10-digit number that passes the modulus-11 check but starts outside the issued NHS ranges."""
    while True:
        value = RNG.choice("1258") + digits(9)
        total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10 and check == int(value[9]):
            return value


def spaced_nhs(value: str, sep: str = " ") -> str:
    return sep.join([value[:3], value[3:6], value[6:]])


def iban(country: str, bban: str, *, wrong: bool = False) -> str:
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
    if wrong:
        check = check + 1 if check < 97 else 2
    return f"{country}{check:02d}{bban}"


def grouped(value: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


def digits(n: int) -> str:
    return "".join(RNG.choice("0123456789") for _ in range(n))


def card(prefix: str, length: int, *, wrong: bool = False) -> str:
    body = prefix + digits(length - len(prefix) - 1)
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    check = (10 - total % 10) % 10
    if wrong:
        check = (check + RNG.randint(1, 9)) % 10
    return body + str(check)


N = {
    "nir1": spaced_nir(nir(1, 85, 3, "75", 116, 42)),
    "nir2": nir(2, 60, 11, "69", 123, 456),
    "nir3": spaced_nir(nir(1, 72, 7, "2A", 4, 87)),
    "nir4": nir(2, 91, 2, "2B", 33, 12),
    "nir5": (lambda v: f"{v[:13]} {v[13:]}")(nir(1, 47, 12, "13", 55, 301)),
    "nir6": spaced_nir(nir(2, 3, 5, "59", 350, 18)),
    "nir7": spaced_nir(nir(1, 58, 9, "33", 63, 209)),
    "nir8": nir(2, 88, 10, "44", 109, 77),
    "nir9": spaced_nir(nir(2, 55, 1, "97", 411, 23)),
    "nir10": spaced_nir(nir(1, 99, 4, "31", 555, 4)),
    "nir11": ".".join(spaced_nir(nir(2, 77, 6, "92", 26, 118)).split()),
    "nir12": nir(1, 64, 8, "2A", 247, 9),
    "nhs11": nhs(),
    "bad_nir1": spaced_nir(nir(1, 85, 3, "75", 116, 42, wrong=True)),
    "bad_nir2": nir(2, 60, 11, "69", 123, 456, wrong=True),
    "bad_nir3": spaced_nir(nir(1, 72, 7, "2A", 4, 87, wrong=True)),
    "nhs1": spaced_nhs(nhs()),
    "nhs2": nhs(),
    "nhs3": spaced_nhs(nhs(), "-"),
    "nhs4": spaced_nhs(nhs()),
    "nhs5": nhs(),
    "nhs6": spaced_nhs(nhs()),
    "nhs7": nhs(),
    "nhs8": spaced_nhs(nhs()),
    "nhs9": spaced_nhs(nhs()),
    "nhs10": nhs(),
    "ref_mod11": nhs_shaped_reference(),
    "ref_mod11b": nhs_shaped_reference(),
    "bad_nhs1": spaced_nhs(nhs(wrong=True)),
    "bad_nhs2": nhs(wrong=True),
    "bad_nhs3": spaced_nhs(nhs(wrong=True)),
    "iban_fr1": grouped(iban("FR", "30006000011234567890" + "189")),
    "iban_fr2": iban("FR", "2004101005" + "0500013M026" + "06"),
    "iban_fr3": grouped(iban("FR", "1027807650" + "0001234567" + "834")),
    "iban_gb1": grouped(iban("GB", "NWBK60161331926819")),
    "iban_gb2": iban("GB", "BARC20000055779911"),
    "iban_de": grouped(iban("DE", "370400440532013000")),
    "iban_be": grouped(iban("BE", "539007547034")),
    "iban_es": grouped(iban("ES", "21000418450200051332")),
    "iban_it": grouped(iban("IT", "X0542811101000000123456")),
    "iban_ch": grouped(iban("CH", "0076200000" + "1234567")),
    "iban_fr_lower": grouped(iban("FR", "1820600000" + "5123456789" + "145")).lower(),
    "bad_iban1": grouped(iban("FR", "30006000011234567890" + "189", wrong=True)),
    "bad_iban2": iban("GB", "NWBK60161331926819", wrong=True),
    "visa1": grouped(card("4970", 16)),
    "visa2": card("4", 16),
    "visa3": grouped(card("4539", 16), sep="-"),
    "mc1": grouped(card("5132", 16)),
    "mc2": grouped(card("2221", 16)),
    "amex1": (lambda v: f"{v[:4]} {v[4:10]} {v[10:]}")(card("37", 15)),
    "amex2": card("34", 15),
    "visa13": card("4", 13),
    "disc": grouped(card("6011", 16)),
    "maestro": grouped(card("6759", 19)),
    "bad_card1": grouped(card("4970", 16, wrong=True)),
    "bad_card2": card("5132", 16, wrong=True),
    "bad_card3": grouped(card("4539", 16, wrong=True), sep="-"),
}

CASES = r"""
Vous pouvez m'écrire à [EMAIL:marie.dupont@gmail.com], je regarde mes mails le soir.
My email is [EMAIL:j.smith84@outlook.co.uk] if you could send the letter there.
Envoyez la convocation sur [EMAIL:jp.martin-leroy@orange.fr] svp
Hi, please reply to [EMAIL:sarah_jones@nhs.net] rather than my work address.
mon adresse c'est [EMAIL:marie point dupont arobase gmail point com]
it's [EMAIL:john dot smith at hotmail dot com], all lower case
Le courriel de ma fille : [EMAIL:lea.bernard+rdv@free.fr].
Can you cc my carer at [EMAIL:Tom.Baker@carers-uk.org]?
Je n'ai rien reçu sur [EMAIL:dupont.famille@wanadoo.fr], pouvez-vous vérifier ?
From: [EMAIL:k.okafor@yahoo.com] — Subject: cancel my appointment
J'ai changé d'adresse mail, c'est maintenant [EMAIL:nadia.benali93@laposte.net].
Send the results to [EMAIL:patel.r@btinternet.com] please.
Rappelez-moi au [PHONE:06 12 34 56 78] après 17h.
mon portable c'est le [PHONE:0745896321]
Vous pouvez joindre mon mari au [PHONE:06.98.45.12.33].
Le numéro fixe est le [PHONE:01-42-34-56-78].
Mon numéro : [PHONE:+33 6 71 22 90 14]
Call me back on [PHONE:+33 (0)1 45 67 89 10] please
appelez le [PHONE:0033 6 45 78 12 90] c'est ma fille
You can reach me on [PHONE:07700 900123] any time after lunch.
My mobile is [PHONE:07911123456].
The best number is [PHONE:020 7946 0018], that's the house phone.
Please ring [PHONE:0161 496 0123] and ask for my son.
Landline [PHONE:(01632) 960123], mobile [PHONE:07700 900456].
It's [PHONE:+44 7700 900789], I'm in France at the moment.
Phone me on [PHONE:+44 (0)20 7946 0123].
Mon fils vit aux États-Unis, son numéro est le [PHONE:+1 415 555 0132].
Contact in Germany: [PHONE:+49 30 1234567].
Le secrétariat m'a dit de rappeler le [PHONE:04 78 12 34 56] mais ça ne répond jamais.
J'ai appelé trois fois le [PHONE:05 56 79 56 79] sans réponse, c'est toujours occupé.
text me at [PHONE:07123 456789] when the slot is confirmed
Numéro belge : [PHONE:+32 2 555 12 34]
Vous avez mon 06 ? C'est le [PHONE:06 45 12 78 90].
Mon numéro a changé : [PHONE:07 81 23 45 67] au lieu de [PHONE:06 81 23 45 67].
ligne directe [PHONE:0299123456]
Please call [PHONE:01865 123456] to rearrange.
SMS reçu du [PHONE:+33 7 55 66 77 88] pour confirmer le rendez-vous de mardi.
je suis joignable au [PHONE:06-12-98-76-54] ou par mail
Mon numéro de sécu c'est le [NIR:{nir1}].
numéro de sécurité sociale : [NIR:{nir2}]
Je vous donne mon numéro de sécurité sociale, [NIR:{nir3}], c'est bon ?
Carte vitale [NIR:{nir4}]
c'est le [NIR:{nir5}] pour ma mère, elle est sous tutelle.
Le numéro de sécu de ma fille est le [NIR:{nir6}].
My French social security number is [NIR:{nir7}].
Oui alors le numéro c'est [NIR:{nir8}], vous l'avez ?
J'habite en Guadeloupe, mon numéro de sécurité sociale : [NIR:{nir9}].
NIR [NIR:{nir10}] – merci de mettre à jour mon dossier.
My NHS number is [NHS:{nhs1}].
NHS no. [NHS:{nhs2}]
Her NHS number: [NHS:{nhs3}]
C'est pour un patient anglais, numéro NHS [NHS:{nhs4}].
The letter says [NHS:{nhs5}] at the top, is that my number?
nhs number [NHS:{nhs6}] thanks
I'm calling for my dad, his NHS number is [NHS:{nhs7}], he's 84.
Could you check [NHS:{nhs8}] please, I think the address is wrong.
Patient NHS No: [NHS:{nhs9}]
Son numéro NHS est le [NHS:{nhs10}] et il vit à Londres.
Pour le remboursement voici mon IBAN : [IBAN:{iban_fr1}].
IBAN [IBAN:{iban_fr2}]
mon rib c'est [IBAN:{iban_fr3}] au Crédit Agricole
Please refund to [IBAN:{iban_gb1}] thanks.
Bank details: [IBAN:{iban_gb2}]
Meine IBAN: [IBAN:{iban_de}], bitte.
Compte belge [IBAN:{iban_be}] pour le virement.
El IBAN de mi hijo es [IBAN:{iban_es}].
IBAN italien : [IBAN:{iban_it}]
Compte suisse [IBAN:{iban_ch}] svp
mon iban [IBAN:{iban_fr_lower}] merci de rembourser
Ma carte c'est la [CARD:{visa1}], elle expire en 09/27.
card number [CARD:{visa2}]
Je vais payer par carte : [CARD:{visa3}].
Can I pay with [CARD:{mc1}] please?
Numéro de carte [CARD:{mc2}], le cryptogramme je vous le donne après ?
It's an Amex, [CARD:{amex1}].
Carte American Express [CARD:{amex2}]
old Visa [CARD:{visa13}] still on file, please delete it
Discover card [CARD:{disc}]
Maestro [CARD:{maestro}] expiry 11/26
Je suis né le [DOB:12/03/1958] à Marseille.
Ma mère est née le [DOB:3 mars 1960].
Date de naissance : [DOB:05/11/1947]
Date of birth [DOB:14/07/1982]
DOB: [DOB:01/02/1980]
I was born on the [DOB:3rd of March 1960].
born on [DOB:12 June 1975], if that helps
my date of birth is [DOB:April 4th, 1969]
Je suis né(e) le [DOB:1er avril 1975] à Nantes.
Mon père est né en [DOB:1948], il a du mal à se déplacer.
mon père, né le [DOB:25.12.1939], est hospitalisé depuis lundi
D.O.B. [DOB:23/09/1991]
dob [DOB:1990-05-17]
Patient born [DOB:02/08/2019], mother calling.
Sa date de naissance c'est le [DOB:17 octobre 1952].
Her birthday is [DOB:9 May 1988] and she's registered with you.
Les jumeaux sont nés le [DOB:4 juin 2021].
He was born in [DOB:1956] and lives alone.
date de naissance [DOB:08/04/63]
Date of birth: [DOB:21 November 1944]
Bonjour, je m'appelle [NAME:Marie Dupont], j'appelle pour mon rendez-vous.
Hello, my name is [NAME:John Smith] and I'm calling about my results.
Hi, this is [NAME:Sarah] calling from the surgery.
Oui, c'est pour Madame [NAME:Martin], elle est hospitalisée.
Monsieur [NAME:Jean Durand] a rendez-vous demain à 10h.
Bonjour, c'est Mme [NAME:Leroy], je vous appelle pour ma fille.
I need to speak to Dr [NAME:Patel] about my prescription.
Mr [NAME:O'Brien] hasn't received his letter.
Mrs [NAME:Thompson] called twice this morning.
je m'appelle [NAME:kevin morel] et j'ai un souci avec le portail
my name's [NAME:Aisha Khan], I'm ringing about the booking
Le Dr [NAME:Nguyen] m'a dit de rappeler.
Mon nom est [NAME:Lefèvre], avec un accent.
Cordialement,
[NAME:Sophie Garnier]
Kind regards, [NAME:David Jones]
Bonjour, ici [NAME:Claire Moreau] du service de cardiologie.
You're speaking with [NAME:Emma], how can I help?
Vous êtes en ligne avec [NAME:Julien], que puis-je faire pour vous ?
M. [NAME:Lambert] n'a pas reçu son ordonnance.
Mademoiselle [NAME:Roux] est attendue en salle 12.
It's [NAME:Mohammed] here, I rang yesterday.
Moi c'est [NAME:Fatima], la fille de la patiente.
Ms [NAME:Clarke] is asking for a callback.
c'est de la part de Monsieur [NAME:Jean-Pierre Lemoine]
Nom : [NAME:GARCIA]
MY NAME IS [NAME:PETER HALL] AND NOBODY CALLS ME BACK
Hello, I'm [NAME:Grace Lee] calling on behalf of my father.
Bonjour Docteur [NAME:Girard], c'est au sujet de mes résultats.
Best wishes,
[NAME:Hannah]
This is Dr [NAME:Okafor] from the fracture clinic.
my name is [NAME:sam taylor] and my appointment got cancelled again
Bonjour je suis Madame [NAME:Benali], je vous appelle pour un renseignement.
Je m'appelle [NAME:Jean de la Fontaine], comme le poète.
Mrs [NAME:Fitzgerald-Wright] would like a female doctor.
Je m'appelle [NAME:Nathalie Girard], née le [DOB:14/02/1971], mon numéro de sécu est [NIR:{nir7}] et mon téléphone [PHONE:06 33 21 45 87].
Hi, my name is [NAME:Tom Evans], DOB [DOB:30/06/1985], NHS number [NHS:{nhs1}], mobile [PHONE:07700 900321].
Pour le remboursement, mon IBAN est [IBAN:{iban_fr3}], et mon mail [EMAIL:c.rousseau@gmail.com].
Card [CARD:{mc1}] was charged twice, please refund to [IBAN:{iban_gb1}].
Bonjour, je souhaite annuler mon rendez-vous du 12/03/2026 à 14h30. Cordialement, [NAME:Hélène Petit], [PHONE:06 07 08 09 10]
Madame [NAME:Durand], née le [DOB:7 janvier 1938], n'a toujours pas été rappelée au [PHONE:03 20 44 59 62].
This is [NAME:Paul] from Ward 7, the patient's email is [EMAIL:r.white@gmail.com].
Mon mail [EMAIL:l.perrin@sfr.fr] ou mon portable [PHONE:06 88 77 66 55], merci.
date of birth [DOB:5 Feb 1977], card ending in 4421, name [NAME:Alice Brown]
Bonjour, c'est M. [NAME:Faure], né le [DOB:19/10/1950], numéro de sécurité sociale [NIR:{nir1}].
Yeah hi it's [NAME:Linda Moss], I called last week about my scan.
Oui bonjour, c'est Madame [NAME:Perrin] à l'appareil.
Allô, oui, [NAME:Gérard Lemaire] à l'appareil, je rappelle pour ma femme.
Hospital switchboard, [NAME:Emma] speaking.
Le rendez-vous est au nom de [NAME:Bertrand].
The booking is under the name [NAME:Harrison].
Rendez-vous avec le Dr [NAME:Martin] le 12/03/2026 à 14h30, salle 204.
je m’appelle [NAME:Léa Fontaine], je suis enceinte de 7 mois.
Mon nom c'est [NAME:Roussel], R-O-U-S-S-E-L.
I was born [DOB:12th March 1958] so I'm 68 now.
birthdate [DOB:1958-03-12]
DOB is [DOB:3/4/55]
Appelez le [PHONE:0 800 12 34 56], c'est gratuit.
my number is [PHONE:+447700900123]
Mobile: [PHONE:07700-900-654]
MON MAIL C'EST [EMAIL:MARIE.DUPONT@GMAIL.COM]
NIR [NIR:{nir11}]
numéro de sécu [NIR:{nir12}]
My NHS number's [NHS:{nhs11}] and my GP is in Leeds.
My phone number is [PHONE:415 589 5478], I'm calling from Boston.
The number you can call me at is [PHONE:956-729-4344].
my full name is [NAME:mia reese], I'm a new patient
His name is [NAME:Robert Jones] and he is my father.
My name is registered as [NAME:Jonathan Pace] on the portal.
my date of birth would be [DOB:19 September 1981]
Bonjour Madame, je vous appelle pour confirmer votre rendez-vous.
Your reference number is {ref_mod11}, keep it for your records.
Votre numéro de dossier : {ref_mod11b}.
The plan name is Premium Care and I want to cancel it.
This is Great Ormond Street Hospital, how can I help?
I'm Very worried about my mum.
C'est Noël bientôt, le service sera fermé.
Cardiology speaking, how can I help?
Radiologie, bonjour, je vous écoute.
My daughter was born prematurely, she's in the NICU.
Le 12 mars, je suis allé aux urgences.
Rendez-vous le 3 mars 2026 à 8h.
What name is the booking under?
Please spell your name for me.
Les résultats du 14/11 sont normaux, créatinine 85 µmol/L.
Votre rendez-vous est le 12/03/2026 à 14h30.
rendez-vous le 5 décembre à 9h en salle 204, bâtiment B
The appointment is at 9:15 on Tuesday in room 12.
Le montant restant à votre charge est de 45,50 €.
You owe £120 for the private consultation.
Le dossier 48213 est bien enregistré.
Prenez 500 mg de paracétamol trois fois par jour.
Le centre est au 75013 Paris.
Our postcode is SW1A 1AA.
Madame, Monsieur, veuillez trouver ci-joint votre facture.
Merci Madame, bonne journée.
Le numéro de sécu que j'ai donné est le {bad_nir1}, c'est peut-être une erreur.
numéro de sécurité sociale {bad_nir2}
NIR {bad_nir3}
NHS number {bad_nhs1}
My NHS number is {bad_nhs2}, I think.
nhs {bad_nhs3}
carte {bad_card1}
card number {bad_card2}, it was declined
Je paie avec la {bad_card3}.
IBAN {bad_iban1}
Bank details {bad_iban2}
Dose : 2,5 mg matin et soir.
The scan is on the 3rd floor, Bay 4.
Please arrive 15 minutes before 10:30.
Le Docteur vous rappellera dans la journée.
Cardiologie, bonjour !
Votre numéro de dossier est le 2026-004512.
Tension 12/8, pouls 72.
Il me reste 3 boîtes de Kardegic 75 mg.
Appelez le 15 en cas d'urgence.
Call 111 or 999 in an emergency.
Le standard du CHU est ouvert de 8h à 18h.
Your reference is 48213-B.
Facture n° 2026/11/0457 de 89,90 €.
The waiting time was 45 minutes, then the line dropped.
J'ai attendu 25 minutes au téléphone, c'est la troisième fois que j'appelle.
Bonjour Monsieur, que puis-je faire pour vous ?
This is the cardiology department, how can I help?
I'm calling about my appointment on 14 March.
It's about the letter dated 12/03/2026.
Mon mari est né à Lyon.
Born in the UK, I moved to France in 2019.
The baby was born prematurely at 32 weeks.
Chambre 312, lit B.
Rendez-vous en IRM le lundi 16 novembre à 8h10.
Il faut 3 tubes de 5 ml pour la prise de sang.
Je suis diabétique de type 2 et j'ai besoin d'une ordonnance.
Sa glycémie était à 1,26 g/L ce matin.
Le code d'accès au parking est 4521.
Votre ordonnance n° 123456 est prête.
Order number 20261128 has been dispatched.
My name is on the list but nobody called.
Monsieur le Directeur, je vous écris pour me plaindre de l'accueil.
Madame la secrétaire m'a raccroché au nez.
Dr. appointment moved to 3pm.
This is urgent, my father has chest pain.
C'est Lundi que je dois venir ?
Bonjour Docteur, j'ai une question sur mon traitement.
Taille 1,72 m, poids 68 kg.
Vitamin D 1000 IU daily.
The hospital switchboard opens at 8.30am.
Il y a 12 345 patients sur liste d'attente, paraît-il.
Vous êtes le 4e dans la file d'attente.
Version 2.4.1 of the app crashes when I log in.
Le créneau de 10h45 est libre jeudi.
Please quote case ID 7734 1290 when you call.
Numéro de colis 123456789012345, il n'est jamais arrivé.
Your booking reference is 5837 2916 4401.
date de rendez-vous : 12/03/2026
Next appointment date 12/05/2026 at 11:00.
I need a copy of the birth certificate for my son.
Ward 7B, bed 14.
Le service de radiologie au 2e étage, porte 2.14.
Mon traitement : Levothyrox 100 µg, 1 comprimé le matin.
J'ai payé 1 250,00 € d'avance et rien n'est remboursé.
It cost £1,250.00 and I was told it was covered.
INR à 2,8 le 03/11, prochain contrôle le 10/11.
Call back between 2 and 4 pm please.
Mme veut savoir si le parking est gratuit.
Bonjour Madame Bonjour Monsieur, merci de patienter.
Le Professeur vous verra à 11h.
Thank you Doctor, that's very helpful.
Miss, you forgot to sign the form.
Votre demande a le numéro 2026-11-28-0042.
Le lien du portail renvoie une erreur 404 depuis la mise à jour.
Appointment slot 09:40-10:00, Outpatients B.
Hôpital Nord, [NAME:Céline], que puis-je faire pour vous ?
Bonjour, Clinique Pasteur, [NAME:Mehdi], que puis-je faire pour vous ?
[NAME:Sophie] à votre service, quelle est votre demande ?
Bonjour, [NAME:Florian] à votre service. Quelle est votre demande ?
Bonjour, vous êtes bien au service radiologie, Clinique Pasteur. [NAME:Karim] à votre écoute.
Hôpital Sud bonjour, [NAME:Julien] du service rendez-vous.
Hello, this is [NAME:Tom] speaking.
Hello, Hôpital Nord, this is [NAME:Nadia], how can I help?
Good afternoon, you're through to Hôpital Sud, [NAME:Yacine] here.
Hello, [NAME:Laure] from the radiology team, how can I help you today?
Hi there, [NAME:Peter Smith] here. I'm calling about my scan.
Outpatients, [NAME:Valérie], how may I help?
Je vous remercie par avance.\n\nJe vous prie d'agréer mes salutations distinguées.\n\n[NAME:Aurélie Bonnet]
Thank you for your help.\n\n[NAME:Rachel Clarke]
Merci d'avance pour votre retour.\n[NAME:Jean-Marc Dubois]\n[PHONE:06 41 52 63 74]
Bien cordialement,\n[NAME:Romain], service facturation
Best regards,\n[NAME:Audrey], appointments team
Respectueusement,\n[NAME:Monique Lambert]
Bonjour Madame, merci de patienter, je vous passe le service.
Radiologie, bonjour, que puis-je faire pour vous ?
Cardiology speaking, how may I help?
This is the appointments line, how can I help?
Welcome to the booking service, how can I help?
Bonjour, je voudrais un rendez-vous.\n\nMerci beaucoup
Please bring your letter.\n\nKind Regards
Le service est fermé le dimanche.\nHôpital Nord\nService Cardiologie
Click here to book your appointment online.
I was told to call back here tomorrow.
"""


def parse(line: str) -> dict[str, object]:
    spans = []
    text = ""
    pos = 0
    for m in re.finditer(r"\[([A-Z]+):([^\]]+)\]", line):
        text += line[pos : m.start()] + m.group(2)
        spans.append({"kind": m.group(1), "value": m.group(2)})
        pos = m.end()
    text += line[pos:]
    return {"text": text, "spans": spans}


def cases() -> list[dict[str, object]]:
    lines: list[str] = []
    for raw in CASES.strip("\n").split("\n"):
        if lines and raw.startswith("[NAME:") and lines[-1].rstrip().endswith(","):
            lines[-1] += "\n" + raw  # an e-mail sign-off: the name on the next line
        else:
            lines.append(raw)
    # "\\n" in a case stands for a line break (e-mails and signatures).
    return [parse(line.format(**N).replace("\\n", "\n")) for line in lines]


def main() -> None:
    out = Path(__file__).with_name("pii_cases.jsonl")
    rows = cases()
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} cases to {out}")


if __name__ == "__main__":
    main()
