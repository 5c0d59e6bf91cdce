"""The demo municipality: units, staff, and what citizens write about."""

UNITS = (
    ("byggesak", "Byggesak", "byggesak@kommune.example"),
    ("skole", "Skole", "skole@kommune.example"),
    ("barnehage", "Barnehage", "barnehage@kommune.example"),
    ("helse-og-omsorg", "Helse og omsorg", "helse@kommune.example"),
    ("vei-og-trafikk", "Vei og trafikk", "vei@kommune.example"),
    ("renovasjon", "Renovasjon", "renovasjon@kommune.example"),
    ("eiendomsskatt", "Eiendomsskatt", "eiendomsskatt@kommune.example"),
)

# username, full name, role, units. Every demo password is "demo".
STAFF = (
    ("agent", "Kari Nordmann", "agent", ()),
    ("leader", "Ola Hansen", "unit_leader", ("byggesak",)),
    ("member", "Ingrid Berg", "unit_member", ("byggesak",)),
    ("supervisor", "Lise Dahl", "supervisor", ()),
    ("admin", "Per Olsen", "admin", ()),
    ("agent2", "Ahmed Hassan", "agent", ()),
    ("agent3", "Marte Lie", "agent", ()),
    ("skoleleder", "Nina Bakke", "unit_leader", ("skole",)),
    ("barnehageleder", "Tor Haugen", "unit_leader", ("barnehage",)),
    ("helseleder", "Sofie Moen", "unit_leader", ("helse-og-omsorg",)),
    ("veileder", "Jonas Strand", "unit_leader", ("vei-og-trafikk",)),
    ("renovasjonsleder", "Eva Lund", "unit_leader", ("renovasjon",)),
    ("skatteleder", "Knut Vik", "unit_leader", ("eiendomsskatt",)),
)

CATEGORIES = (
    ("soknad", "Søknad"),
    ("klage", "Klage"),
    ("sporsmal", "Spørsmål"),
    ("feilmelding", "Feilmelding"),
    ("innsyn", "Innsyn"),
)

CHANNELS = (
    # name, kind, display name, share of inquiries
    ("postmottak", "email", "E-post (postmottak)", 45),
    ("chat", "webchat", "Nettprat", 14),
    ("telegram", "telegram", "Telegram", 7),
    ("facebook", "facebook", "Facebook Messenger", 10),
    ("phone", "phone", "Telefon", 17),
    ("walkin", "walkin", "Oppmøte", 7),
)

# How often each priority is set, and its SLA targets on every channel in minutes of
# opening hours (a working day is 450): priority, share, first response, resolution.
PRIORITIES = (
    ("urgent", 2, 60, 450),
    ("high", 8, 120, 900),
    ("normal", 80, 450, 1800),
    ("low", 10, 900, 4500),
)

FIRST_NAMES = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nora", "Emma", "Sara", "Thea",
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans", "Geir",
    "Tor", "Terje", "Odd", "Erik", "Jakob", "Emil", "Noah", "Oskar", "Filip", "Aksel",
    "Mohammed", "Fatima", "Piotr", "Agnieszka", "Ali", "Leyla", "Tomas", "Jonas", "Sigrid",
)
LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kowalski", "Ahmed",
    "Nowak", "Ali", "Mohamed", "Kaya", "Berntsen", "Tveit", "Aas", "Myhre", "Vik",
)
STREETS = ("Storgata", "Kirkeveien", "Skolegata", "Fjordveien", "Bjørkelia", "Solbakken",
           "Elvegata", "Granstien", "Møllebakken", "Torget")

# unit slug -> (subject, text) in bokmål; {street} and {number} are filled in.
TOPICS = {
    "byggesak": (
        ("Søknad om garasje", "Hei! Jeg vil bygge en garasje på 45 m² i {street} {number}. "
         "Må jeg søke, eller er det unntatt søknadsplikt?"),
        ("Nabovarsel", "Jeg har fått nabovarsel om et tilbygg hos naboen i {street}. "
         "Hvor sender jeg merknader, og hva er fristen?"),
        ("Status på byggesøknad", "Hva er status på byggesøknaden vår for {street} {number}? "
         "Vi sendte den for fem uker siden."),
    ),
    "skole": (
        ("Skoleskyss", "Datteren min begynner i 1. klasse. Har hun rett på skoleskyss fra "
         "{street} {number}?"),
        ("Bytte skole", "Vi flytter til {street} i januar. Hvordan søker vi om skolebytte?"),
        ("SFO-plass", "Hvordan søker jeg SFO-plass, og hva koster det?"),
    ),
    "barnehage": (
        ("Barnehageplass", "Vi trenger barnehageplass fra august. Når er søknadsfristen "
         "for hovedopptaket?"),
        ("Redusert foreldrebetaling", "Kan vi få redusert foreldrebetaling i barnehagen? "
         "Inntekten vår har gått ned."),
    ),
    "helse-og-omsorg": (
        ("Hjemmetjeneste", "Min mor på {street} {number} trenger hjelp hjemme etter et fall. "
         "Hvem kontakter jeg?"),
        ("Trygghetsalarm", "Hvordan søker man om trygghetsalarm for en eldre forelder?"),
        ("Legevakt", "Hva er telefonnummeret til legevakten i helgen?"),
    ),
    "vei-og-trafikk": (
        ("Hull i veien", "Det er et stort hull i veien i {street} ved nummer {number}. "
         "Det er farlig for syklister."),
        ("Gatelys ute", "Gatelyset i {street} har vært slukket i over en uke."),
        ("Brøyting", "Veien vår i {street} er ikke brøytet i dag. Når kommer brøytebilen?"),
    ),
    "renovasjon": (
        ("Søppeltømming", "Søppelet i {street} {number} ble ikke tømt på tirsdag. "
         "Kan dere komme og hente?"),
        ("Ny dunk", "Papirdunken vår er ødelagt. Hvordan bestiller vi en ny?"),
        ("Hytterenovasjon", "Hvor leverer vi hytteavfall, og hva koster det?"),
    ),
    "eiendomsskatt": (
        ("Klage på eiendomsskatt", "Jeg mener takseringen av eiendommen i {street} {number} "
         "er for høy. Hvordan klager jeg?"),
        ("Faktura eiendomsskatt", "Jeg har fått to fakturaer for eiendomsskatt. "
         "Er den ene feil?"),
    ),
}
# Questions the front desk answers at once (first-line resolution).
FRONT_DESK = (
    ("Åpningstider", "Hva er åpningstidene til servicetorget i jula?"),
    ("Parkeringstillatelse", "Hvordan får jeg parkeringstillatelse for beboere?"),
    ("Adresseendring", "Jeg har flyttet til {street} {number}. Må jeg melde adresseendring "
     "til kommunen?"),
    ("Vigsel", "Kan vi gifte oss på rådhuset i juni? Hvordan bestiller vi?"),
)
NYNORSK = (
    ("Søknad om barnehageplass", "Hei! Eg lurer på korleis eg søkjer barnehageplass. "
     "Kva er fristen?"),
    ("Kommunale avgifter", "Kvifor har dei kommunale avgiftene auka så mykje i år? "
     "Eg bur i {street}."),
)
ENGLISH = (
    ("Waste collection", "Hello, my waste bin in {street} {number} was not emptied. "
     "Could you please help?"),
    ("Kindergarten place", "Hi, we have just moved here. How do I apply for a "
     "kindergarten place for my son?"),
)
ANSWERS = {
    "nb": "Hei!\n\nTakk for henvendelsen. {answer}\n\nVennlig hilsen\n{agent}\nInnbyggerservice",
    "nn": "Hei!\n\nTakk for førespurnaden. {answer}\n\nVenleg helsing\n{agent}\nInnbyggarservice",
    "en": "Hello,\n\nThank you for contacting us. {answer}\n\n"
          "Kind regards\n{agent}\nCitizen service",
}
ANSWER_LINES = {
    "nb": ("Vi har sett på saken og sendt den videre til riktig enhet.",
           "Du finner skjemaet på kommunens nettsider under «Skjema».",
           "Saken er nå fulgt opp, og du skal ha fått svar fra enheten."),
    "nn": ("Vi har sett på saka og sendt ho vidare til rett eining.",
           "Du finn skjemaet på nettsidene til kommunen under «Skjema»."),
    "en": ("We have passed your request on to the right department.",
           "You will find the form on the municipality's website under “Forms”."),
}
