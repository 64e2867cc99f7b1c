"""The learned routing layer: learning from records, sharing the trained model, explaining what it learnt."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orgunits.models import Office, Unit
from routing import learning, services, training
from routing.models import IndexVersion, TrainedRouter
from routing.training import router_train

pytestmark = pytest.mark.django_db

# Matters the organisation data has no words for, so only records can teach where they go.
LANTERN = ["blue lantern permit for the {} festival", "renewing a blue lantern permit in {}",
           "my blue lantern permit from {} was lost", "fee for a blue lantern permit, {} district"]
KITE = ["green kite licence for the {} meadow", "a green kite licence expired in {}",
        "who stamps a green kite licence in {}", "green kite licence refused in {}"]
PLACES = ["north", "south", "east", "west", "river", "hill"]


@pytest.fixture
def tiny_starter(tmp_path, settings):
    """A small starter log, so that each training in these tests takes a fraction of a second."""
    (tmp_path / "log.yaml").write_text(
        "- subject: tourism\n  en: [a tour group was cheated by the guide, scenic spot tickets are too dear]\n"
        "- subject: coal-safety\n  en: [gas explosion in a coal mine, coal mine safety inspection]\n"
        "- subject: null\n  en: [best noodles in town, what a lovely day]\n",
        encoding="utf-8")
    settings.ROUTING_STARTER_LOG_DIR = tmp_path
    return tmp_path


def synthetic_records():
    records = []
    for places in (PLACES, PLACES[:3]):
        for place in places:
            records += [{"office": "shanxi", "text": text.format(place), "unit": "secretariat-6"} for text in LANTERN]
            records += [{"office": "shanxi", "text": text.format(place), "unit": "secretariat-2"} for text in KITE]
    return records


def import_records(records, tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps({**record, "id": str(number)}) + "\n" for number, record in enumerate(records)),
                    encoding="utf-8")
    call_command("import_records", str(path), stdout=StringIO())
    return path


def first_unit(text, office="shanxi"):
    result = services.route_matter(text=text, office=office)
    return result, (result.results[0].unit if result.results else None)


def test_records_teach_an_office_what_its_documents_never_say(tiny_starter, tmp_path,
                                                              django_capture_on_commit_callbacks):
    matter = "question about a blue lantern permit for the harbour"
    router_train(index=services.routing_index())
    _, before = first_unit(matter)
    assert before != "secretariat-6"
    with django_capture_on_commit_callbacks(execute=True):
        import_records(synthetic_records(), tmp_path)
    output = StringIO()
    call_command("train_router", stdout=output)
    assert "Trained on 72 records" in output.getvalue()
    result, after = first_unit(matter)
    assert after == "secretariat-6"
    assert first_unit("the green kite licence for the harbour")[1] == "secretariat-2"
    precedent = [reason for reason in result.results[0].reasons if reason.kind == "precedent"]
    assert precedent and "36 earlier matters" in precedent[0].text_en and "blue lantern" in precedent[0].quote
    assert "36件" in precedent[0].text_zh


def test_train_router_is_idempotent_and_shares_the_model_through_the_database(tiny_starter, tmp_path):
    call_command("train_router", stdout=StringIO())
    rows = TrainedRouter.objects.count()
    output = StringIO()
    call_command("train_router", stdout=output)
    assert output.getvalue().startswith("Up to date")
    assert TrainedRouter.objects.count() == rows
    in_use = IndexVersion.objects.get(pk=1).learned
    assert TrainedRouter.objects.filter(pk=in_use).exists()
    call_command("train_router", "--force", stdout=StringIO())
    assert IndexVersion.objects.get(pk=1).learned != in_use  # every worker loads the new one at its next request
    assert TrainedRouter.objects.count() <= 2


def test_a_clerks_correction_counts_at_the_next_request_before_any_training(tiny_starter,
                                                                            django_capture_on_commit_callbacks):
    router_train(index=services.routing_index())
    matter = "the fountain in the old square sings off key every evening"
    shanxi = Office.objects.get(slug="shanxi")
    chosen = Unit.objects.get(office=shanxi, slug="secretariat-5")
    assert first_unit(matter)[1] != "secretariat-5"
    with django_capture_on_commit_callbacks(execute=True):
        services.record_create(office=shanxi, text=matter, unit=chosen, suggested_unit=None, outcome="corrected")
    result, unit = first_unit("The fountain in the old square sings off key every evening!")
    assert unit == "secretariat-5"
    assert result.results[0].reasons[0].kind == "precedent"
    assert result.results[0].reasons[0].quote == matter
    assert first_unit(matter, office="jilin")[1] != "secretariat-5"  # another office's record teaches nothing here
    second = "pigeons nest in the clock tower of the old square"
    with django_capture_on_commit_callbacks(execute=True):
        services.record_create(office=shanxi, text=second, unit=None, suggested_unit=None, outcome="no_unit")
    assert first_unit(second)[1] is None  # "no unit", remembered as well
    assert first_unit(matter)[1] == "secretariat-5"  # and the first correction still counts


def test_chit_chat_in_the_starter_log_abstains_and_subjects_reach_their_holders(tiny_starter):
    router_train(index=services.routing_index())
    assert first_unit("best noodles in town")[1] is None
    assert first_unit("coal mine safety inspection")[1] == "secretariat-4"


def test_learning_can_be_switched_off(settings):
    settings.ROUTING_LEARNING = False
    result = services.route_matter(text="coal safety", office="shanxi")
    assert all(reason.kind != "precedent" for candidate in result.results for reason in candidate.reasons)


def test_a_stored_model_of_an_earlier_shape_is_trained_again(tiny_starter):
    row, _ = router_train(index=services.routing_index())
    TrainedRouter.objects.filter(pk=row.pk).update(blob=b"not a model")
    training._loaded["id"] = None  # as in a worker started after the model was stored
    services.routing_snapshot()  # no error: a fresh model is trained and used
    assert IndexVersion.objects.get(pk=1).learned != row.pk


def test_route_eval_cross_validates_learning_and_draws_the_curve(tiny_starter, tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in synthetic_records()), encoding="utf-8")
    svg = tmp_path / "curve.svg"
    output = StringIO()
    call_command("route_eval", str(path), "--folds", "3", "--svg", str(svg), stdout=output)
    lines = output.getvalue().splitlines()
    assert lines[0] == "3-fold cross-validation on 72 records"
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["0", "48", "48", "48"]  # fewer records than asked for: all of them
    assert float(rows[0][1].rstrip("%")) < 50 < float(rows[-1][1].rstrip("%"))
    assert svg.read_text(encoding="utf-8").startswith("<svg")


def test_route_eval_folds_names_the_bad_line(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"office": "shanxi", "text": "x", "unit": "secretariat-6"}\n'
                    '{"office": "shanxi", "text": "y", "unit": "no-such-unit"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: shanxi has no unit 'no-such-unit'"):
        call_command("route_eval", str(path), "--folds", "2")
    with pytest.raises(CommandError, match="at least 2 folds"):
        call_command("route_eval", str(path), "--folds", "1")


def test_subject_probabilities_reach_units_and_research_units_yield_to_handlers():
    index = services.routing_index()
    scores = learning.subject_unit_scores(index, "shanxi", {"education": 0.9, "": 0.1})
    by_unit = {index.units["shanxi"][position].slug: score for position, (score, _, _) in scores.items()}
    assert by_unit["secretariat-5"] == pytest.approx(0.9)
    assert by_unit["research-division-2"] < by_unit["secretariat-5"]


@pytest.mark.parametrize("matter, unit", [
    ("在海口工作的湖南老乡想找家乡政府帮忙", "hainan-office"),
    ("a Hunan company in Dongguan has a labour dispute", "guangzhou-office"),
    ("浦东有一家湘企需要对接", "shanghai-office"),
])
def test_a_place_leads_to_the_representative_office_that_serves_it(matter, unit):
    assert first_unit(matter, office="hunan")[1] == unit


def test_the_documents_alone_take_a_city_for_its_province(settings):
    settings.ROUTING_LEARNING = False
    assert first_unit("在海口工作的湖南老乡想找家乡政府帮忙", office="hunan")[1] == "hainan-office"
