"""The upload check: every hostile file is refused or stored cleaned, in process and in a bounded child."""

import hashlib
import multiprocessing
import os
import random
import time
from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from portal.bounded import BoundExceeded, ChildFailed, child_environment, run_bounded
from portal.pdf_inspection import REFUSAL_CODES, REMOVED_CODES, PdfRefused, clean_pdf, clean_pdf_bounded
from tests.hostile_pdfs import (
    CORPUS_BY_NAME,
    HOSTILE_CORPUS,
    active_content,
    flate_bomb,
    outside_the_pdf,
    plain_pdf,
)

MIB = 1024 * 1024
LIMITS = {"max_pages": 300, "max_decoded_bytes": 256 * MIB}
BOUNDS = {"seconds": 60, "memory_bytes": 768 * MIB}


def folders(tmp_path):
    incoming, stored = tmp_path / "quarantaene", tmp_path / "dokumente"
    incoming.mkdir(parents=True)
    stored.mkdir(parents=True)
    return incoming, stored


def check(case_or_bytes, tmp_path, *, bounded, **limits):
    """Runs the check on the bytes; returns (findings or PdfRefused, target path, the stored folder)."""
    content = case_or_bytes if isinstance(case_or_bytes, bytes) else case_or_bytes.content
    incoming, stored = folders(tmp_path)
    source = incoming / "upload.bin"
    source.write_bytes(content)
    target = stored / "geprueft.pdf"
    limits = {**LIMITS, **limits}
    try:
        if bounded:
            bounds = {key: limits.pop(key, value) for key, value in BOUNDS.items()}
            return clean_pdf_bounded(source, target, **limits, **bounds), target, stored
        return clean_pdf(source, target, **limits), target, stored
    except PdfRefused as refused:
        return refused, target, stored


def assert_outcome(case, outcome, target, stored):
    if case.refused:
        assert isinstance(outcome, PdfRefused), f"{case.name} was stored: {outcome}"
        assert outcome.code == case.refused
        assert outcome.code in REFUSAL_CODES
        assert list(stored.iterdir()) == [], "a refused file leaves nothing behind"
        return
    assert not isinstance(outcome, PdfRefused), f"{case.name} was refused: {outcome.code} {outcome.params}"
    assert outcome.removed == case.removed
    assert set(outcome.removed) <= set(REMOVED_CODES)
    assert list(stored.iterdir()) == [target], "no temporary file is left beside the stored copy"
    data = target.read_bytes()
    assert outcome.size == len(data)
    assert outcome.sha256 == hashlib.sha256(data).hexdigest()
    assert data.startswith(b"%PDF-")
    assert outside_the_pdf(data) == b"", "nothing before the header or after %%EOF"
    with pikepdf.open(target) as stored_pdf:
        assert not stored_pdf.is_encrypted
        assert len(stored_pdf.pages) == outcome.page_count
        assert active_content(stored_pdf) == []


@pytest.mark.parametrize("case", HOSTILE_CORPUS, ids=lambda case: case.name)
def test_every_corpus_file_is_refused_or_stored_without_active_content(case, tmp_path):
    outcome, target, stored = check(case, tmp_path, bounded=False)
    assert_outcome(case, outcome, target, stored)


@pytest.mark.parametrize("case", HOSTILE_CORPUS, ids=lambda case: case.name)
def test_every_corpus_file_gets_the_same_answer_from_the_bounded_child(case, tmp_path):
    outcome, target, stored = check(case, tmp_path, bounded=True)
    assert_outcome(case, outcome, target, stored)
    assert [path.name for path in stored.iterdir() if path.name.startswith(".")] == []


def test_the_corpus_files_were_active_before_the_check(tmp_path):
    """The checker finds what the cleaning removes, so an empty result after cleaning means something."""
    for case in HOSTILE_CORPUS:
        if case.refused or not case.removed:
            continue
        path = tmp_path / f"{case.name}.pdf"
        path.write_bytes(case.content)
        with pikepdf.open(path) as original:
            assert active_content(original), case.name


def test_a_polyglot_loses_its_html_and_the_stored_copy_has_a_hash_of_its_own(tmp_path):
    case = CORPUS_BY_NAME["html_polyglot"]
    findings, target, _stored = check(case, tmp_path, bounded=False)
    stored = target.read_bytes()
    assert b"<script" in case.content
    assert b"<script" not in stored
    assert b"<html" not in stored.lower()
    assert findings.sha256 != hashlib.sha256(case.content).hexdigest()


def test_a_clean_document_keeps_its_pages_and_their_content(tmp_path):
    case = CORPUS_BY_NAME["clean_five_pages"]
    findings, target, _stored = check(case, tmp_path, bounded=False)
    source = tmp_path / "original.pdf"
    source.write_bytes(case.content)
    with pikepdf.open(source) as original, pikepdf.open(target) as cleaned:
        assert findings.page_count == len(cleaned.pages) == 5
        for before, after in zip(original.pages, cleaned.pages, strict=True):
            assert after.obj.Contents.read_bytes() == before.obj.Contents.read_bytes()
            assert list(after.mediabox) == list(before.mediabox)
        assert b"Seite 3 von 5" in cleaned.pages[2].obj.Contents.read_bytes()
    assert findings.max_page_size == (595.0, 842.0)
    assert findings.removed == ()
    assert findings.removed_counts == ()


def test_web_links_jumps_and_page_navigation_are_kept(tmp_path):
    findings, target, _stored = check(CORPUS_BY_NAME["web_link_and_goto"], tmp_path, bounded=False)
    assert findings.removed == ()
    with pikepdf.open(target) as cleaned:
        actions = [annotation.A for annotation in cleaned.pages[0].obj.Annots]
        assert isinstance(cleaned.Root.OpenAction, pikepdf.Array)
    assert [str(action.S) for action in actions] == ["/URI", "/GoTo", "/Named"]
    assert bytes(actions[0].URI) == b"https://www.bmbf.de/"


def test_a_harmless_link_loses_only_the_script_chained_behind_it(tmp_path):
    findings, target, _stored = check(CORPUS_BY_NAME["javascript_everywhere"], tmp_path, bounded=False)
    assert dict(findings.removed_counts) == {"javascript": 3}
    with pikepdf.open(target) as cleaned:
        link = cleaned.pages[0].obj.Annots[0]
        assert str(link.A.S) == "/GoTo"
        assert "/Next" not in link.A
        assert "/A" not in cleaned.Root.Outlines.First
        assert "/JavaScript" not in cleaned.Root.Names


def test_refusals_carry_what_the_message_needs(tmp_path):
    too_long, _target, _stored = check(CORPUS_BY_NAME["ten_thousand_pages"], tmp_path, bounded=False)
    assert (too_long.code, too_long.params) == ("too_many_pages", {"count": 10000, "limit": 300})
    zero, _target, _stored = check(CORPUS_BY_NAME["zero_mediabox"], tmp_path / "2", bounded=False)
    assert (zero.code, zero.params) == ("page_box", {"page": 1})
    bomb, _target, _stored = check(CORPUS_BY_NAME["flate_bomb"], tmp_path / "3", bounded=False)
    assert (bomb.code, bomb.params) == ("bomb", {"limit": 256 * MIB})


def test_the_page_limit_counts_pages_exactly(tmp_path):
    findings, _target, _stored = check(plain_pdf(3), tmp_path / "at", bounded=False, max_pages=3)
    assert findings.page_count == 3
    refused, _target, _stored = check(plain_pdf(3), tmp_path / "past", bounded=False, max_pages=2)
    assert (refused.code, refused.params) == ("too_many_pages", {"count": 3, "limit": 2})


def test_the_decoded_size_limit_is_the_rule_not_the_compression_ratio(tmp_path):
    """The same 320 MiB of zeros pass under a 400 MiB limit: the check counts, it does not guess."""
    findings, target, _stored = check(flate_bomb(), tmp_path, bounded=False, max_decoded_bytes=400 * MIB)
    assert findings.page_count == 2
    assert target.exists()


def test_a_file_without_pages_is_refused(tmp_path):
    empty = pikepdf.new()
    path = tmp_path / "leer.pdf"
    empty.save(path)
    refused, _target, stored = check(path.read_bytes(), tmp_path / "check", bounded=False)
    assert refused.code == "no_pages"
    assert list(stored.iterdir()) == []


def test_a_check_past_its_cpu_time_is_too_complex_and_leaves_nothing(tmp_path):
    # 4 GiB of zeros to inflate take several seconds of CPU; the child may use one.
    started = time.monotonic()
    refused, target, stored = check(flate_bomb(4096), tmp_path, bounded=True, max_decoded_bytes=2**40, seconds=1)
    assert refused.code == "too_complex"
    assert refused.params["limit"] in {"cpu", "wall"}
    assert time.monotonic() - started < 20
    assert not target.exists()
    assert list(stored.iterdir()) == []


def test_a_check_past_its_memory_is_too_complex_and_leaves_nothing(tmp_path):
    # Before the hex filter can run, 320 MiB of inflated zeros must be held at once; the child may use 200 MiB.
    bomb = flate_bomb(320, (pikepdf.Name.FlateDecode, pikepdf.Name.FlateDecode, pikepdf.Name.ASCIIHexDecode))
    refused, _target, stored = check(bomb, tmp_path, bounded=True, max_decoded_bytes=2**40, memory_bytes=200 * MIB)
    assert (refused.code, refused.params) == ("too_complex", {"limit": "memory"})
    assert list(stored.iterdir()) == []


def _check_in_a_daemonic_process(source, target, answers):
    try:
        findings = clean_pdf_bounded(source, target, **LIMITS, **BOUNDS)
        answers.put(findings.page_count)
    except Exception as error:  # the parent test shows what went wrong
        answers.put(repr(error))


def test_the_bounded_check_runs_inside_a_daemonic_worker_process(tmp_path):
    """Celery's prefork children are daemonic and may not use multiprocessing; the check starts a plain process."""
    incoming, stored = folders(tmp_path)
    source = incoming / "upload.bin"
    source.write_bytes(plain_pdf(4))
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    worker = context.Process(
        target=_check_in_a_daemonic_process, args=(source, stored / "geprueft.pdf", answers), daemon=True
    )
    worker.start()
    worker.join(60)
    assert answers.get(timeout=5) == 4
    assert (stored / "geprueft.pdf").exists()


def mutated_corpus_files(count, seed):
    """Corpus files with a few bytes changed, cut out or inserted: what damaged or crafted uploads look like."""
    rng = random.Random(seed)
    seeds = [case.content for case in HOSTILE_CORPUS if len(case.content) < 5000 and case.content.startswith(b"%PDF")]
    splices = [b"0 0 R", b"/MediaBox [0 0 0 0]", b"<<", b">>", b"[", b"]", b"-1", b"9999999999", b"/Kids [1 0 R]"]
    for _ in range(count):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            position, operation = rng.randrange(len(data)), rng.random()
            if operation < 0.4:
                data[position] = rng.randrange(256)
            elif operation < 0.7:
                del data[position : position + rng.randint(1, 40)]
            else:
                data[position:position] = rng.choice(splices)
        yield bytes(data)


def test_damaged_and_crafted_variants_are_refused_or_cleaned_never_an_error(tmp_path):
    outcomes = Counter()
    for number, data in enumerate(mutated_corpus_files(400, seed=11)):
        outcome, target, stored = check(data, tmp_path / str(number), bounded=False)
        if isinstance(outcome, PdfRefused):
            outcomes[outcome.code] += 1
            assert list(stored.iterdir()) == []
            continue
        outcomes["cleaned"] += 1
        with pikepdf.open(target) as cleaned:
            assert active_content(cleaned) == [], number
    assert outcomes["cleaned"] > 50
    assert outcomes["damaged"] > 50


# --- The bounded runner --------------------------------------------------------------------------------------------


def test_the_bounded_runner_returns_the_childs_json(tmp_path):
    answer = tmp_path / "answer.json"
    answer.write_text('{"refused": {"code": "bomb"}}')
    assert run_bounded("json.tool", answer, seconds=10, memory_bytes=256 * MIB) == {"refused": {"code": "bomb"}}


def test_the_bounded_runner_stops_a_child_past_its_cpu_time():
    with pytest.raises(BoundExceeded) as caught:
        run_bounded("timeit", "-n", "10000000000", "pass", seconds=1, memory_bytes=256 * MIB)
    assert caught.value.limit == "cpu"


def test_the_bounded_runner_stops_a_child_past_its_memory():
    with pytest.raises(BoundExceeded) as caught:
        run_bounded("timeit", "-n", "1", "bytearray(400 * 1024 * 1024)", seconds=10, memory_bytes=200 * MIB)
    assert caught.value.limit == "memory"


def _running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def test_the_bounded_runner_kills_a_sleeping_child_and_its_own_children_at_the_wall_clock_limit(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    statement = (
        f"import subprocess, time; p = subprocess.Popen(['sleep', '120']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(120)"
    )
    started = time.monotonic()
    with pytest.raises(BoundExceeded) as caught:
        run_bounded("timeit", "-n", "1", statement, seconds=1, memory_bytes=256 * MIB)
    assert caught.value.limit == "wall"
    assert time.monotonic() - started < 15
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(grandchild)


def test_a_child_killed_by_a_signal_counts_as_a_limit():
    with pytest.raises(BoundExceeded) as caught:
        run_bounded("timeit", "-n", "1", "import os; os.kill(os.getpid(), 9)", seconds=10, memory_bytes=256 * MIB)
    assert caught.value.limit == "signal"


def test_a_child_that_fails_without_an_answer_is_a_failure_not_a_refusal():
    with pytest.raises(ChildFailed) as caught:
        run_bounded("portal.no_such_module", seconds=10, memory_bytes=256 * MIB)
    assert caught.value.returncode != 0
    assert "No module named" in caught.value.stderr


def test_the_child_sees_no_secrets_of_the_portal():
    assert os.environ.get("SECRET_KEY"), "the test settings have a secret the child must not see"
    environment = child_environment()
    assert set(environment) == {"PATH", "LANG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}
    assert Path(environment["PYTHONPATH"], "portal", "pdf_inspection", "__main__.py").exists()
