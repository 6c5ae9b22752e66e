"""Demo content: one complete alert and the demo users, loaded by ``manage.py load_demo``.

The alert is written in our own words from the facts of the Genocide Watch alert
on Artsakh of November 2020 (``shared/seeds/``); none of its sentences are copied.
It cites only documents whose existence and address are certain (treaties and
Genocide Watch's Ten Stages page), each at the article that supports the claim.
Factual claims about events are not footnoted, because no source for them is
cited: we never invent a report, a URL or a quotation.

Everything here is idempotent: countries and users are looked up by their natural
keys, sources by URL, and an existing demo alert is left exactly as it is.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from sources.models import Source
from stages.models import Country, Stage

from .editing import revision
from .models import Alert, Citation, Level, Recommendation, StageEvidence, StageRating
from .roles import EDITORS, REVIEWERS
from .snapshot import build_snapshot, text_fields
from .text import dangling_markers, describe_dangling

# --- Users -----------------------------------------------------------------------------

EDITOR_USERNAME = "editor"
# Two reviewers, so that the two-approver rule for an Emergency can be tried.
REVIEWER_USERNAMES = ("reviewer1", "reviewer2")
DEMO_USERS = [(EDITOR_USERNAME, EDITORS)] + [(name, REVIEWERS) for name in REVIEWER_USERNAMES]


def ensure_demo_users():
    """Create the demo users that are missing. Only ever called in demo mode.

    Returns ``(user, group_name, password)`` for each demo user, where ``password``
    is the new random password of a user created now and ``None`` for one that
    already existed (its password is never touched).
    """
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo users are only created when settings.DEMO_MODE is on.")
    User = get_user_model()
    result = []
    for username, group_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(15)
            user = User.objects.create_user(
                username, f"{username}@example.org", password, is_staff=True
            )
            user.groups.add(Group.objects.get(name=group_name))
        result.append((user, group_name, password))
    return result


# --- Reference data ----------------------------------------------------------------------

COUNTRIES = [
    {"slug": "armenia", "name": "Armenia", "iso_code": "AM", "region": "South Caucasus"},
    {"slug": "azerbaijan", "name": "Azerbaijan", "iso_code": "AZ", "region": "South Caucasus"},
    {
        "slug": "artsakh",
        "name": "Artsakh",
        "iso_code": "",  # a territory without an ISO 3166 code
        "region": "South Caucasus",
        "aliases": "Nagorno-Karabakh, Republic of Artsakh",
    },
]

# Keyed by a short name used in CITATIONS below. Only canonical addresses we are
# certain of; no accessed or archive dates, because we have not recorded any.
SOURCES = {
    "ten_stages": {
        "title": "The Ten Stages of Genocide",
        "publisher": "Genocide Watch",
        "url": "https://www.genocidewatch.com/tenstages",
    },
    "genocide_convention": {
        "title": "Convention on the Prevention and Punishment of the Crime of Genocide",
        "publisher": "United Nations (OHCHR)",
        "url": "https://www.ohchr.org/en/instruments-mechanisms/instruments/convention-prevention-and-punishment-crime-genocide",
        "published_on": datetime.date(1948, 12, 9),  # adopted by the General Assembly
    },
    "un_charter": {
        "title": "Charter of the United Nations",
        "publisher": "United Nations",
        "url": "https://www.un.org/en/about-us/un-charter/full-text",
        "published_on": datetime.date(1945, 6, 26),  # signed at San Francisco
    },
    "iccpr": {
        "title": "International Covenant on Civil and Political Rights",
        "publisher": "United Nations (OHCHR)",
        "url": "https://www.ohchr.org/en/instruments-mechanisms/instruments/international-covenant-civil-and-political-rights",
        "published_on": datetime.date(1966, 12, 16),  # adopted by the General Assembly
    },
    "rome_statute": {
        "title": "Rome Statute of the International Criminal Court",
        "publisher": "International Criminal Court",
        "url": "https://www.icc-cpi.int/sites/default/files/RS-Eng.pdf",
        "published_on": datetime.date(1998, 7, 17),  # adopted in Rome
    },
}

# Footnote N is CITATIONS[N - 1]: (source key, locator). No quotations: the
# ``quote`` field stays empty rather than risk a misquotation.
CITATIONS = [
    ("ten_stages", "Stages 1 to 10"),  # [1]
    ("genocide_convention", "Article I"),  # [2] prevent and punish, in peace or war
    ("genocide_convention", "Article II"),  # [3] definition of genocide
    ("genocide_convention", "Article III(c)"),  # [4] direct and public incitement
    ("un_charter", "Article 1(2)"),  # [5] self-determination of peoples
    ("un_charter", "Article 24(1)"),  # [6] Security Council's responsibility for peace
    ("un_charter", "Article 33(1)"),  # [7] peaceful settlement, mediation
    ("un_charter", "Article 41"),  # [8] measures not involving armed force
    ("iccpr", "Article 1(1)"),  # [9] self-determination
    ("iccpr", "Article 6(1)"),  # [10] right to life
    ("iccpr", "Article 12(4)"),  # [11] right to enter one's own country
    ("iccpr", "Article 20(2)"),  # [12] advocacy of hatred prohibited by law
    ("rome_statute", "Article 7(1)(d)"),  # [13] deportation or forcible transfer
    ("rome_statute", "Article 8(2)(b)(i) and (e)(i)"),  # [14] attacks on civilians
    ("rome_statute", "Article 8(2)(b)(ix) and (e)(iv)"),  # [15] attacks on religious buildings
]

# --- The alert ---------------------------------------------------------------------------

ALERT_SLUG = "artsakh-nagorno-karabakh-2020"

ALERT = {
    "slug": ALERT_SLUG,
    # The level is shown with the title wherever it appears ("Genocide Emergency: …").
    "title": "Azerbaijan's offensive against Artsakh (Nagorno-Karabakh)",
    "level": Level.EMERGENCY,
    # The seed is dated only "November 2020"; we issue it on the first of that month.
    "issued_on": datetime.date(2020, 11, 1),
    "summary": (
        "Azerbaijan's offensive against Artsakh (Nagorno-Karabakh), begun in September 2020, "
        "puts the territory's Armenians in grave danger: civilians shelter from drones and "
        "shelling, more than 100,000 have fled, and Azerbaijan's leaders deny the crimes "
        "committed against Armenians then and now. On the Ten Stages of Genocide [1] "
        "we place Azerbaijan at Stages 9 (Extermination) and 10 (Denial). Armenia, "
        "whose artillery is hitting Azerbaijani towns and which denies the crimes of the "
        "1990s against Azerbaijanis, stands at Stages 8 (Persecution) and 10 (Denial)."
    ),
    "background": """\
### A century of massacres and expulsions

The region's Armenians carry the memory of the Ottoman Empire's campaign of 1915 to 1922, in
which Armenians were deported and killed as a matter of state policy: the crime that the
Genocide Convention would later define as genocide [3]. In 1918 an Armenian army turned back
the Turkish advance at Sardarabad, and the First Republic of Armenia was proclaimed.

That first Armenian state dealt harshly with its minorities. From 1918 to 1921 Muslim
Azerbaijanis and Kurds were driven out, and fighters of the Dashnak party abused civilians
and set their villages alight. In Baku, in the "March Days" of 1918, Armenian nationalists
fighting alongside Russian and Bolshevik forces killed more than 10,000 Azerbaijanis, a
memory that still fuels Azerbaijani anger. That same year, massacres of Armenians in
Azerbaijan took more than 23,000 lives.

### Soviet borders and their collapse

After the First World War and the Bolshevik seizure of power, Stalin placed
Nagorno-Karabakh, a region with an Armenian majority, inside Soviet Azerbaijan in the early
1920s, in line with a Soviet policy of dividing national minorities in order to rule them.
When the Soviet Union began to break apart, violence against Armenians spread in Azerbaijan
and in the region. Nagorno-Karabakh's Armenians voted in 1988, by a very large majority, to
leave Azerbaijan. Between 1988 and 1990 Azerbaijani crowds killed Armenians in Sumgait, Baku
and Kirovabad, and fear drove almost every Armenian out of Azerbaijan.

In 1991 the Armenians of Nagorno-Karabakh declared independence as the Republic of Artsakh.
Its Azerbaijani minority was then driven from its homes by Armenian crowds and militias;
Armenian forces killed Azerbaijani civilians and plundered what they left behind. The worst
single atrocity came at Khojaly in 1992, where Armenian forces fired on hundreds of
Azerbaijani civilians escaping their ruined town. Between 1988 and 1994 more than 600,000
Azerbaijani and Kurdish civilians left Nagorno-Karabakh, and many still live in poor
conditions in camps for internally displaced people across Azerbaijan.

### Denial on both sides

Armenia and the authorities of Artsakh deny any part in the crimes against Azerbaijanis,
remove the traces of Azerbaijani culture from the land they hold, and refuse displaced
Azerbaijanis a return to their homes and villages. Azerbaijan, for its part, denies that
crimes against humanity were ever committed against Armenians. It keeps displaced Armenians
from coming back and refuses entry to anyone of Armenian descent, although no one may be
arbitrarily deprived of the right to enter their own country [11].

### The war of 2020

In September 2020 Azerbaijan invaded Artsakh to recover the territory it lost in the war of
1988 to 1994. Artillery of Artsakh and Armenia has since struck Azerbaijani civilian areas
along the Line of Contact, killing more than sixty people in Ganja, Barda, Tartar, Horadiz,
Goranboy and Aghdam. Azerbaijan's drones, for their part, have hit Armenian soldiers,
churches and the civilian districts of Stepanakert, Shushi, Berdzor and Mardakert.

A ceasefire signed in October exists only on paper: Azerbaijani forces are still trying to
seize ground. They fight with precision-guided drones supplied by Turkey, Russia and Israel,
with Syrian mercenaries and with Turkish air support, against defenders who are mostly
civilian volunteers from Artsakh. Armenians fear that Turkey could back a genocide against
them.
""",
    "legal_analysis": """\
### Self-determination

In 1991 the Armenians of Artsakh proclaimed a state independent of Azerbaijan. Respect for
the self-determination of peoples is one of the purposes of the United Nations [5], and the
right of all peoples to determine their political status opens the International Covenant on
Civil and Political Rights [9]. In our view Artsakh exercised that right in 1991. A
resolution of a UN body cannot override a right that the Charter and the Covenant protect,
so no resolution can justify Azerbaijan's invasion of September 2020, and Azerbaijan has
lost any legitimate claim to restore the borders of the Soviet era by force.

### Crimes against civilians

Intentionally directing attacks at civilians who take no part in the fighting is a war crime
[14], and so is deliberately attacking buildings dedicated to religion [15]; arbitrary
killing violates the right to life [10]. The shelling of Azerbaijani towns by the forces of
Armenia and Artsakh, and Azerbaijan's strikes on civilian districts and churches in Artsakh,
are war crimes and crimes against humanity committed by both sides. The deportation or
forcible transfer of a population, as part of a widespread or systematic attack on
civilians, is a crime against humanity [13]: driving the Armenians of Artsakh out after an
Azerbaijani victory would be one.

### Genocide and incitement

States bound by the Genocide Convention have undertaken to prevent and punish genocide in
peace and in war alike [2]. Genocide means acts such as killing members of a national,
ethnic, racial or religious group, committed with the intent to destroy that group in whole
or in part [3]. Inciting others directly and in public to commit genocide is itself a
punishable crime [4], and the Covenant requires states to prohibit by law any advocacy of
national, racial or religious hatred that incites discrimination, hostility or violence
[12]. The anti-Armenian hate speech of Azerbaijan's leadership, and the calls for genocide
that circulate on Azerbaijani social media, fall squarely within these provisions.
""",
    "assessment": """\
Every one of the ten stages of the genocidal process [1] is present in Azerbaijan's war on
Artsakh, from the sorting of the region's people into Muslim Turkic Azerbaijanis and
Christian Armenians to the denial of past and present massacres. The evidence for each stage
is set out below.

**Azerbaijan: Stages 9 (Extermination) and 10 (Denial)** [1]. The offensive it launched
against Artsakh in September 2020, its strikes on Armenian towns and churches, and the
official honours paid to those who commit violence against Armenians place it at Stage 9.
President Ilham Aliyev denies the Armenian Genocide as well as Azerbaijan's own crimes
against Armenians, past and present. We consider that Azerbaijan's leaders may intend to
empty Artsakh of Armenians by carrying out massacres that terrify the population into
flight; a forced removal of that kind would be a crime against humanity [13].

**Armenia: Stages 8 (Persecution) and 10 (Denial)** [1]. Armenian artillery is shelling
Azerbaijani civilians today, and Armenia denies war crimes against Azerbaijanis such as the
massacre at Khojaly. We have no evidence, however, that Armenia or Artsakh is likely to
commit genocide.

We recognise the atrocities committed by Armenian forces against Azerbaijanis during
Artsakh's war of independence. In the present war, Azerbaijan is the aggressor. The danger
to the Armenians of Artsakh is immediate, and this alert is issued at the level of Genocide
Emergency.
""",
}

# (country slug, stage number, rationale). Every rationale cites at least one source.
RATINGS = [
    (
        "armenia",
        8,
        "Armenian and Artsakh artillery is hitting Azerbaijani civilians in towns along the "
        "Line of Contact, and Azerbaijanis expelled from Nagorno-Karabakh between 1988 and "
        "1994 are still kept from their homes. Persecution is Stage 8 [1]; attacks directed "
        "at civilians are war crimes [14].",
    ),
    (
        "armenia",
        10,
        "Armenia denies the war crimes committed against Azerbaijanis, among them the Khojaly "
        "massacre of 1992, and erases Azerbaijani cultural history from the land it holds. "
        "Denial is Stage 10 [1].",
    ),
    (
        "azerbaijan",
        9,
        "Azerbaijan invaded Artsakh in September 2020 with some 67,000 troops; its drones are "
        "striking civilian districts and churches, and its government honours those who kill "
        "Armenians. This is Stage 9 [1]. Killing members of an ethnic or religious group with "
        "intent to destroy it is genocide [3]; attacks on civilians and on places of worship "
        "are war crimes [14][15].",
    ),
    (
        "azerbaijan",
        10,
        "President Aliyev denies that the Ottoman Empire committed genocide against the "
        "Armenians, and "
        "his government denies the violence Azerbaijan has done to Armenians in the past and "
        "is doing now. Denial is Stage 10 [1]. Azerbaijan also bars displaced Armenians from "
        "returning [11].",
    ),
]

_H = StageEvidence.Period.HISTORICAL
_C = StageEvidence.Period.CURRENT

# (stage number, country slug or None, period, text), in order within each stage.
EVIDENCE = [
    (
        1,
        "azerbaijan",
        _C,
        "The war is framed as Muslim Turkic Azerbaijanis against Christian Armenians: "
        'religion and ethnicity divide "us" from "them".',
    ),
    (
        2,
        "artsakh",
        _C,
        "The Armenians of Artsakh are marked out by Armenian names on identity cards and "
        "passports, by their language and dress, and by their churches.",
    ),
    (
        3,
        "azerbaijan",
        _H,
        "Armenians living in Azerbaijan were massacred and driven out of the country between "
        "1988 and 1990.",
    ),
    (
        3,
        "azerbaijan",
        _C,
        "Azerbaijan refuses entry to anyone of Armenian descent and denies displaced "
        "Armenians any way back to their former homes [11].",
    ),
    (
        4,
        "azerbaijan",
        _C,
        'Armenians are called terrorists, bandits and infidels, and "leftovers of the sword".',
    ),
    (
        5,
        "azerbaijan",
        _C,
        "Azerbaijan's forces are armed with drones and other weapons from Turkey, Russia and "
        "Israel, supported by the Turkish Air Force, and reinforced by Syrian mercenaries.",
    ),
    (
        6,
        "azerbaijan",
        _C,
        "President Aliyev uses anti-Armenian hate speech, and Azerbaijani social media are "
        "full of it, including open calls for genocide against Armenians [4][12].",
    ),
    (
        7,
        "azerbaijan",
        _C,
        "Some 67,000 Azerbaijani troops took part in the invasion of Artsakh, which President "
        "Aliyev presents as the liberation of occupied territory.",
    ),
    (
        8,
        "azerbaijan",
        _C,
        "Under Azerbaijani shelling, the civilians of Artsakh live in bomb shelters, and more "
        "than 100,000 people have fled the territory.",
    ),
    (
        8,
        "armenia",
        _C,
        "Artillery of Armenia and Artsakh has struck Azerbaijani civilian areas along the Line "
        "of Contact, killing more than sixty people in Ganja, Barda, Tartar, Horadiz, Goranboy "
        "and Aghdam [14].",
    ),
    (
        8,
        "armenia",
        _H,
        "After Artsakh declared independence in 1991, Armenian crowds and militias drove its "
        "Azerbaijani minority out; more than 600,000 Azerbaijani and Kurdish civilians fled "
        "Nagorno-Karabakh between 1988 and 1994.",
    ),
    (
        8,
        "armenia",
        _H,
        "From 1918 to 1921 the First Republic of Armenia expelled its Muslim Azerbaijani and "
        "Kurdish minorities, and Dashnak fighters burned their villages.",
    ),
    (
        9,
        None,
        _H,
        "From 1915 to 1922 the Ottoman Empire deported and killed its Armenian population in a "
        "genocide [3].",
    ),
    (
        9,
        "azerbaijan",
        _H,
        "Massacres of Armenians in Azerbaijan killed more than 23,000 people in 1918, and the "
        "killing began again in 1988 in Sumgait, Baku and Kirovabad.",
    ),
    (
        9,
        "azerbaijan",
        _C,
        "Since September 2020 Azerbaijani drones have struck churches and the civilian "
        "districts of Stepanakert, Shushi, Berdzor and Mardakert [14][15], and the state "
        "rewards those who commit atrocities against Armenians.",
    ),
    (
        10,
        "azerbaijan",
        _C,
        "President Aliyev denies the Armenian Genocide of the Ottoman era, and Azerbaijan "
        "denies the atrocities it is committing against Armenians now.",
    ),
    (
        10,
        "armenia",
        _C,
        "Armenia and the authorities of Artsakh deny the crimes against Azerbaijanis, the "
        "Khojaly massacre among them, and refuse displaced Azerbaijanis a return to their "
        "homes.",
    ),
]

# (addressee, action), in the order of the seed's eight recommendations.
RECOMMENDATIONS = [
    (
        "The Government of Armenia",
        "Acknowledge what Armenian forces did to Azerbaijani civilians in the 1988-1994 war "
        "over Nagorno-Karabakh, including the massacre at Khojaly.",
    ),
    (
        "The Governments of Armenia and Artsakh",
        "Compensate displaced Azerbaijanis for the property they lost.",
    ),
    (
        "The UN Security Council",
        "Require Azerbaijan to halt every offensive operation in Nagorno-Karabakh (Artsakh) [6].",
    ),
    (
        "World leaders",
        "Publicly condemn the hate speech and the genocide denial of President Aliyev's "
        "government [4][12].",
    ),
    (
        "The UN Security Council",
        "Impose an embargo on all sales of weapons to Azerbaijan [8].",
    ),
    (
        "The OSCE Minsk Group",
        "Mediate a lasting settlement among Armenia, Artsakh and Azerbaijan [7].",
    ),
    (
        "All parties to the conflict",
        "Observe a real ceasefire, so that civilians are protected in a war that has become "
        "national, ethnic and religious, and genocidal in character.",
    ),
    (
        "The United Nations",
        "Send UN peacekeepers to the Line of Contact to put an end to Azerbaijan's attacks "
        "on Artsakh.",
    ),
]


# --- Loading -------------------------------------------------------------------------------


def _country(data):
    """The country by slug, or by the name or ISO code it must not duplicate."""
    match = Q(slug=data["slug"]) | Q(name=data["name"])
    if data["iso_code"]:
        match |= Q(iso_code=data["iso_code"])
    country = Country.objects.filter(match).order_by("pk").first()
    if country is None:
        country = Country(**data)
        country.full_clean()
        country.save()
    return country


def _sources(user):
    """The demo sources by URL (shared with other alerts), creating those missing.

    Created in their own revision: the alert does not follow Source, and reverting
    the alert must never touch a source that other alerts cite.
    """
    sources = {}
    with revision(user=user, comment="Demo content: sources cited by the Artsakh alert"):
        for key, data in SOURCES.items():
            source = Source.objects.filter(url=data["url"]).order_by("pk").first()
            if source is None:
                source = Source(**data)
                source.full_clean()
                source.save()
            sources[key] = source
    return sources


def _as_saved(fields):
    # As the admin's form stores text (Django's form fields strip it): otherwise the
    # first admin save of the demo alert would change every section it did not touch.
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def load_demo_content(editor):
    """Load the demo alert, written by ``editor`` (``None`` outside demo mode).

    Returns ``(alert, created)``. An alert that already has the demo slug is
    returned untouched, whatever editors have done to it since. Call inside a
    transaction: if the content fails its own checks, nothing must be kept.
    """
    existing = Alert.objects.filter(slug=ALERT_SLUG).first()
    if existing is not None:
        return existing, False

    sources = _sources(editor)
    stages = {stage.number: stage for stage in Stage.objects.all()}
    with revision(user=editor, comment="Demo content: Artsakh alert loaded by load_demo"):
        countries = {data["slug"]: _country(data) for data in COUNTRIES}
        alert = Alert(created_by=editor, **_as_saved(ALERT))
        alert.full_clean()
        alert.save()
        alert.countries.set(countries.values())
        for number, (key, locator) in enumerate(CITATIONS, start=1):
            Citation.objects.create(
                alert=alert, source=sources[key], number=number, locator=locator
            )
        for slug, stage, rationale in RATINGS:
            StageRating.objects.create(
                alert=alert,
                country=countries[slug],
                stage=stages[stage],
                rationale=rationale.strip(),
            )
        for position, (stage, slug, period, text) in enumerate(EVIDENCE, start=1):
            StageEvidence.objects.create(
                alert=alert,
                stage=stages[stage],
                country=countries[slug] if slug else None,
                period=period,
                text=text.strip(),
                position=position,
            )
        for position, (addressee, action) in enumerate(RECOMMENDATIONS, start=1):
            Recommendation.objects.create(
                alert=alert, position=position, addressee=addressee, action=action.strip()
            )

    snapshot = build_snapshot(alert)
    problems = dangling_markers(text_fields(snapshot), {c["number"] for c in snapshot["citations"]})
    if problems:
        raise ValueError(f"Demo content cites missing footnotes: {describe_dangling(problems)}")
    return alert, True
